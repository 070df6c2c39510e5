using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occupancy.Stereo;

/// <summary>
/// One instruction-set strategy for the hot loops of semi-global matching, all over the disparities of one pixel:
/// the path recurrence step and the reductions of winner-takes-all. Everything is unsigned 16-bit integer arithmetic
/// whose values are bounded (see <see cref="SemiGlobalMatcher"/>) so that nothing overflows or saturates; every
/// strategy therefore produces bit-identical results.
/// </summary>
internal abstract unsafe class SgmKernel
{
    /// <summary>
    /// Pad value on both sides of every stored path vector (index −1 and D): larger than any path cost plus P2, and
    /// small enough that adding P1 to it cannot overflow 16 bits.
    /// </summary>
    public const ushort Pad = 0x7FFF;

    /// <summary>The strategy's width in the SGM family.</summary>
    public abstract KernelWidth Width { get; }

    /// <summary>
    /// One step of one aggregation path r at pixel p:
    /// L(p,d) = C(p,d) + min(L(p−r,d), L(p−r,d±1) + P1, min_k L(p−r,k) + P2) − min_k L(p−r,k).
    /// </summary>
    /// <param name="cost">C(p, 0..D−1), census Hamming costs.</param>
    /// <param name="previous">L(p−r, 0..D−1); previous[−1] and previous[D] must hold <see cref="Pad"/>.</param>
    /// <param name="previousMin">min_k L(p−r, k).</param>
    /// <param name="current">Receives L(p, 0..D−1).</param>
    /// <param name="sum">The pixel's aggregate: set to L when <paramref name="accumulate"/> is false, else L is added.</param>
    /// <param name="accumulate">Whether to add to <paramref name="sum"/> rather than overwrite it.</param>
    /// <param name="disparities">D, a multiple of 16.</param>
    /// <param name="p1">Penalty for a disparity change of one.</param>
    /// <param name="p2">Penalty for a larger change.</param>
    /// <returns>min_d L(p, d).</returns>
    public abstract ushort Step(byte* cost, ushort* previous, ushort previousMin, ushort* current, ushort* sum, bool accumulate, int disparities, ushort p1, ushort p2);

    /// <summary>
    /// The steps of all paths of one sweep at pixel p (<paramref name="directions"/> of them, 2 or 4), each as
    /// <see cref="Step"/>: <paramref name="sum"/> is set to the sum of their L(p, d), which is what one
    /// non-accumulating step followed by accumulating ones gives. The vector strategies load the costs and store the sum
    /// once for all paths.
    /// </summary>
    /// <param name="cost">C(p, 0..D−1).</param>
    /// <param name="previous">L(p−r, ·) of each path, each padded as for <see cref="Step"/>.</param>
    /// <param name="previousMins">min_k L(p−r, k) of each path.</param>
    /// <param name="current">Receives L(p, ·) of each path.</param>
    /// <param name="mins">Receives min_d L(p, d) of each path.</param>
    /// <param name="sum">Receives the sum over the paths.</param>
    /// <param name="directions">2 or 4.</param>
    /// <param name="disparities">D, a multiple of 16.</param>
    /// <param name="p1">Penalty for a disparity change of one.</param>
    /// <param name="p2">Penalty for a larger change.</param>
    public virtual void Steps(byte* cost, ushort** previous, ushort* previousMins, ushort** current, ushort* mins, ushort* sum, int directions, int disparities, ushort p1, ushort p2)
    {
        for (int k = 0; k < directions; k++)
        {
            mins[k] = Step(cost, previous[k], previousMins[k], current[k], sum, k > 0, disparities, p1, p2);
        }
    }

    /// <summary>Writes a[d] + b[d] to <paramref name="sum"/> and returns the smallest d of the minimum.</summary>
    /// <param name="a">One aggregate (forward paths).</param>
    /// <param name="b">The other aggregate (backward paths).</param>
    /// <param name="sum">Receives the total S(p, 0..D−1).</param>
    /// <param name="disparities">D, a multiple of 16.</param>
    /// <param name="min">The minimum of the sum.</param>
    public abstract int SumArgMin(ushort* a, ushort* b, ushort* sum, int disparities, out ushort min);

    /// <summary>The minimum of <paramref name="values"/>[0..D−1].</summary>
    public abstract ushort Min(ushort* values, int disparities);

    /// <summary>
    /// The right view's winner-takes-all, fed one left pixel at a time: pixel u's total S(u, d) is candidate d for right
    /// column u − d, kept where it is strictly below the column's best so far (so ties go to the smallest d, the first
    /// seen as u grows).
    /// </summary>
    /// <param name="sum">S(u, 0..D−1).</param>
    /// <param name="rightCost">Best cost so far per right column.</param>
    /// <param name="rightDisparity">Its disparity per right column.</param>
    /// <param name="u">The left column.</param>
    /// <param name="reach">Candidates d in [0, reach): min(u + 1, D).</param>
    public abstract void UpdateRight(ushort* sum, int* rightCost, int* rightDisparity, int u, int reach);

    /// <summary>The scalar form of <see cref="UpdateRight"/> for candidates [from, reach).</summary>
    protected static void UpdateRightScalar(ushort* sum, int* rightCost, int* rightDisparity, int u, int from, int reach)
    {
        for (int d = from; d < reach; d++)
        {
            int x = u - d;
            if (sum[d] < rightCost[x])
            {
                rightCost[x] = sum[d];
                rightDisparity[x] = d;
            }
        }
    }

    /// <summary>
    /// The 3 × 3 median of row <paramref name="y"/> of <paramref name="raw"/> into the same row of
    /// <paramref name="output"/>: over the valid (not NaN) neighbours of each valid pixel, the mean of the two middle
    /// values when their number is even; invalid pixels stay invalid. The vector strategies take 8 or 4 pixels at once
    /// where all nine neighbours of each are valid (a min/max network: the same middle value), else this one's pixels.
    /// </summary>
    public virtual void MedianRow(float* raw, float* output, int y, int width, int height)
    {
        for (int x = 0; x < width; x++)
        {
            output[(y * width) + x] = MedianPixel(raw, x, y, width, height);
        }
    }

    /// <summary>The median of one pixel (see <see cref="MedianRow"/>): insertion sort of its valid neighbours.</summary>
    [SkipLocalsInit]
    protected static float MedianPixel(float* raw, int x, int y, int width, int height)
    {
        float centre = raw[(y * width) + x];
        if (float.IsNaN(centre))
        {
            return float.NaN;
        }

        float* window = stackalloc float[9];
        int n = 0;
        for (int yy = Math.Max(y - 1, 0); yy <= Math.Min(y + 1, height - 1); yy++)
        {
            for (int xx = Math.Max(x - 1, 0); xx <= Math.Min(x + 1, width - 1); xx++)
            {
                float v = raw[(yy * width) + xx];
                if (!float.IsNaN(v))
                {
                    // Insertion sort: at most nine values.
                    int i = n++;
                    while (i > 0 && window[i - 1] > v)
                    {
                        window[i] = window[i - 1];
                        i--;
                    }

                    window[i] = v;
                }
            }
        }

        return (n & 1) == 1 ? window[n / 2] : 0.5f * (window[(n / 2) - 1] + window[n / 2]);
    }

    /// <summary>Every strategy, the non-accelerated one first, whether or not it runs here.</summary>
    public static IReadOnlyList<SgmKernel> All { get; } = [new SgmKernelScalar(), new SgmKernelVector128(), new SgmKernelVector256()];

    /// <summary>The strategy of a width of the SGM family (<see cref="KernelFamilies.Sgm"/>).</summary>
    public static SgmKernel For(KernelWidth width) => width switch
    {
        KernelWidth.Vector256 => All[2],
        KernelWidth.Vector128 => All[1],
        _ => All[0],
    };

    /// <summary>Minimum of the eight lanes, by halving: exact, so it agrees with a scalar loop.</summary>
    protected static ushort HorizontalMin(Vector128<ushort> v)
    {
        v = Vector128.Min(v, Vector128.Shuffle(v.AsUInt32(), Vector128.Create(2u, 3u, 0u, 1u)).AsUInt16());
        v = Vector128.Min(v, Vector128.Shuffle(v.AsUInt32(), Vector128.Create(1u, 0u, 3u, 2u)).AsUInt16());
        v = Vector128.Min(v, Vector128.ShiftRightLogical(v.AsUInt32(), 16).AsUInt16());
        return v.ToScalar();
    }
}
