using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Occupancy.Sensors;

namespace Occupancy.Integration;

/// <summary>
/// One pass over a depth image: how many pixels hold a return, the deepest return, and how many returns lie beyond
/// the maximum range (Euclidean, so a pixel's depth is scaled by the length of its ray at z = 1).
/// </summary>
internal readonly record struct DepthSummary(int Valid, float MaxDepth, int BeyondRange)
{
    public bool AnyBeyondRange => BeyondRange > 0;

    /// <summary>Vectorised with <see cref="Vector{T}"/>; <see cref="ComputeScalar"/> is its reference.</summary>
    public static DepthSummary Compute(ReadOnlySpan<float> depth, in PinholeIntrinsics k, float maxRange) => Compute(depth, k, maxRange, 0, k.Height);

    /// <summary>The summary of rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) only; <see cref="Combine"/> joins parts.</summary>
    [SkipLocalsInit]
    public static DepthSummary Compute(ReadOnlySpan<float> depth, in PinholeIntrinsics k, float maxRange, int rowStart, int rowEnd)
    {
        int width = k.Width;
        float r2 = maxRange * maxRange;
        float invFx = 1f / k.Fx;
        Vector<float> lane = Lanes;
        var zero = Vector<float>.Zero;
        var maxValue = new Vector<float>(float.MaxValue);
        var range2 = new Vector<float>(r2);
        var validCount = Vector<int>.Zero;
        var beyondCount = Vector<int>.Zero;
        var deepest = Vector<float>.Zero;
        int valid = 0, beyond = 0;
        float maxDepth = 0;
        for (int row = rowStart; row < rowEnd; row++)
        {
            ReadOnlySpan<float> line = depth.Slice(row * width, width);
            float b = (row - k.Cy) / k.Fy;
            float rowNorm = 1f + (b * b);
            int u = 0;
            for (; u <= width - Vector<float>.Count; u += Vector<float>.Count)
            {
                var d = new Vector<float>(line.Slice(u));
                var a = ((new Vector<float>(u) + lane) - new Vector<float>(k.Cx)) * new Vector<float>(invFx);
                Vector<int> ok = Vector.GreaterThan(d, zero) & Vector.LessThanOrEqual(d, maxValue);
                validCount -= ok;
                deepest = Vector.Max(deepest, Vector.ConditionalSelect(ok, d, zero));
                Vector<float> norm = new Vector<float>(rowNorm) + (a * a);
                beyondCount -= ok & Vector.GreaterThan(d * d * norm, range2);
            }

            for (; u < width; u++)
            {
                Pixel(line[u], u, k.Cx, invFx, rowNorm, r2, ref valid, ref beyond, ref maxDepth);
            }
        }

        valid += Vector.Sum(validCount);
        beyond += Vector.Sum(beyondCount);
        for (int i = 0; i < Vector<float>.Count; i++)
        {
            maxDepth = Math.Max(maxDepth, deepest[i]);
        }

        return new DepthSummary(valid, maxDepth, beyond);
    }

    /// <summary>Joins the summaries of two disjoint sets of rows.</summary>
    public static DepthSummary Combine(DepthSummary a, DepthSummary b) => new(a.Valid + b.Valid, Math.Max(a.MaxDepth, b.MaxDepth), a.BeyondRange + b.BeyondRange);

    /// <summary>The scalar reference of <see cref="Compute(ReadOnlySpan{float}, in PinholeIntrinsics, float)"/>.</summary>
    public static DepthSummary ComputeScalar(ReadOnlySpan<float> depth, in PinholeIntrinsics k, float maxRange)
    {
        float r2 = maxRange * maxRange;
        float invFx = 1f / k.Fx;
        int valid = 0, beyond = 0;
        float maxDepth = 0;
        for (int row = 0; row < k.Height; row++)
        {
            float b = (row - k.Cy) / k.Fy;
            float rowNorm = 1f + (b * b);
            for (int u = 0; u < k.Width; u++)
            {
                Pixel(depth[(row * k.Width) + u], u, k.Cx, invFx, rowNorm, r2, ref valid, ref beyond, ref maxDepth);
            }
        }

        return new DepthSummary(valid, maxDepth, beyond);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixel(float d, int u, float cx, float invFx, float rowNorm, float r2, ref int valid, ref int beyond, ref float maxDepth)
    {
        if (!(d > 0f) || !(d <= float.MaxValue))
        {
            return;
        }

        valid++;
        maxDepth = Math.Max(maxDepth, d);
        float a = (u - cx) * invFx;
        if (d * d * (rowNorm + (a * a)) > r2)
        {
            beyond++;
        }
    }

    private static readonly Vector<float> Lanes = new(LaneIndices());

    private static float[] LaneIndices()
    {
        var lanes = new float[Vector<float>.Count];
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = i;
        }

        return lanes;
    }
}
