using System;
using Occupancy.Stereo;
using Xunit;

using Occupancy.Simulation;

namespace Occupancy.Tests.Stereo;

/// <summary>Disparity to depth, and the stereo metrics, against hand-computed values.</summary>
public class DisparityTests
{
    [Fact]
    public void Depth_is_focal_length_times_baseline_over_disparity()
    {
        float[] disparity = [1f, 2.5f, 64f, 0.125f, 0f, -3f, float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        var depth = new float[disparity.Length];
        Disparity.ToDepth(disparity, 500f, 0.12f, depth);
        Assert.Equal(60f, depth[0], 5);
        Assert.Equal(24f, depth[1], 5);
        Assert.Equal(0.9375f, depth[2], 6);
        Assert.Equal(480f, depth[3], 3);
        for (int i = 4; i < depth.Length; i++)
        {
            Assert.True(float.IsNaN(depth[i]), $"disparity {disparity[i]} gave depth {depth[i]}");
        }

        // In place.
        Disparity.ToDepth(disparity, 500f, 0.12f, disparity);
        Assert.Equal(depth, disparity);
    }

    [Fact]
    public void Bad_depth_arguments_throw_naming_the_parameter()
    {
        var d = new float[4];
        foreach (float bad in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
        {
            ArgumentOutOfRangeException f = Assert.Throws<ArgumentOutOfRangeException>(() => Disparity.ToDepth(d, bad, 0.1f, d));
            Assert.Equal("focalLength", f.ParamName);
            Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Message, StringComparison.Ordinal);
            Assert.Equal("baseline", Assert.Throws<ArgumentOutOfRangeException>(() => Disparity.ToDepth(d, 400f, bad, d)).ParamName);
        }

        Assert.Equal("depth", Assert.Throws<ArgumentException>(() => Disparity.ToDepth(d, 400f, 0.1f, new float[3])).ParamName);
    }

    [Fact]
    public void Metrics_match_hand_computed_values()
    {
        // Truth valid at indices 0..5 (6 pixels); 6 (NaN), 7 (0) and 8 (negative) are skipped whatever the estimate.
        float[] truth = [10f, 10f, 10f, 10f, 10f, 20f, float.NaN, 0f, -4f];
        // Errors: 0.5, 1.5, 4, invalid (NaN), invalid (negative), 0 -> valid 4 of 6.
        float[] estimate = [10.5f, 8.5f, 14f, float.NaN, -1f, 20f, 3f, 3f, 3f];
        DisparityMetrics m = DisparityMetrics.Compare(estimate, truth);
        Assert.Equal(6, m.Evaluated);
        Assert.Equal(4, m.Valid);
        Assert.Equal((0.5 + 1.5 + 4 + 0) / 4, m.EndPointError, 12);
        Assert.Equal(2 / 4.0, m.BadOver1, 12);
        Assert.Equal(1 / 4.0, m.BadOver3, 12);
        Assert.Equal(4 / 6.0, m.Density, 12);
    }

    [Fact]
    public void Metrics_of_nothing_valid_are_nan_and_lengths_must_match()
    {
        DisparityMetrics m = DisparityMetrics.Compare([float.NaN, 1f], [5f, float.NaN]);
        Assert.Equal(1, m.Evaluated);
        Assert.Equal(0, m.Valid);
        Assert.True(double.IsNaN(m.EndPointError));
        Assert.Equal(0, m.Density);
        Assert.Equal("estimate", Assert.Throws<ArgumentException>(() => DisparityMetrics.Compare(new float[3], new float[4])).ParamName);
    }
}
