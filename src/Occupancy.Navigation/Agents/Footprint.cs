using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// The outline of a ground robot seen from above, in its body frame: metres, x forward, y left (ROS REP-103), the
/// origin at the robot's reference point (usually the centre of rotation). A circle, or a simple polygon.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class Footprint
{
    private readonly Vector2[] _vertices;

    private Footprint(Vector2[] vertices, float radius, bool isCircle)
    {
        _vertices = vertices;
        IsCircle = isCircle;
        CircumscribedRadius = radius;
        InscribedRadius = isCircle ? radius : Inscribed(vertices);
    }

    /// <summary>True for a circular footprint.</summary>
    public bool IsCircle { get; }

    /// <summary>Distance from the origin to the farthest point of the footprint, metres.</summary>
    public float CircumscribedRadius { get; }

    /// <summary>Distance from the origin to the nearest point of the outline, metres (0 when the origin lies outside).</summary>
    public float InscribedRadius { get; }

    /// <summary>The polygon's vertices, counter-clockwise (empty for a circle).</summary>
    public IReadOnlyList<Vector2> Vertices => _vertices;

    /// <summary>A circle of <paramref name="radius"/> metres around the origin.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The radius is not finite and positive.</exception>
    public static Footprint Circle(float radius)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        return new Footprint([], radius, isCircle: true);
    }

    /// <summary>A simple polygon (at least three vertices, non-zero area, no edges crossing), in either winding.</summary>
    /// <param name="vertices">Corners in the body frame, metres.</param>
    /// <exception cref="ArgumentException">Fewer than three vertices, a non-finite vertex, zero area, or crossing edges.</exception>
    public static Footprint Polygon(ReadOnlySpan<Vector2> vertices)
    {
        if (vertices.Length < 3)
        {
            ThrowHelper.Argument(nameof(vertices), string.Create(CultureInfo.InvariantCulture, $"a footprint polygon needs at least 3 vertices, but got {vertices.Length}."));
        }

        Vector2[] v = vertices.ToArray();
        foreach (Vector2 p in v)
        {
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
            {
                ThrowHelper.Argument(nameof(vertices), string.Create(CultureInfo.InvariantCulture, $"footprint vertices must be finite, but one was {p}."));
            }
        }

        double area = SignedArea(v);
        if (Math.Abs(area) < 1e-9)
        {
            ThrowHelper.Argument(nameof(vertices), string.Create(CultureInfo.InvariantCulture, $"the footprint polygon has zero area ({area} m²)."));
        }

        for (int i = 0; i < v.Length; i++)
        {
            for (int j = i + 1; j < v.Length; j++)
            {
                bool adjacent = j == i + 1 || (i == 0 && j == v.Length - 1);
                if (!adjacent && SegmentsIntersect(v[i], v[(i + 1) % v.Length], v[j], v[(j + 1) % v.Length]))
                {
                    ThrowHelper.Argument(nameof(vertices), string.Create(CultureInfo.InvariantCulture, $"the footprint polygon intersects itself: edge {i} crosses edge {j}."));
                }
            }
        }

        if (area < 0)
        {
            Array.Reverse(v);
        }

        float radius = 0;
        foreach (Vector2 p in v)
        {
            radius = MathF.Max(radius, p.Length());
        }

        return new Footprint(v, radius, isCircle: false);
    }

    /// <summary>True when a body-frame point lies inside the footprint (or on its outline).</summary>
    /// <param name="point">Body frame, metres.</param>
    public bool Contains(Vector2 point)
    {
        if (IsCircle)
        {
            return point.LengthSquared() <= CircumscribedRadius * CircumscribedRadius;
        }

        bool inside = false;
        for (int i = 0, j = _vertices.Length - 1; i < _vertices.Length; j = i++)
        {
            Vector2 a = _vertices[i], b = _vertices[j];
            if ((a.Y > point.Y) != (b.Y > point.Y) && point.X < ((b.X - a.X) * (point.Y - a.Y) / (b.Y - a.Y)) + a.X)
            {
                inside = !inside;
            }
        }

        return inside;
    }

    /// <summary>
    /// Area (m²) of the footprint at a pose that lies inside an axis-aligned square, by clipping the polygon to the
    /// square (Sutherland–Hodgman); a circle is treated as its 64-gon circumscribing polygon.
    /// </summary>
    internal double OverlapArea(Vector2 position, float yaw, Vector2 squareMin, float side)
    {
        Span<Vector2> polygon = stackalloc Vector2[IsCircle ? 64 : _vertices.Length];
        (float sin, float cos) = MathF.SinCos(yaw);
        for (int i = 0; i < polygon.Length; i++)
        {
            Vector2 p = IsCircle ? CirclePoint(i, polygon.Length) : _vertices[i];
            polygon[i] = position + new Vector2((cos * p.X) - (sin * p.Y), (sin * p.X) + (cos * p.Y));
        }

        Span<Vector2> a = stackalloc Vector2[polygon.Length + 8];
        Span<Vector2> b = stackalloc Vector2[polygon.Length + 8];
        polygon.CopyTo(a);
        int n = polygon.Length;
        n = Clip(a, n, b, 0, squareMin.X, keepAbove: true);
        n = Clip(b, n, a, 0, squareMin.X + side, keepAbove: false);
        n = Clip(a, n, b, 1, squareMin.Y, keepAbove: true);
        n = Clip(b, n, a, 1, squareMin.Y + side, keepAbove: false);
        return n < 3 ? 0 : Math.Abs(SignedArea(a[..n]));
    }

    private Vector2 CirclePoint(int i, int n)
    {
        // Vertices on a circle of radius r / cos(π/n): the polygon contains the circle.
        float r = CircumscribedRadius / MathF.Cos(MathF.PI / n);
        (float s, float c) = MathF.SinCos(2 * MathF.PI * i / n);
        return new Vector2(r * c, r * s);
    }

    private static int Clip(Span<Vector2> input, int n, Span<Vector2> output, int axis, float bound, bool keepAbove)
    {
        int m = 0;
        for (int i = 0; i < n; i++)
        {
            Vector2 current = input[i], previous = input[(i + n - 1) % n];
            float c = axis == 0 ? current.X : current.Y, p = axis == 0 ? previous.X : previous.Y;
            bool cIn = keepAbove ? c >= bound : c <= bound, pIn = keepAbove ? p >= bound : p <= bound;
            if (cIn != pIn)
            {
                float t = (bound - p) / (c - p);
                output[m++] = previous + ((current - previous) * t);
            }

            if (cIn)
            {
                output[m++] = current;
            }
        }

        return m;
    }

    private static double SignedArea(ReadOnlySpan<Vector2> v)
    {
        double area = 0;
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
        {
            area += ((double)v[j].X * v[i].Y) - ((double)v[i].X * v[j].Y);
        }

        return area / 2;
    }

    private static bool SegmentsIntersect(Vector2 p1, Vector2 p2, Vector2 q1, Vector2 q2)
    {
        static double Cross(Vector2 o, Vector2 a, Vector2 b) => ((double)(a.X - o.X) * (b.Y - o.Y)) - ((double)(a.Y - o.Y) * (b.X - o.X));
        static bool OnSegment(Vector2 a, Vector2 b, Vector2 p) =>
            Math.Min(a.X, b.X) <= p.X && p.X <= Math.Max(a.X, b.X) && Math.Min(a.Y, b.Y) <= p.Y && p.Y <= Math.Max(a.Y, b.Y);
        double d1 = Cross(q1, q2, p1), d2 = Cross(q1, q2, p2), d3 = Cross(p1, p2, q1), d4 = Cross(p1, p2, q2);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
        {
            return true;
        }

        return (d1 == 0 && OnSegment(q1, q2, p1)) || (d2 == 0 && OnSegment(q1, q2, p2)) || (d3 == 0 && OnSegment(p1, p2, q1)) || (d4 == 0 && OnSegment(p1, p2, q2));
    }

    private static float Inscribed(Vector2[] v)
    {
        // Nearest point of the outline to the origin (0 when the origin is outside the polygon).
        float best = float.PositiveInfinity;
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
        {
            Vector2 a = v[j], b = v[i], ab = b - a;
            float t = Math.Clamp(Vector2.Dot(-a, ab) / ab.LengthSquared(), 0, 1);
            best = MathF.Min(best, (a + (ab * t)).Length());
        }

        bool inside = false;
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
        {
            if ((v[i].Y > 0) != (v[j].Y > 0) && 0 < ((v[j].X - v[i].X) * (0 - v[i].Y) / (v[j].Y - v[i].Y)) + v[i].X)
            {
                inside = !inside;
            }
        }

        return inside ? best : 0;
    }
}
