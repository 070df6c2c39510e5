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
}
