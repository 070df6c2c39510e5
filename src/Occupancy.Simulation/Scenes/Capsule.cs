using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A solid capsule: every point within <see cref="Radius"/> of the segment from <see cref="A"/> to <see cref="B"/>
/// (a pedestrian's body, a rounded post). World frame, metres, z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class Capsule : Primitive
{
    /// <summary>Creates a capsule.</summary>
    /// <param name="a">One end of the axis segment, metres.</param>
    /// <param name="b">The other end, metres (may equal <paramref name="a"/>: a ball).</param>
    /// <param name="radius">Radius, metres.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">An end is not finite or the radius not positive.</exception>
    public Capsule(Vector3 a, Vector3 b, float radius, SemanticClass semanticClass = SemanticClass.Unlabelled)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(a, nameof(a));
        ThrowHelper.ThrowIfNotFinite(b, nameof(b));
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        A = a;
        B = b;
        Radius = radius;
        Bounds = new Aabb(Vector3.Min(a, b) - new Vector3(radius), Vector3.Max(a, b) + new Vector3(radius));
    }

    /// <summary>One end of the axis, metres.</summary>
    public Vector3 A { get; }

    /// <summary>The other end of the axis, metres.</summary>
    public Vector3 B { get; }

    /// <summary>Radius, metres.</summary>
    public float Radius { get; }

    /// <inheritdoc />
    public override Aabb? Bounds { get; }

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        t = 0;
        if (Contains(origin))
        {
            return false;
        }

        // Infinite cylinder about the axis, then the end balls (Quilez's capsule intersection, for any direction length).
        Vector3 ba = B - A, oa = origin - A;
        float baba = Vector3.Dot(ba, ba), bard = Vector3.Dot(ba, direction), baoa = Vector3.Dot(ba, oa);
        float rdoa = Vector3.Dot(direction, oa), oaoa = Vector3.Dot(oa, oa), rdrd = Vector3.Dot(direction, direction);
        float r2 = Radius * Radius;
        float best = float.PositiveInfinity;
        if (baba > 0)
        {
            float qa = (baba * rdrd) - (bard * bard);
            float qb = (baba * rdoa) - (baoa * bard);
            float qc = (baba * oaoa) - (baoa * baoa) - (r2 * baba);
            float disc = (qb * qb) - (qa * qc);
            if (qa > 0 && disc >= 0)
            {
                float ts = (-qb - MathF.Sqrt(disc)) / qa;
                float y = baoa + (ts * bard);
                if (y > 0 && y < baba)
                {
                    best = ts;
                }
            }
        }

        if (float.IsPositiveInfinity(best))
        {
            best = MathF.Min(BallHit(origin, direction, A, r2), BallHit(origin, direction, B, r2));
        }

        t = best;
        return best > tMin && best < tMax;
    }

    private static float BallHit(Vector3 origin, Vector3 direction, Vector3 center, float r2)
    {
        Vector3 oc = origin - center;
        float a = Vector3.Dot(direction, direction), b = Vector3.Dot(oc, direction), c = Vector3.Dot(oc, oc) - r2;
        float disc = (b * b) - (a * c);
        return disc < 0 ? float.PositiveInfinity : (-b - MathF.Sqrt(disc)) / a;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point) => Vector3.DistanceSquared(point, Closest(point)) <= Radius * Radius;

    private Vector3 Closest(Vector3 point)
    {
        Vector3 ba = B - A;
        float baba = Vector3.Dot(ba, ba);
        float s = baba > 0 ? Math.Clamp(Vector3.Dot(point - A, ba) / baba, 0f, 1f) : 0f;
        return A + (s * ba);
    }

    /// <summary>
    /// Exact up to float rounding: the squared distance from the box to a point moving along the axis is convex in
    /// the segment parameter, so a golden-section search finds its minimum.
    /// </summary>
    /// <param name="box">World box, metres.</param>
    public override bool Meets(Aabb box)
    {
        Aabb b = Bounds!.Value;
        if (!b.Intersects(box))
        {
            return false;
        }

        float r2 = Radius * Radius;
        float lo = 0, hi = 1;
        const float Phi = 0.618034f;
        float x1 = hi - (Phi * (hi - lo)), x2 = lo + (Phi * (hi - lo));
        float f1 = BoxDistanceSquared(box, x1), f2 = BoxDistanceSquared(box, x2);
        for (int i = 0; i < 40; i++)
        {
            if (f1 <= r2 || f2 <= r2)
            {
                return true;
            }

            if (f1 < f2)
            {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - (Phi * (hi - lo));
                f1 = BoxDistanceSquared(box, x1);
            }
            else
            {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + (Phi * (hi - lo));
                f2 = BoxDistanceSquared(box, x2);
            }
        }

        return MathF.Min(MathF.Min(f1, f2), MathF.Min(BoxDistanceSquared(box, 0), BoxDistanceSquared(box, 1))) <= r2;
    }

    private float BoxDistanceSquared(Aabb box, float s)
    {
        Vector3 p = Vector3.Lerp(A, B, s);
        return Vector3.DistanceSquared(Vector3.Clamp(p, box.Min, box.Max), p);
    }
}
