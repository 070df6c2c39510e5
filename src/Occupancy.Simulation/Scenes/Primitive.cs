using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A solid shape of a synthetic scene with analytic ray intersection. World frame: metres, right-handed, z up.
/// </summary>
/// <remarks>Threads: immutable after construction, so safe to share between threads.</remarks>
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

    /// <summary>
    /// True when the solid meets the closed box (they share at least one point). The base implementation samples the
    /// box on a 5 × 5 × 5 lattice including its corners, which can miss slivers thinner than a quarter of the box;
    /// primitives with an exact test override it.
    /// </summary>
    /// <param name="box">World box, metres.</param>
    public virtual bool Meets(Aabb box)
    {
        if (Bounds is Aabb b && !b.Intersects(box))
        {
            return false;
        }

        Vector3 step = box.Size / 4;
        for (int i = 0; i < 125; i++)
        {
            if (Contains(box.Min + (step * new Vector3(i % 5, (i / 5) % 5, i / 25))))
            {
                return true;
            }
        }

        return false;
    }
}
