using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>A solid box aligned with the world axes. World frame, metres.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
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
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t) =>
        Slab(origin, direction, _box.Min, _box.Max, tMin, tMax, out t);

    /// <summary>
    /// The slab test: where the ray enters the box, accepted in (<paramref name="tMin"/>, <paramref name="tMax"/>); a ray
    /// starting inside enters at a negative t and so reports no hit. IEEE division by zero gives ±infinity, which the
    /// min/max handle.
    /// </summary>
    internal static bool Slab(Vector3 origin, Vector3 direction, Vector3 min, Vector3 max, float tMin, float tMax, out float t)
    {
        Vector3 inv = Vector3.One / direction;
        Vector3 t0 = (min - origin) * inv;
        Vector3 t1 = (max - origin) * inv;
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
    public override bool Meets(Aabb box) => _box.Intersects(box);
}
