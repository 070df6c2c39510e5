using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occupancy.Stereo;

/// <summary>
/// SGM loops with 128-bit vectors: 8 disparities per instruction, 16 bytes of cost widened per iteration.
/// Same results as <see cref="SgmKernelScalar"/>.
/// </summary>
internal sealed unsafe class SgmKernelVector128 : SgmKernel
{
    public override KernelWidth Width => KernelWidth.Vector128;

    [SkipLocalsInit]
    public override ushort Step(byte* cost, ushort* previous, ushort previousMin, ushort* current, ushort* sum, bool accumulate, int disparities, ushort p1, ushort p2)
    {
        Vector128<ushort> vp1 = Vector128.Create(p1);
        Vector128<ushort> jump = Vector128.Create((ushort)(previousMin + p2));
        Vector128<ushort> vmin = Vector128.Create(previousMin);
        Vector128<ushort> runMin = Vector128<ushort>.AllBitsSet;
        for (int d = 0; d < disparities; d += 16)
        {
            (Vector128<ushort> c0, Vector128<ushort> c1) = Vector128.Widen(Vector128.Load(cost + d));
            runMin = Vector128.Min(runMin, Half(c0, previous + d, current + d, sum + d, accumulate, vp1, jump, vmin));
            runMin = Vector128.Min(runMin, Half(c1, previous + d + 8, current + d + 8, sum + d + 8, accumulate, vp1, jump, vmin));
        }

        return HorizontalMin(runMin);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ushort> Half(Vector128<ushort> c, ushort* previous, ushort* current, ushort* sum, bool accumulate, Vector128<ushort> vp1, Vector128<ushort> jump, Vector128<ushort> vmin)
    {
        Vector128<ushort> here = Vector128.Load(previous);
        Vector128<ushort> neighbours = Vector128.Min(Vector128.Load(previous - 1), Vector128.Load(previous + 1)) + vp1;
        Vector128<ushort> l = c + Vector128.Min(Vector128.Min(here, neighbours), jump) - vmin;
        l.Store(current);
        (accumulate ? Vector128.Load(sum) + l : l).Store(sum);
        return l;
    }

    [SkipLocalsInit]
    public override int SumArgMin(ushort* a, ushort* b, ushort* sum, int disparities, out ushort min)
    {
        Vector128<ushort> runMin = Vector128<ushort>.AllBitsSet;
        for (int d = 0; d < disparities; d += 8)
        {
            Vector128<ushort> s = Vector128.Load(a + d) + Vector128.Load(b + d);
            s.Store(sum + d);
            runMin = Vector128.Min(runMin, s);
        }

        ushort m = HorizontalMin(runMin);
        min = m;
        Vector128<ushort> target = Vector128.Create(m);
        for (int d = 0; ; d += 8)
        {
            uint hits = Vector128.Equals(Vector128.Load(sum + d), target).ExtractMostSignificantBits();
            if (hits != 0)
            {
                return d + BitOperations.TrailingZeroCount(hits);
            }
        }
    }

    public override void UpdateRight(ushort* sum, int* rightCost, int* rightDisparity, int u, int reach)
    {
        // Four candidates at once: d0..d0+3 go to columns u−d0 down to u−d0−3, one contiguous run read backwards.
        Vector128<int> reverse = Vector128.Create(3, 2, 1, 0);
        int d0 = 0;
        for (; d0 + 4 <= reach; d0 += 4)
        {
            int* cost = rightCost + (u - d0 - 3);
            int* disparity = rightDisparity + (u - d0 - 3);
            Vector128<int> candidate = Vector128.Shuffle(Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(ulong*)(sum + d0)).AsUInt16()).AsInt32(), reverse);
            Vector128<int> best = Vector128.Load(cost);
            Vector128<int> better = Vector128.LessThan(candidate, best);
            Vector128.ConditionalSelect(better, candidate, best).Store(cost);
            Vector128.ConditionalSelect(better, Vector128.Create(d0 + 3) - Vector128.Create(0, 1, 2, 3), Vector128.Load(disparity)).Store(disparity);
        }

        UpdateRightScalar(sum, rightCost, rightDisparity, u, d0, reach);
    }

    public override ushort Min(ushort* values, int disparities)
    {
        Vector128<ushort> runMin = Vector128<ushort>.AllBitsSet;
        for (int d = 0; d < disparities; d += 8)
        {
            runMin = Vector128.Min(runMin, Vector128.Load(values + d));
        }

        return HorizontalMin(runMin);
    }

    [SkipLocalsInit]
    public override void MedianRow(float* raw, float* output, int y, int width, int height)
    {
        if (y == 0 || y == height - 1 || width < 6)
        {
            base.MedianRow(raw, output, y, width, height);
            return;
        }

        float* row = raw + (y * width);
        float* target = output + (y * width);
        target[0] = MedianPixel(raw, 0, y, width, height);
        int x = 1;
        for (; x + 4 < width; x += 4)
        {
            // Nine neighbours of 4 pixels; disparities are never −0 or NaN here, so min and max select exactly.
            float* p = row + x;
            Vector128<float> a0 = Vector128.Load(p - width - 1), a1 = Vector128.Load(p - width), a2 = Vector128.Load(p - width + 1);
            Vector128<float> a3 = Vector128.Load(p - 1), a4 = Vector128.Load(p), a5 = Vector128.Load(p + 1);
            Vector128<float> a6 = Vector128.Load(p + width - 1), a7 = Vector128.Load(p + width), a8 = Vector128.Load(p + width + 1);
            Vector128<float> valid = Vector128.Equals(a0, a0) & Vector128.Equals(a1, a1) & Vector128.Equals(a2, a2) & Vector128.Equals(a3, a3) & Vector128.Equals(a4, a4)
                & Vector128.Equals(a5, a5) & Vector128.Equals(a6, a6) & Vector128.Equals(a7, a7) & Vector128.Equals(a8, a8);
            if (valid.AsUInt32() != Vector128<uint>.AllBitsSet)
            {
                for (int k = 0; k < 4; k++)
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
    private static void Sort(ref Vector128<float> a, ref Vector128<float> b)
    {
        Vector128<float> low = Vector128.MinNative(a, b);
        b = Vector128.MaxNative(a, b);
        a = low;
    }
}
