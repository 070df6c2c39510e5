using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A solid wedge: a ramp whose footprint is the box [x0, x0 + length] × [y0, y0 + width] standing on z0, rising along
/// +x (or −x) from z0 to z0 + height. World frame, metres, z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class Ramp : Primitive
{
    private readonly Vector3 _min;
    private readonly float _length, _width, _height;
    private readonly bool _risesTowardsPlusX;

    /// <summary>Creates a ramp.</summary>
    /// <param name="min">Lowest corner of its footprint (x0, y0, z0), metres.</param>
    /// <param name="length">Extent along x, metres.</param>
    /// <param name="width">Extent along y, metres.</param>
    /// <param name="height">Rise, metres.</param>
    /// <param name="risesTowardsPlusX">True when the high end is at x0 + length.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">A corner is not finite or a size is not positive.</exception>
    public Ramp(Vector3 min, float length, float width, float height, bool risesTowardsPlusX = true, SemanticClass semanticClass = SemanticClass.Ground)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(min, nameof(min));
        ThrowHelper.ThrowIfNotPositiveFinite(length, nameof(length));
        ThrowHelper.ThrowIfNotPositiveFinite(width, nameof(width));
        ThrowHelper.ThrowIfNotPositiveFinite(height, nameof(height));
        _min = min;
        _length = length;
        _width = width;
        _height = height;
        _risesTowardsPlusX = risesTowardsPlusX;
    }

    /// <summary>Incline, radians.</summary>
    public float Angle => MathF.Atan2(_height, _length);

    /// <inheritdoc />
    public override Aabb? Bounds => new Aabb(_min, _min + new Vector3(_length, _width, _height));

    /// <summary>Height of the top surface above x (metres), clamped to the ramp's extent.</summary>
    public float SurfaceHeight(float x)
    {
        float u = Math.Clamp((x - _min.X) / _length, 0, 1);
        return _min.Z + (_height * (_risesTowardsPlusX ? u : 1 - u));
    }

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        // Clip the ray against the six half-spaces n·p <= d (Kay–Kajiya for a convex polyhedron).
        float slope = _height / _length * (_risesTowardsPlusX ? 1 : -1);
        float topOffset = _min.Z - (slope * (_risesTowardsPlusX ? _min.X : _min.X + _length));
        Span<(Vector3 N, float D)> planes =
        [
            (-Vector3.UnitX, -_min.X), (Vector3.UnitX, _min.X + _length),
            (-Vector3.UnitY, -_min.Y), (Vector3.UnitY, _min.Y + _width),
            (-Vector3.UnitZ, -_min.Z), (new Vector3(-slope, 0, 1), topOffset),
        ];
        float enter = float.NegativeInfinity, exit = float.PositiveInfinity;
        foreach ((Vector3 n, float d) in planes)
        {
            float denom = Vector3.Dot(n, direction), dist = d - Vector3.Dot(n, origin);
            if (denom == 0)
            {
                if (dist < 0)
                {
                    t = 0;
                    return false;
                }

                continue;
            }

            float ti = dist / denom;
            if (denom < 0)
            {
                enter = MathF.Max(enter, ti);
            }
            else
            {
                exit = MathF.Min(exit, ti);
            }
        }

        t = enter;
        return enter <= exit && enter > tMin && enter < tMax;
    }

    /// <inheritdoc />
    public override bool Meets(Aabb box)
    {
        // Exact: clip the box to the ramp's bounding box, then ask whether its lowest point lies under the top surface
        // somewhere; the top rises linearly in x, so its highest value over the clip is at one x end.
        Vector3 lo = Vector3.Max(box.Min, _min), hi = Vector3.Min(box.Max, _min + new Vector3(_length, _width, _height));
        if (lo.X > hi.X || lo.Y > hi.Y || lo.Z > hi.Z)
        {
            return false;
        }

        return lo.Z <= MathF.Max(SurfaceHeight(lo.X), SurfaceHeight(hi.X));
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point) =>
        point.X >= _min.X && point.X <= _min.X + _length && point.Y >= _min.Y && point.Y <= _min.Y + _width &&
        point.Z >= _min.Z && point.Z <= SurfaceHeight(point.X);
}
