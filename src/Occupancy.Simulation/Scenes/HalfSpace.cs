using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A plane with solid behind it: the solid is every point p with dot(<see cref="Normal"/>, p) ≤ <see cref="Offset"/>,
/// and the normal points into free space. A floor at z = 0 is normal (0, 0, 1), offset 0. World frame, metres.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class HalfSpace : Primitive
{
    /// <summary>Creates a half-space from a point on its plane and the normal pointing into free space.</summary>
    /// <param name="pointOnPlane">A point on the boundary plane, metres.</param>
    /// <param name="normal">Direction into free space; normalised here.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">An input is not finite or the normal is zero.</exception>
    public HalfSpace(Vector3 pointOnPlane, Vector3 normal, SemanticClass semanticClass = SemanticClass.Ground)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(pointOnPlane, nameof(pointOnPlane));
        ThrowHelper.ThrowIfNotFinite(normal, nameof(normal));
        if (normal.LengthSquared() < 1e-12f)
        {
            ThrowHelper.Argument(nameof(normal), "normal must not be the zero vector.");
        }

        Normal = Vector3.Normalize(normal);
        Offset = Vector3.Dot(Normal, pointOnPlane);
    }

    /// <summary>Unit normal, pointing into free space.</summary>
    public Vector3 Normal { get; }

    /// <summary>Plane offset: the plane is dot(Normal, p) = Offset.</summary>
    public float Offset { get; }

    /// <inheritdoc />
    public override Aabb? Bounds => null;

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        float denom = Vector3.Dot(Normal, direction);
        float height = Vector3.Dot(Normal, origin) - Offset;
        t = 0;
        if (denom >= 0 || height < 0)
        {
            return false; // moving away from the plane, or starting inside the solid
        }

        t = -height / denom;
        return t > tMin && t < tMax;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point) => Vector3.Dot(Normal, point) <= Offset;

    /// <inheritdoc />
    public override bool Meets(Aabb box)
    {
        // The box corner farthest against the normal.
        var corner = new Vector3(Normal.X >= 0 ? box.Min.X : box.Max.X, Normal.Y >= 0 ? box.Min.Y : box.Max.Y, Normal.Z >= 0 ? box.Min.Z : box.Max.Z);
        return Vector3.Dot(Normal, corner) <= Offset;
    }
}
