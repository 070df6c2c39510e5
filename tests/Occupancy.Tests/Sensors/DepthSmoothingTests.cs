using System;
using System.Linq;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Sensors;

public class DepthSmoothingTests
{
    // An independent oracle: the definition in double precision, window by window.
    private static double[] Oracle(float[] depth, int width, int height, int radius, double a, double b)
    {
        var result = new double[depth.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                float c = depth[(y * width) + x];
                if (!(c > 0) || !float.IsFinite(c))
                {
                    result[(y * width) + x] = double.NaN;
                    continue;
                }

                double tolerance = a + (b * c * c), inverse = 0;
                int n = 0;
                for (int yy = Math.Max(0, y - radius); yy <= Math.Min(height - 1, y + radius); yy++)
                {
                    for (int xx = Math.Max(0, x - radius); xx <= Math.Min(width - 1, x + radius); xx++)
                    {
                        float v = depth[(yy * width) + xx];
                        if (v > 0 && float.IsFinite(v) && Math.Abs((double)v - c) <= tolerance)
                        {
                            inverse += 1.0 / v;
                            n++;
                        }
                    }
                }

                result[(y * width) + x] = n / inverse;
            }
        }

        return result;
    }

    private static float[] NoisyImage(int width, int height, int seed)
    {
        var random = new Random(seed);
        var depth = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // Two surfaces with a step between them, noise, and every kind of no return.
                float z = (x < width / 2 ? 1.5f : 3f) + (0.002f * y) + (float)(random.NextDouble() * 0.05);
                double r = random.NextDouble();
                depth[(y * width) + x] = r < 0.03 ? float.NaN : r < 0.04 ? 0f : r < 0.045 ? -1f : r < 0.05 ? float.PositiveInfinity : z;
            }
        }

        return depth;
    }

    [Theory]
    [MemberData(nameof(KernelData.Smoothing), MemberType = typeof(KernelData))]
    public void Every_implementation_equals_the_scalar_one_bit_for_bit(string kernel)
    {
        foreach ((int width, int height, int radius) in new[] { (64, 48, 2), (37, 11, 1), (40, 9, 3), (9, 5, 2), (20, 20, 8), (3, 2, 1) })
        {
            float[] depth = NoisyImage(width, height, (width * 31) + radius);
            var k = new PinholeIntrinsics(width, height, 50, 50, width / 2f, height / 2f);
            var expected = new float[depth.Length];
            var actual = new float[depth.Length];
            int n0 = new DepthSmoothing(radius, 0.01f, 0.004f, KernelSet.Scalar).Apply(depth, k, expected);
            int n1 = new DepthSmoothing(radius, 0.01f, 0.004f, KernelData.With(KernelFamilies.Smoothing, kernel)).Apply(depth, k, actual);
            Assert.Equal(n0, n1);
            for (int i = 0; i < depth.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{kernel} {width}x{height} r{radius}: pixel {i}: {expected[i]} != {actual[i]}");
            }
        }
    }

    [Fact]
    public void The_result_is_the_harmonic_mean_of_the_returns_within_the_tolerance()
    {
        const int width = 61, height = 23;
        foreach (int radius in new[] { 1, 2, 4 })
        {
            float[] depth = NoisyImage(width, height, radius);
            var smoothed = new float[depth.Length];
            int returns = new DepthSmoothing(radius, 0.01f, 0.004f).Apply(depth, new PinholeIntrinsics(width, height, 50, 50, 30, 11), smoothed);
            double[] oracle = Oracle(depth, width, height, radius, 0.01, 0.004);
            Assert.Equal(depth.Count(z => z > 0 && float.IsFinite(z)), returns);
            for (int i = 0; i < depth.Length; i++)
            {
                if (double.IsNaN(oracle[i]))
                {
                    Assert.True(float.IsNaN(smoothed[i]), $"pixel {i} had no return but got {smoothed[i]}");
                }
                else
                {
                    Assert.True(Math.Abs(smoothed[i] - oracle[i]) <= 2e-6 * oracle[i], $"r{radius} pixel {i}: {smoothed[i]} against {oracle[i]}");
                }
            }
        }
    }

    [Fact]
    public void A_plane_at_a_grazing_angle_is_not_moved_and_a_step_is_kept()
    {
        // Inverse depth is linear across a plane's pixels, so its harmonic mean over a full window is the centre's
        // depth: a floor seen at a grazing angle keeps its place (a mean of depths would push it back).
        var k = new PinholeIntrinsics(64, 48, 60, 60, 31.5f, 23.5f);
        var depth = new float[k.PixelCount];
        for (int v = 0; v < k.Height; v++)
        {
            for (int u = 0; u < k.Width; u++)
            {
                // The plane 0.02·x + 0.35·y + z = 4 (optical frame): depth = 4 / (0.02·sx + 0.35·sy + 1).
                float sx = (u - k.Cx) / k.Fx, sy = (v - k.Cy) / k.Fy;
                depth[(v * k.Width) + u] = 4f / ((0.02f * sx) + (0.35f * sy) + 1f);
            }
        }

        var smoothed = new float[depth.Length];
        new DepthSmoothing(2, 0.5f, 0f).Apply(depth, k, smoothed);
        for (int v = 2; v < k.Height - 2; v++)
        {
            for (int u = 2; u < k.Width - 2; u++)
            {
                int i = (v * k.Width) + u;
                Assert.True(Math.Abs(smoothed[i] - depth[i]) <= 2e-5f * depth[i], $"({u},{v}): {smoothed[i]} against {depth[i]}");
            }
        }

        // A box 0.5 m in front of a wall, tolerance 0.1 m: both keep their depth (to float rounding of the sums), edge
        // pixels included; a mean across the step would move those by centimetres.
        for (int i = 0; i < depth.Length; i++)
        {
            depth[i] = i % k.Width < 30 ? 2.5f : 3f;
        }

        new DepthSmoothing(3, 0.1f, 0f).Apply(depth, k, smoothed);
        for (int i = 0; i < depth.Length; i++)
        {
            Assert.True(Math.Abs(smoothed[i] - depth[i]) <= 1e-6f * depth[i], $"pixel {i}: {smoothed[i]} against {depth[i]}");
        }
    }

    [Fact]
    public void Smoothing_takes_the_noise_down_by_the_window()
    {
        // A wall 3 m away with the default noise model's sigma there (18.3 mm, without quantisation): a 5 x 5 window
        // averages about 25 returns, so the error falls about five-fold.
        var k = new PinholeIntrinsics(160, 120, 140, 140, 79.5f, 59.5f);
        var depth = new float[k.PixelCount];
        Array.Fill(depth, 3f);
        new DepthNoiseModel(baseline: 0).Apply(depth, k, new Random(11));
        var smoothed = new float[depth.Length];
        new DepthSmoothing().Apply(depth, k, smoothed);
        double Rms(float[] image) => Math.Sqrt(image.Where(z => !float.IsNaN(z)).Average(z => (z - 3.0) * (z - 3.0)));
        double before = Rms(depth), after = Rms(smoothed);
        Assert.InRange(before, 0.016, 0.021);
        Assert.True(after < before / 4, $"rms {after:F4} m after smoothing, {before:F4} m before");
    }

    [Fact]
    public void Filters_on_several_threads_at_once_each_give_the_single_threaded_result_and_an_instance_takes_any_size()
    {
        // The contract: one Apply at a time per instance; instances on different threads share the worker pool.
        var images = new (float[] Depth, PinholeIntrinsics K, float[] Expected)[6];
        for (int i = 0; i < images.Length; i++)
        {
            int width = 40 + (13 * i), height = 20 + (7 * i);
            var k = new PinholeIntrinsics(width, height, 50, 50, width / 2f, height / 2f);
            float[] depth = NoisyImage(width, height, 100 + i);
            var expected = new float[depth.Length];
            new DepthSmoothing(2, 0.01f, 0.004f) { MaxDegreeOfParallelism = 1 }.Apply(depth, k, expected);
            images[i] = (depth, k, expected);
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        System.Threading.Tasks.Parallel.For(0, 4, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            var filter = new DepthSmoothing(2, 0.01f, 0.004f); // one instance, every size in turn: its buffers grow and are reused
            for (int round = 0; round < 30; round++)
            {
                (float[] depth, PinholeIntrinsics k, float[] expected) = images[(round + thread) % images.Length];
                var actual = new float[depth.Length];
                filter.Apply(depth, k, actual);
                for (int p = 0; p < actual.Length; p++)
                {
                    if (BitConverter.SingleToInt32Bits(actual[p]) != BitConverter.SingleToInt32Bits(expected[p]))
                    {
                        failures.Add($"thread {thread} round {round} pixel {p}: {actual[p]} != {expected[p]}");
                        return;
                    }
                }
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void Bad_arguments_name_the_parameter_and_change_nothing()
    {
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthSmoothing(0)).ParamName);
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthSmoothing(DepthSmoothing.MaxRadius + 1)).ParamName);
        Assert.Equal("toleranceBase", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthSmoothing(2, float.NaN)).ParamName);
        Assert.Equal("toleranceQuadratic", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthSmoothing(2, 0.01f, -1f)).ParamName);
        Assert.Equal("toleranceQuadratic", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthSmoothing(2, 0f, 0f)).ParamName);
        var k = new PinholeIntrinsics(8, 4, 10, 10, 4, 2);
        var filter = new DepthSmoothing();
        var output = new float[k.PixelCount];
        Array.Fill(output, 7f);
        Assert.Equal("depth", Assert.Throws<ArgumentException>(() => filter.Apply(new float[5], k, output)).ParamName);
        Assert.Equal("smoothed", Assert.Throws<ArgumentException>(() => filter.Apply(new float[k.PixelCount], k, new float[5])).ParamName);
        var both = new float[2 * k.PixelCount];
        Assert.Equal("smoothed", Assert.Throws<ArgumentException>(() => filter.Apply(both.AsSpan(0, k.PixelCount), k, both.AsSpan(4, k.PixelCount))).ParamName);
        Assert.All(output, z => Assert.Equal(7f, z));
        Assert.Equal(0.006f + (0.0095f * 4), filter.ToleranceAt(2), 6);
    }
}
