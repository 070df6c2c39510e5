using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occupancy.Stereo;

/// <summary>SGM loops with 256-bit vectors: 16 disparities per instruction. Same results as <see cref="SgmKernelScalar"/>.</summary>
internal sealed unsafe class SgmKernelVector256 : SgmKernel
{
    public override KernelWidth Width => KernelWidth.Vector256;

    [SkipLocalsInit]
    public override ushort Step(byte* cost, ushort* previous, ushort previousMin, ushort* current, ushort* sum, bool accumulate, int disparities, ushort p1, ushort p2)
    {
        Vector256<ushort> vp1 = Vector256.Create(p1);
        Vector256<ushort> jump = Vector256.Create((ushort)(previousMin + p2));
        Vector256<ushort> vmin = Vector256.Create(previousMin);
        Vector256<ushort> runMin = Vector256<ushort>.AllBitsSet;
        for (int d = 0; d < disparities; d += 16)
        {
            Vector256<ushort> c = Vector256.WidenLower(Vector128.Load(cost + d).ToVector256Unsafe());
            Vector256<ushort> here = Vector256.Load(previous + d);
            Vector256<ushort> neighbours = Vector256.Min(Vector256.Load(previous + d - 1), Vector256.Load(previous + d + 1)) + vp1;
            Vector256<ushort> m = Vector256.Min(Vector256.Min(here, neighbours), jump);
            Vector256<ushort> l = c + m - vmin;
            l.Store(current + d);
            runMin = Vector256.Min(runMin, l);
            (accumulate ? Vector256.Load(sum + d) + l : l).Store(sum + d);
        }

        return HorizontalMin(Vector128.Min(runMin.GetLower(), runMin.GetUpper()));
    }

    [SkipLocalsInit]
    public override void Steps(byte* cost, ushort** previous, ushort* previousMins, ushort** current, ushort* mins, ushort* sum, int directions, int disparities, ushort p1, ushort p2)
    {
        if (directions != 4)
        {
            base.Steps(cost, previous, previousMins, current, mins, sum, directions, disparities, p1, p2);
            return;
        }

        Vector256<ushort> vp1 = Vector256.Create(p1);
        ushort* pa = previous[0], pb = previous[1], pc = previous[2], pd = previous[3];
        ushort* ca = current[0], cb = current[1], cc = current[2], cd = current[3];
        Vector256<ushort> minA = Vector256.Create(previousMins[0]), minB = Vector256.Create(previousMins[1]);
        Vector256<ushort> minC = Vector256.Create(previousMins[2]), minD = Vector256.Create(previousMins[3]);
        Vector256<ushort> jumpA = Vector256.Create((ushort)(previousMins[0] + p2)), jumpB = Vector256.Create((ushort)(previousMins[1] + p2));
        Vector256<ushort> jumpC = Vector256.Create((ushort)(previousMins[2] + p2)), jumpD = Vector256.Create((ushort)(previousMins[3] + p2));
        Vector256<ushort> runA = Vector256<ushort>.AllBitsSet, runB = runA, runC = runA, runD = runA;
        for (int d = 0; d < disparities; d += 16)
        {
            Vector256<ushort> c = Vector256.WidenLower(Vector128.Load(cost + d).ToVector256Unsafe());
            Vector256<ushort> l = Path(c, pa + d, ca + d, jumpA, minA, vp1, ref runA);
            l += Path(c, pb + d, cb + d, jumpB, minB, vp1, ref runB);
            l += Path(c, pc + d, cc + d, jumpC, minC, vp1, ref runC);
            l += Path(c, pd + d, cd + d, jumpD, minD, vp1, ref runD);
            l.Store(sum + d);
        }

        mins[0] = HorizontalMin(Vector128.Min(runA.GetLower(), runA.GetUpper()));
        mins[1] = HorizontalMin(Vector128.Min(runB.GetLower(), runB.GetUpper()));
        mins[2] = HorizontalMin(Vector128.Min(runC.GetLower(), runC.GetUpper()));
        mins[3] = HorizontalMin(Vector128.Min(runD.GetLower(), runD.GetUpper()));
    }

    /// <summary>One path's L(p, d..d+15) (stored to <paramref name="current"/>), as in <see cref="Step"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Path(Vector256<ushort> c, ushort* previous, ushort* current, Vector256<ushort> jump, Vector256<ushort> vmin, Vector256<ushort> vp1, ref Vector256<ushort> runMin)
    {
        Vector256<ushort> neighbours = Vector256.Min(Vector256.Load(previous - 1), Vector256.Load(previous + 1)) + vp1;
        Vector256<ushort> m = Vector256.Min(Vector256.Min(Vector256.Load(previous), neighbours), jump);
        Vector256<ushort> l = c + m - vmin;
        l.Store(current);
        runMin = Vector256.Min(runMin, l);
        return l;
    }

    [SkipLocalsInit]
    public override int SumArgMin(ushort* a, ushort* b, ushort* sum, int disparities, out ushort min)
    {
        Vector256<ushort> runMin = Vector256<ushort>.AllBitsSet;
        for (int d = 0; d < disparities; d += 16)
        {
            Vector256<ushort> s = Vector256.Load(a + d) + Vector256.Load(b + d);
            s.Store(sum + d);
            runMin = Vector256.Min(runMin, s);
        }

        ushort m = HorizontalMin(Vector128.Min(runMin.GetLower(), runMin.GetUpper()));
        min = m;
        Vector256<ushort> target = Vector256.Create(m);
        for (int d = 0; ; d += 16)
        {
            uint hits = Vector256.Equals(Vector256.Load(sum + d), target).ExtractMostSignificantBits();
            if (hits != 0)
            {
                return d + BitOperations.TrailingZeroCount(hits);
            }
        }
    }

    public override void UpdateRight(ushort* sum, int* rightCost, int* rightDisparity, int u, int reach)
    {
        // Eight candidates at once: d0..d0+7 go to columns u−d0 down to u−d0−7, one contiguous run read backwards.
        Vector256<int> reverse = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);
        int d0 = 0;
        for (; d0 + 8 <= reach; d0 += 8)
        {
            int* cost = rightCost + (u - d0 - 7);
            int* disparity = rightDisparity + (u - d0 - 7);
            Vector256<int> candidate = Vector256.Shuffle(Vector256.WidenLower(Vector128.Load(sum + d0).ToVector256()).AsInt32(), reverse);
            Vector256<int> best = Vector256.Load(cost);
            Vector256<int> better = Vector256.LessThan(candidate, best);
            Vector256.ConditionalSelect(better, candidate, best).Store(cost);
            Vector256.ConditionalSelect(better, Vector256.Create(d0 + 7) - Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Load(disparity)).Store(disparity);
        }

        UpdateRightScalar(sum, rightCost, rightDisparity, u, d0, reach);
    }

    public override ushort Min(ushort* values, int disparities)
    {
        Vector256<ushort> runMin = Vector256<ushort>.AllBitsSet;
        for (int d = 0; d < disparities; d += 16)
        {
            runMin = Vector256.Min(runMin, Vector256.Load(values + d));
        }

        return HorizontalMin(Vector128.Min(runMin.GetLower(), runMin.GetUpper()));
    }

    [SkipLocalsInit]
    public override void MedianRow(float* raw, float* output, int y, int width, int height)
    {
        if (y == 0 || y == height - 1 || width < 10)
        {
            base.MedianRow(raw, output, y, width, height);
            return;
        }

        float* row = raw + (y * width);
        float* target = output + (y * width);
        target[0] = MedianPixel(raw, 0, y, width, height);
        int x = 1;
        for (; x + 8 < width; x += 8)
        {
            // Nine neighbours of 8 pixels; disparities are never −0 or NaN here, so min and max select exactly.
            float* p = row + x;
            Vector256<float> a0 = Vector256.Load(p - width - 1), a1 = Vector256.Load(p - width), a2 = Vector256.Load(p - width + 1);
            Vector256<float> a3 = Vector256.Load(p - 1), a4 = Vector256.Load(p), a5 = Vector256.Load(p + 1);
            Vector256<float> a6 = Vector256.Load(p + width - 1), a7 = Vector256.Load(p + width), a8 = Vector256.Load(p + width + 1);
            Vector256<float> valid = Vector256.Equals(a0, a0) & Vector256.Equals(a1, a1) & Vector256.Equals(a2, a2) & Vector256.Equals(a3, a3) & Vector256.Equals(a4, a4)
                & Vector256.Equals(a5, a5) & Vector256.Equals(a6, a6) & Vector256.Equals(a7, a7) & Vector256.Equals(a8, a8);
            if (valid.AsUInt32() != Vector256<uint>.AllBitsSet)
            {
                for (int k = 0; k < 8; k++)
                {
                    target[x + k] = MedianPixel(raw, x + k, y, width, height);
                }

                continue;
            }

            // The median of nine by 19 compare-exchanges (Paeth's network).
            Sort(ref a1, ref a2); Sort(ref a4, ref a5); Sort(ref a7, ref a8);
            Sort(ref a0, ref a1); Sort(ref a3, ref a4); Sort(ref a6, ref a7);
            Sort(ref a1, ref a2); Sort(ref a4, ref a5); Sort(ref a7, ref a8);
            Sort(ref a0, ref a3); Sort(ref a5, ref a8); Sort(ref a4, ref a7);
            Sort(ref a3, ref a6); Sort(ref a1, ref a4); Sort(ref a2, ref a5);
            Sort(ref a4, ref a7); Sort(ref a4, ref a2); Sort(ref a6, ref a4);
            Sort(ref a4, ref a2);
            a4.Store(target + x);
        }

        for (; x < width; x++)
        {
            target[x] = MedianPixel(raw, x, y, width, height);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sort(ref Vector256<float> a, ref Vector256<float> b)
    {
        Vector256<float> low = Vector256.MinNative(a, b);
        b = Vector256.MaxNative(a, b);
        a = low;
    }
}
