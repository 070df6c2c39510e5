using System.Numerics;
using Occupancy.Geometry;

namespace Occupancy.Synthetic;

/// <summary>
/// A solid shape of a synthetic scene with analytic ray intersection. World frame: metres, right-handed, z up.
/// </summary>
public abstract class Primitive
{
    /// <summary>Creates a primitive of a semantic class.</summary>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    protected Primitive(SemanticClass semanticClass) => SemanticClass = semanticClass;

    /// <summary>Semantic class of the primitive.</summary>
    public SemanticClass SemanticClass { get; }

    /// <summary>World box around the solid; null when it is unbounded (a half-space).</summary>
    public abstract Aabb? Bounds { get; }

    /// <summary>
    /// The first intersection of the ray origin + t·direction with the primitive's surface, for t in
    /// (<paramref name="tMin"/>, <paramref name="tMax"/>). Rays starting inside the solid report no hit.
    /// </summary>
    /// <param name="origin">Ray origin, metres.</param>
    /// <param name="direction">Ray direction; need not be unit length (t is in units of it).</param>
    /// <param name="tMin">Smallest accepted t.</param>
    /// <param name="tMax">Largest accepted t.</param>
    /// <param name="t">The hit parameter when true is returned.</param>
    public abstract bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t);

    /// <summary>True when the point lies inside the solid or on its surface.</summary>
    /// <param name="point">World frame, metres.</param>
    public abstract bool Contains(Vector3 point);
}
