using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>A solid upright cylinder (axis along world z), such as a pole or a tree trunk. World frame, metres.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class Cylinder : Primitive
{
    /// <summary>Creates an upright cylinder.</summary>
    /// <param name="baseCenter">Centre of the bottom disc, metres.</param>
    /// <param name="radius">Radius, metres.</param>
    /// <param name="height">Height, metres.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">The base is not finite, or the radius or height not positive.</exception>
    public Cylinder(Vector3 baseCenter, float radius, float height, SemanticClass semanticClass = SemanticClass.Unlabelled)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(baseCenter, nameof(baseCenter));
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        ThrowHelper.ThrowIfNotPositiveFinite(height, nameof(height));
        BaseCenter = baseCenter;
        Radius = radius;
        Height = height;
    }

    /// <summary>Centre of the bottom disc, metres.</summary>
    public Vector3 BaseCenter { get; }

    /// <summary>Radius, metres.</summary>
    public float Radius { get; }

    /// <summary>Height, metres.</summary>
    public float Height { get; }

    /// <inheritdoc />
    public override Aabb? Bounds => new Aabb(BaseCenter - new Vector3(Radius, Radius, 0), BaseCenter + new Vector3(Radius, Radius, Height));

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        t = 0;
        if (Contains(origin))
        {
            return false;
        }

        float best = float.PositiveInfinity;
        // Side: solve |(o + t·d − c)_xy|² = r².
        float ox = origin.X - BaseCenter.X, oy = origin.Y - BaseCenter.Y;
        float a = (direction.X * direction.X) + (direction.Y * direction.Y), b = (ox * direction.X) + (oy * direction.Y), c = (ox * ox) + (oy * oy) - (Radius * Radius);
        if (a > 0)
        {
            float discriminant = (b * b) - (a * c);
            if (discriminant >= 0)
            {
                float ts = (-b - MathF.Sqrt(discriminant)) / a;
                float z = origin.Z + (ts * direction.Z);
                if (ts > tMin && z >= BaseCenter.Z && z <= BaseCenter.Z + Height)
                {
                    best = ts;
                }
            }
        }

        // Caps.
        if (direction.Z != 0)
        {
            foreach (float capZ in (ReadOnlySpan<float>)[BaseCenter.Z, BaseCenter.Z + Height])
            {
                float tc = (capZ - origin.Z) / direction.Z;
                float px = ox + (tc * direction.X), py = oy + (tc * direction.Y);
                if (tc > tMin && tc < best && (px * px) + (py * py) <= Radius * Radius)
                {
                    best = tc;
                }
            }
        }

        t = best;
        return best < tMax;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point)
    {
        float dx = point.X - BaseCenter.X, dy = point.Y - BaseCenter.Y;
        return point.Z >= BaseCenter.Z && point.Z <= BaseCenter.Z + Height && (dx * dx) + (dy * dy) <= Radius * Radius;
    }

    /// <inheritdoc />
    public override bool Meets(Aabb box)
    {
        if (box.Max.Z < BaseCenter.Z || box.Min.Z > BaseCenter.Z + Height)
        {
            return false;
        }

        float cx = Math.Clamp(BaseCenter.X, box.Min.X, box.Max.X), cy = Math.Clamp(BaseCenter.Y, box.Min.Y, box.Max.Y);
        float dx = cx - BaseCenter.X, dy = cy - BaseCenter.Y;
        return (dx * dx) + (dy * dy) <= Radius * Radius;
    }
}
