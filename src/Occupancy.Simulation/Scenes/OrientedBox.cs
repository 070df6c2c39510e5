using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A solid box with any orientation: a centre, half extents along its own axes, and the rotation of those axes into
/// the world frame (metres, right-handed, z up). A parked car turned on the road is one.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class OrientedBox : Primitive
{
    private readonly Quaternion _inverse;
    private readonly Vector3 _axisX, _axisY, _axisZ;

    /// <summary>Creates an oriented box.</summary>
    /// <param name="center">Centre, world frame, metres.</param>
    /// <param name="halfExtents">Half sizes along the box's own x, y and z axes, metres; all positive.</param>
    /// <param name="rotation">Rotation of the box's axes into the world frame; normalised here.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">A value is not finite, a half extent is not positive, or the rotation is zero.</exception>
    public OrientedBox(Vector3 center, Vector3 halfExtents, Quaternion rotation, SemanticClass semanticClass = SemanticClass.Furniture)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(center, nameof(center));
        ThrowHelper.ThrowIfNotFinite(halfExtents, nameof(halfExtents));
        if (!(halfExtents.X > 0 && halfExtents.Y > 0 && halfExtents.Z > 0))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(halfExtents), halfExtents, "every half extent must be greater than zero.");
        }

        if (!float.IsFinite(rotation.LengthSquared()) || rotation.LengthSquared() < 1e-12f)
        {
            ThrowHelper.Argument(nameof(rotation), "rotation must be a finite, non-zero quaternion.");
        }

        Center = center;
        HalfExtents = halfExtents;
        Rotation = Quaternion.Normalize(rotation);
        _inverse = Quaternion.Conjugate(Rotation);
        _axisX = Vector3.Transform(Vector3.UnitX, Rotation);
        _axisY = Vector3.Transform(Vector3.UnitY, Rotation);
        _axisZ = Vector3.Transform(Vector3.UnitZ, Rotation);
        Vector3 reach = (Vector3.Abs(_axisX) * halfExtents.X) + (Vector3.Abs(_axisY) * halfExtents.Y) + (Vector3.Abs(_axisZ) * halfExtents.Z);
        Bounds = new Aabb(center - reach, center + reach);
    }

    /// <summary>A box turned about the world z axis only (yaw), the usual case for vehicles and furniture.</summary>
    /// <param name="center">Centre, world frame, metres.</param>
    /// <param name="halfExtents">Half sizes along the box's own axes, metres.</param>
    /// <param name="yaw">Rotation about world z, radians, counter-clockwise seen from above.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    public static OrientedBox FromYaw(Vector3 center, Vector3 halfExtents, float yaw, SemanticClass semanticClass = SemanticClass.Furniture) =>
        new(center, halfExtents, Quaternion.CreateFromAxisAngle(Vector3.UnitZ, yaw), semanticClass);

    /// <summary>Centre, world frame, metres.</summary>
    public Vector3 Center { get; }

    /// <summary>Half sizes along the box's own axes, metres.</summary>
    public Vector3 HalfExtents { get; }

    /// <summary>Rotation of the box's axes into the world frame (unit quaternion).</summary>
    public Quaternion Rotation { get; }

    /// <inheritdoc />
    public override Aabb? Bounds { get; }

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t) =>
        // The slab test in the box's own frame; rotation keeps t.
        AxisAlignedBox.Slab(Vector3.Transform(origin - Center, _inverse), Vector3.Transform(direction, _inverse), -HalfExtents, HalfExtents, tMin, tMax, out t);

    /// <inheritdoc />
    public override bool Contains(Vector3 point)
    {
        Vector3 local = Vector3.Abs(Vector3.Transform(point - Center, _inverse));
        return local.X <= HalfExtents.X && local.Y <= HalfExtents.Y && local.Z <= HalfExtents.Z;
    }

    /// <summary>Exact: the separating-axis test over the 15 axes of two boxes.</summary>
    /// <param name="box">World box, metres.</param>
    public override bool Meets(Aabb box)
    {
        Vector3 h = box.Size * 0.5f;
        Vector3 d = Center - box.Center;
        ReadOnlySpan<Vector3> a = [_axisX, _axisY, _axisZ];
        ReadOnlySpan<Vector3> world = [Vector3.UnitX, Vector3.UnitY, Vector3.UnitZ];
        Vector3 e = HalfExtents;
        foreach (Vector3 axis in world)
        {
            if (Separates(axis, d, h, a, e))
            {
                return false;
            }
        }

        foreach (Vector3 axis in a)
        {
            if (Separates(axis, d, h, a, e))
            {
                return false;
            }
        }

        foreach (Vector3 u in world)
        {
            foreach (Vector3 v in a)
            {
                Vector3 axis = Vector3.Cross(u, v);
                if (axis.LengthSquared() > 1e-10f && Separates(axis, d, h, a, e))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Separates(Vector3 axis, Vector3 d, Vector3 h, ReadOnlySpan<Vector3> a, Vector3 e)
    {
        float ra = (h.X * MathF.Abs(axis.X)) + (h.Y * MathF.Abs(axis.Y)) + (h.Z * MathF.Abs(axis.Z));
        float rb = (e.X * MathF.Abs(Vector3.Dot(axis, a[0]))) + (e.Y * MathF.Abs(Vector3.Dot(axis, a[1]))) + (e.Z * MathF.Abs(Vector3.Dot(axis, a[2])));
        return MathF.Abs(Vector3.Dot(axis, d)) > ra + rb;
    }
}
