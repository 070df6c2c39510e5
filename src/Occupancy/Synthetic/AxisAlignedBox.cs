using System;
using System.Numerics;
using Occupancy.Geometry;

namespace Occupancy.Synthetic;

/// <summary>A solid box aligned with the world axes. World frame, metres.</summary>
public sealed class AxisAlignedBox : Primitive
{
    private readonly Aabb _box;

    /// <summary>Creates a solid box.</summary>
    /// <param name="box">Its extent, world frame, metres.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    public AxisAlignedBox(Aabb box, SemanticClass semanticClass = SemanticClass.Furniture)
        : base(semanticClass) => _box = box;

    /// <summary>The box's extent.</summary>
    public Aabb Box => _box;

    /// <inheritdoc />
    public override Aabb? Bounds => _box;

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        // Slab test; IEEE division by zero gives ±infinity, which the min/max handle.
        Vector3 inv = Vector3.One / direction;
        Vector3 t0 = (_box.Min - origin) * inv;
        Vector3 t1 = (_box.Max - origin) * inv;
        Vector3 near = Vector3.Min(t0, t1);
        Vector3 far = Vector3.Max(t0, t1);
        float enter = MathF.Max(MathF.Max(near.X, near.Y), near.Z);
        float exit = MathF.Min(MathF.Min(far.X, far.Y), far.Z);
        t = enter;
        return enter <= exit && enter > tMin && enter < tMax;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point) => _box.Contains(point);

    /// <inheritdoc />
    public override bool Meets(Aabb box) =>
        _box.Min.X <= box.Max.X && _box.Max.X >= box.Min.X && _box.Min.Y <= box.Max.Y && _box.Max.Y >= box.Min.Y && _box.Min.Z <= box.Max.Z && _box.Max.Z >= box.Min.Z;
}
