using System;
using System.Runtime.CompilerServices;

namespace Occupancy.Stereo;

/// <summary>The scalar reference of the SGM loops: one disparity at a time. The vector strategies must equal it bit for bit.</summary>
internal sealed unsafe class SgmKernelScalar : SgmKernel
{
    public override KernelWidth Width => KernelWidth.Scalar;

    [SkipLocalsInit]
    public override ushort Step(byte* cost, ushort* previous, ushort previousMin, ushort* current, ushort* sum, bool accumulate, int disparities, ushort p1, ushort p2)
    {
        int jump = previousMin + p2;
        int runMin = ushort.MaxValue;
        for (int d = 0; d < disparities; d++)
        {
            int m = Math.Min(previous[d], Math.Min(previous[d - 1], previous[d + 1]) + p1);
            m = Math.Min(m, jump);
            int l = cost[d] + m - previousMin;
            current[d] = (ushort)l;
            runMin = Math.Min(runMin, l);
            sum[d] = (ushort)(accumulate ? sum[d] + l : l);
        }

        return (ushort)runMin;
    }

    [SkipLocalsInit]
    public override int SumArgMin(ushort* a, ushort* b, ushort* sum, int disparities, out ushort min)
    {
        int best = 0, bestCost = int.MaxValue;
        for (int d = 0; d < disparities; d++)
        {
            int s = a[d] + b[d];
            sum[d] = (ushort)s;
            if (s < bestCost)
            {
                bestCost = s;
                best = d;
            }
        }

        min = (ushort)bestCost;
        return best;
    }

    public override void UpdateRight(ushort* sum, int* rightCost, int* rightDisparity, int u, int reach) =>
        UpdateRightScalar(sum, rightCost, rightDisparity, u, 0, reach);

    public override ushort Min(ushort* values, int disparities)
    {
        int m = ushort.MaxValue;
        for (int d = 0; d < disparities; d++)
        {
            m = Math.Min(m, values[d]);
        }

        return (ushort)m;
    }
}
