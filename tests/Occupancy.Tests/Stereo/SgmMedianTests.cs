using System;
using System.Linq;
using Occupancy.Stereo;
using Xunit;

namespace Occupancy.Tests.Stereo;

/// <summary>
/// The 3 × 3 median of the `sgm` kernels against the scalar one, bit for bit: images from 1 × 1 up, with no, some and
/// many invalid pixels, and ties (whole disparities) as well as sub-pixel values.
/// </summary>
public class SgmMedianTests
{
    public static TheoryData<string> Supported()
    {
        var data = new TheoryData<string>();
        foreach (KernelWidth w in KernelFamilies.Sgm.Supported)
        {
            data.Add(KernelNames.Of(w));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Supported))]
    public unsafe void Each_median_row_equals_the_scalar_one(string name)
    {
        SgmKernel kernel = SgmKernel.For(KernelData.Width(name)), scalar = SgmKernel.All[0];
        var random = new Random(31);
        foreach (int width in new[] { 1, 2, 5, 6, 9, 10, 11, 17, 64, 203 })
        {
            foreach (int height in new[] { 1, 2, 3, 7 })
            {
                foreach (double invalid in new[] { 0.0, 0.02, 0.3 })
                {
                    var raw = new float[width * height];
                    for (int i = 0; i < raw.Length; i++)
                    {
                        raw[i] = random.NextDouble() < invalid ? float.NaN : random.Next(2) == 0 ? random.Next(8) : random.NextSingle() * 127f;
                    }

                    var expected = new float[raw.Length];
                    var actual = new float[raw.Length];
                    fixed (float* r = raw, e = expected, a = actual)
                    {
                        for (int y = 0; y < height; y++)
                        {
                            scalar.MedianRow(r, e, y, width, height);
                            kernel.MedianRow(r, a, y, width, height);
                        }
                    }

                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
                }
            }
        }
    }
}
