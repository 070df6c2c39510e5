using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy;

/// <summary>An axis-aligned box in the world frame (metres, right-handed, z up), from <see cref="Min"/> to <see cref="Max"/>.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly struct Aabb : IEquatable<Aabb>
{
    /// <summary>Creates a box; every component of <paramref name="min"/> must be finite and no greater than <paramref name="max"/>.</summary>
    /// <exception cref="ArgumentException">A corner is not finite or min exceeds max on some axis.</exception>
    public Aabb(Vector3 min, Vector3 max)
    {
        ThrowHelper.ThrowIfNotFinite(min, nameof(min));
        ThrowHelper.ThrowIfNotFinite(max, nameof(max));
        if (min.X > max.X || min.Y > max.Y || min.Z > max.Z)
        {
            ThrowHelper.Argument(nameof(max), string.Create(CultureInfo.InvariantCulture, $"max {max} must be at least min {min} on every axis."));
        }

        Min = min;
        Max = max;
    }

    /// <summary>Smallest corner, metres.</summary>
    public Vector3 Min { get; }

    /// <summary>Largest corner, metres.</summary>
    public Vector3 Max { get; }

    /// <summary>Size along each axis, metres.</summary>
    public Vector3 Size => Max - Min;

    /// <summary>Centre of the box, metres.</summary>
    public Vector3 Center => (Min + Max) * 0.5f;

    /// <summary>True when the point lies inside or on the boundary.</summary>
    public bool Contains(Vector3 point) =>
        point.X >= Min.X && point.X <= Max.X && point.Y >= Min.Y && point.Y <= Max.Y && point.Z >= Min.Z && point.Z <= Max.Z;

    /// <summary>True when the two closed boxes share at least one point.</summary>
    /// <param name="other">Another box in the same frame.</param>
    public bool Intersects(Aabb other) =>
        Min.X <= other.Max.X && Max.X >= other.Min.X && Min.Y <= other.Max.Y && Max.Y >= other.Min.Y && Min.Z <= other.Max.Z && Max.Z >= other.Min.Z;

    /// <inheritdoc />
    public bool Equals(Aabb other) => Min.Equals(other.Min) && Max.Equals(other.Max);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Aabb other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Min, Max);

    /// <summary>Equality of both corners.</summary>
    public static bool operator ==(Aabb left, Aabb right) => left.Equals(right);

    /// <summary>Inequality of either corner.</summary>
    public static bool operator !=(Aabb left, Aabb right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Aabb({Min} .. {Max})");
}
