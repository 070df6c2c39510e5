using System;
using System.Linq;
using Occupancy.Stereo;
using Xunit;

namespace Occupancy.Tests.Stereo;

/// <summary>
/// The fused steps of a sweep's paths (<c>SgmKernel.Steps</c>) against the scalar kernel, on extreme costs, path
/// values and penalties: the same L of each path, the same minima and the same sum.
/// </summary>
public class SgmStepsTests
{
    public static TheoryData<string, int> SupportedAndDirections()
    {
        var data = new TheoryData<string, int>();
        foreach (KernelWidth w in KernelFamilies.Sgm.Supported)
        {
            data.Add(KernelNames.Of(w), 4);
            data.Add(KernelNames.Of(w), 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedAndDirections))]
    public unsafe void Each_kernels_steps_equal_the_scalar_ones(string name, int directions)
    {
        SgmKernel kernel = SgmKernel.For(KernelData.Width(name)), scalar = SgmKernel.All[0];
        var random = new Random(37 + directions);
        ushort** prev = stackalloc ushort*[4];
        ushort** curA = stackalloc ushort*[4];
        ushort** curB = stackalloc ushort*[4];
        foreach (int d in new[] { 16, 48, 128 })
        {
            for (int trial = 0; trial < 20; trial++)
            {
                var cost = Enumerable.Range(0, d).Select(_ => (byte)random.Next(trial % 2 == 0 ? 65 : 3)).ToArray();
                var previous = new ushort[directions * (d + 2)];
                var previousMins = new ushort[directions];
                for (int k = 0; k < directions; k++)
                {
                    for (int i = 0; i < d; i++)
                    {
                        previous[(k * (d + 2)) + 1 + i] = (ushort)random.Next(trial % 3 == 0 ? 64 + SgmOptions.MaxPenalty + 1 : 40);
                    }

                    previous[k * (d + 2)] = previous[(k * (d + 2)) + d + 1] = SgmKernel.Pad;
                    previousMins[k] = previous.Skip((k * (d + 2)) + 1).Take(d).Min();
                }

                ushort p1 = (ushort)(1 + random.Next(SgmOptions.MaxPenalty - 1)), p2 = (ushort)random.Next(p1 + 1, SgmOptions.MaxPenalty + 1);
                var currentA = new ushort[directions * d];
                var currentB = new ushort[directions * d];
                var sumA = Enumerable.Range(0, d).Select(_ => (ushort)random.Next(20000)).ToArray();
                var sumB = Enumerable.Range(0, d).Select(_ => (ushort)random.Next(20000)).ToArray();
                var minsA = new ushort[directions];
                var minsB = new ushort[directions];
                fixed (byte* c = cost)
                fixed (ushort* p = previous, pm = previousMins, ca = currentA, cb = currentB, sa = sumA, sb = sumB, ma = minsA, mb = minsB)
                {
                    for (int k = 0; k < directions; k++)
                    {
                        prev[k] = p + (k * (d + 2)) + 1;
                        curA[k] = ca + (k * d);
                        curB[k] = cb + (k * d);
                    }

                    scalar.Steps(c, prev, pm, curA, ma, sa, directions, d, p1, p2);
                    kernel.Steps(c, prev, pm, curB, mb, sb, directions, d, p1, p2);
                }

                Assert.Equal(currentA, currentB);
                Assert.Equal(minsA, minsB);
                Assert.Equal(sumA, sumB);
            }
        }
    }
}
