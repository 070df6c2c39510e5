using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy;

/// <summary>
/// A solid shape to test against the map: a box, a sphere or a capsule, in its own body frame (metres), placed in the
/// world (z up) by a <see cref="Pose3"/>. Boxes are centred on the body origin; capsules run along the body z axis.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class CollisionShape
{
    private CollisionShape(ShapeKind kind, Vector3 halfExtents, float radius, float halfLength)
    {
        Kind = kind;
        HalfExtents = halfExtents;
        Radius = radius;
        HalfLength = halfLength;
    }

    /// <summary>Which shape this is.</summary>
    public ShapeKind Kind { get; }

    /// <summary>Half sizes of a box along body x, y, z, metres.</summary>
    public Vector3 HalfExtents { get; }

    /// <summary>Radius of a sphere or capsule, metres.</summary>
    public float Radius { get; }

    /// <summary>Half the length of a capsule's core segment (along body z), metres.</summary>
    public float HalfLength { get; }

    /// <summary>A box of the given size (full lengths along body x, y, z, metres).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not finite and positive.</exception>
    public static CollisionShape Box(Vector3 size)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(size.X, "size.X");
        ThrowHelper.ThrowIfNotPositiveFinite(size.Y, "size.Y");
        ThrowHelper.ThrowIfNotPositiveFinite(size.Z, "size.Z");
        return new CollisionShape(ShapeKind.Box, size / 2, 0, 0);
    }

    /// <summary>A sphere of <paramref name="radius"/> metres.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The radius is not finite and positive.</exception>
    public static CollisionShape Sphere(float radius)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        return new CollisionShape(ShapeKind.Sphere, Vector3.Zero, radius, 0);
    }

    /// <summary>A capsule: the points within <paramref name="radius"/> of the segment from −<paramref name="length"/>/2 to +<paramref name="length"/>/2 on body z.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The radius is not finite and positive, or the length is negative or not finite.</exception>
    public static CollisionShape Capsule(float radius, float length)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        if (!(length >= 0) || !float.IsFinite(length))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(length), length, string.Create(CultureInfo.InvariantCulture, $"length must be finite and not negative, but was {length}."));
        }

        return new CollisionShape(ShapeKind.Capsule, Vector3.Zero, radius, length / 2);
    }

    /// <summary>Radius of a sphere around the body origin that holds the whole shape, metres.</summary>
    public float BoundingRadius => Kind switch
    {
        ShapeKind.Box => HalfExtents.Length(),
        ShapeKind.Sphere => Radius,
        _ => Radius + HalfLength,
    };

    /// <summary>
    /// True when the shape and the axis-aligned cube [min, min + side]³ share interior volume. The cube is given in the
    /// body frame's rotation-free world offsets: <paramref name="min"/> relative to the shape's position.
    /// </summary>
    internal bool Overlaps(Vector3 min, float side, Quaternion rotation)
    {
        Vector3 max = min + new Vector3(side);
        switch (Kind)
        {
            case ShapeKind.Sphere:
                return DistanceSquaredToBox(Vector3.Zero, min, max) < Radius * Radius;
            case ShapeKind.Capsule:
            {
                Vector3 axis = Vector3.Transform(Vector3.UnitZ, rotation) * HalfLength;
                return SegmentBoxDistanceSquared(-axis, axis, min, max) < Radius * Radius;
            }

            default:
                return BoxBoxOverlap(HalfExtents, rotation, (min + max) / 2, new Vector3(side / 2));
        }
    }

    private static float DistanceSquaredToBox(Vector3 p, Vector3 min, Vector3 max) => Vector3.DistanceSquared(p, Vector3.Clamp(p, min, max));

    /// <summary>Squared distance between a segment and a box: convex in the segment parameter, minimised by golden-section search.</summary>
    private static float SegmentBoxDistanceSquared(Vector3 a, Vector3 b, Vector3 min, Vector3 max)
    {
        double lo = 0, hi = 1;
        const double golden = 0.6180339887498949;
        double x1 = hi - (golden * (hi - lo)), x2 = lo + (golden * (hi - lo));
        float f1 = DistanceSquaredToBox(Vector3.Lerp(a, b, (float)x1), min, max), f2 = DistanceSquaredToBox(Vector3.Lerp(a, b, (float)x2), min, max);
        for (int i = 0; i < 60; i++)
        {
            if (f1 < f2)
            {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - (golden * (hi - lo));
                f1 = DistanceSquaredToBox(Vector3.Lerp(a, b, (float)x1), min, max);
            }
            else
            {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + (golden * (hi - lo));
                f2 = DistanceSquaredToBox(Vector3.Lerp(a, b, (float)x2), min, max);
            }
        }

        return MathF.Min(MathF.Min(f1, f2), MathF.Min(DistanceSquaredToBox(a, min, max), DistanceSquaredToBox(b, min, max)));
    }

    /// <summary>Separating-axis test of an oriented box at the origin against an axis-aligned box; touching is not overlap.</summary>
    private static bool BoxBoxOverlap(Vector3 half, Quaternion rotation, Vector3 center, Vector3 cubeHalf)
    {
        Span<Vector3> axes = [Vector3.Transform(Vector3.UnitX, rotation), Vector3.Transform(Vector3.UnitY, rotation), Vector3.Transform(Vector3.UnitZ, rotation)];
        Span<Vector3> world = [Vector3.UnitX, Vector3.UnitY, Vector3.UnitZ];
        Span<Vector3> candidates = stackalloc Vector3[15];
        int n = 0;
        foreach (Vector3 a in axes)
        {
            candidates[n++] = a;
        }

        foreach (Vector3 w in world)
        {
            candidates[n++] = w;
        }

        foreach (Vector3 a in axes)
        {
            foreach (Vector3 w in world)
            {
                Vector3 c = Vector3.Cross(a, w);
                if (c.LengthSquared() > 1e-10f)
                {
                    candidates[n++] = c;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            Vector3 l = candidates[i];
            float ra = (half.X * MathF.Abs(Vector3.Dot(axes[0], l))) + (half.Y * MathF.Abs(Vector3.Dot(axes[1], l))) + (half.Z * MathF.Abs(Vector3.Dot(axes[2], l)));
            float rb = (cubeHalf.X * MathF.Abs(l.X)) + (cubeHalf.Y * MathF.Abs(l.Y)) + (cubeHalf.Z * MathF.Abs(l.Z));
            if (MathF.Abs(Vector3.Dot(center, l)) >= ra + rb)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The kinds of <see cref="CollisionShape"/>.</summary>
public enum ShapeKind
{
    /// <summary>A box.</summary>
    Box = 0,

    /// <summary>A sphere.</summary>
    Sphere = 1,

    /// <summary>A capsule (a segment swept by a sphere).</summary>
    Capsule = 2,
}
