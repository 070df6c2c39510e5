using System;
using System.Linq;
using Occupancy.Stereo;
using Xunit;

namespace Occupancy.Tests.Stereo;

/// <summary>
/// The cost volume's kernels (family <c>cost</c>) against the scalar row, byte for byte: random censuses with the
/// extremes (no bits, all 64 bits, one bit), every disparity count shape, widths below, at and above D (columns u &lt; d
/// have no match), on every hardware leg CI runs.
/// </summary>
public class SgmCostTests
{
    public static TheoryData<string> Supported()
    {
        var data = new TheoryData<string>();
        foreach (KernelWidth w in KernelFamilies.Cost.Supported)
        {
            data.Add(KernelNames.Of(w));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Supported))]
    public unsafe void Each_cost_row_equals_the_scalar_one(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(23);
        foreach (int disparities in new[] { 16, 32, 48, 128 })
        {
            foreach (int columns in new[] { 1, 7, 15, 16, 17, 33, disparities - 1, disparities, disparities + 1, 203 })
            {
                var left = new ulong[columns];
                var right = new ulong[columns];
                for (int i = 0; i < columns; i++)
                {
                    left[i] = Census(random);
                    right[i] = Census(random);
                }

                var expected = new byte[columns * disparities];
                var actual = new byte[columns * disparities];
                random.NextBytes(actual); // every byte must be written
                var reversed = Enumerable.Range(0, columns + SgmCosts.ReversedPadding(disparities)).Select(_ => (ulong)random.NextInt64()).ToArray();
                fixed (ulong* l = left, r = right, rev = reversed)
                fixed (byte* e = expected, a = actual)
                {
                    SgmCosts.RowScalar(l, r, columns, disparities, e);
                    SgmCosts.Row(width, l, r, rev, columns, disparities, a);
                }

                Assert.Equal(expected, actual);
                Assert.Contains(expected, c => c == SemiGlobalMatcher.NoMatchCost);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Supported))]
    public void The_matcher_gives_the_same_costs_and_disparities_with_each_cost_kernel(string name)
    {
        const int width = 150, height = 40;
        var random = new Random(29);
        var left = new byte[width * height];
        var right = new byte[width * height];
        random.NextBytes(left);
        for (int i = 0; i < right.Length; i++)
        {
            int u = i % width;
            right[i] = (byte)Math.Clamp(left[i - u + Math.Min(width - 1, u + 5 + (u / 30))] + random.Next(-5, 6), 0, 255);
        }

        var options = new SgmOptions { MaxDisparity = 48 };
        var scalar = new SemiGlobalMatcher(options, KernelSet.Scalar);
        var other = new SemiGlobalMatcher(options, KernelSet.Scalar.With(KernelFamilies.Cost, KernelData.Width(name)));
        var expected = new float[width * height];
        var actual = new float[width * height];
        scalar.Compute(left, right, width, height, expected);
        other.Compute(left, right, width, height, actual);
        Assert.Equal(scalar.CostVolume, other.CostVolume);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>A random 64-bit value, one time in eight an extreme: no bits, all bits, a single bit.</summary>
    private static ulong Census(Random random) => random.Next(8) switch
    {
        0 => 0UL,
        1 => ulong.MaxValue,
        2 => 1UL << random.Next(64),
        _ => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63),
    };
}
