using System;
using System.Collections.Generic;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Simulation;

public class GroundTruthAndNoiseTests
{
    private static readonly Lazy<GroundTruth> RoomTruth = new(() =>
        GroundTruth.Voxelize(TestData.Room, new Aabb(new Vector3(-5.2f, -5.2f, -0.2f), new Vector3(5.2f, 5.2f, 3.2f)), StandardRoom.Resolution));

    [Fact]
    public void Voxelisation_marks_exactly_the_voxels_that_meet_a_solid()
    {
        var scene = new Scene([
            new AxisAlignedBox(new Aabb(new Vector3(0.12f, 0.12f, 0.12f), new Vector3(0.33f, 0.27f, 0.48f)), SemanticClass.Furniture),
            new HalfSpace(new Vector3(0, 0, -0.05f), Vector3.UnitZ, SemanticClass.Ground),
        ]);
        GroundTruth truth = GroundTruth.Voxelize(scene, new Aabb(new Vector3(-0.5f), new Vector3(0.5f)), 0.1);
        for (int x = -5; x < 5; x++)
        {
            for (int y = -5; y < 5; y++)
            {
                for (int z = -5; z < 5; z++)
                {
                    // Analytic: the box meets voxels 1..3 in x, 1..2 in y, 1..4 in z; the floor (z <= −0.05) meets z <= −1.
                    bool box = x is >= 1 and <= 3 && y is >= 1 and <= 2 && z is >= 1 and <= 4;
                    bool floor = z <= -1;
                    var key = new VoxelKey(x, y, z);
                    Assert.Equal(box || floor, truth.IsOccupied(key));
                    if (box)
                    {
                        Assert.Equal(SemanticClass.Furniture, truth.ClassOf(key));
                    }
                }
            }
        }

        Assert.False(truth.Contains(new VoxelKey(50, 0, 0)));
        Assert.Null(truth.ClassOf(new VoxelKey(50, 0, 0)));
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => GroundTruth.Voxelize(scene, new Aabb(new Vector3(-1000), new Vector3(1000)), 0.1)).ParamName);
    }

    [Theory]
    [InlineData(false, 0.95)]
    [InlineData(true, 0.80)]
    public void The_standard_room_maps_accurately_with_and_without_depth_noise(bool noisy, double minimumIoU)
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        DepthNoiseModel noise = noisy ? new DepthNoiseModel() : DepthNoiseModel.None;
        var random = new Random(2026);
        for (int i = 0; i < StandardRoom.FrameCount; i++)
        {
            float[] depth = (float[])TestData.RoomFrames[i].Clone();
            noise.Apply(depth, StandardRoom.Intrinsics, random);
            integrator.Integrate(depth, StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
        }

        OccupancyMetrics metrics = OccupancyMetrics.Compare(map, RoomTruth.Value);
        TestContext.Current.TestOutputHelper?.WriteLine($"noise {noisy}: IoU {metrics.IoU:F4}, precision {metrics.Precision:F4}, recall {metrics.Recall:F4} over {metrics.Evaluated} observed voxels");
        Assert.True(metrics.IoU >= minimumIoU, $"IoU {metrics.IoU:F4} below {minimumIoU}");
        Assert.True(metrics.Evaluated > 1_000_000);
    }

    [Fact]
    public void Noise_has_the_modelled_spread_dropouts_ranges_and_quantisation()
    {
        var k = new PinholeIntrinsics(200, 200, 200, 200, 99.5f, 99.5f);
        var depth = new float[k.PixelCount];
        Array.Fill(depth, 3f);
        new DepthNoiseModel(sigmaBase: 0.0012f, sigmaQuadratic: 0.0019f, dropoutProbability: 0.05f, baseline: 0).Apply(depth, k, new Random(3));
        double sum = 0, sum2 = 0;
        int n = 0, dropped = 0;
        foreach (float d in depth)
        {
            if (float.IsNaN(d))
            {
                dropped++;
                continue;
            }

            n++;
            sum += d;
            sum2 += d * d;
        }

        double mean = sum / n, sigma = Math.Sqrt((sum2 / n) - (mean * mean));
        Assert.Equal(3.0, mean, 2);
        Assert.InRange(sigma, 0.0183 * 0.95, 0.0183 * 1.05); // 0.0012 + 0.0019 · 3²
        Assert.InRange(dropped / (double)depth.Length, 0.045, 0.055);

        // Range limits and disparity quantisation: every depth is f·B / (j · step) for an integer j.
        float[] values = [0.1f, 9f, 2.345f, float.PositiveInfinity, -1f];
        var small = new PinholeIntrinsics(5, 1, 500, 500, 2, 0);
        new DepthNoiseModel(sigmaBase: 0, sigmaQuadratic: 0, dropoutProbability: 0, minRange: 0.3f, maxRange: 8f, baseline: 0.075f, subpixel: 0.125f).Apply(values, small, new Random(1));
        Assert.True(float.IsNaN(values[0]) && float.IsNaN(values[1]) && float.IsNaN(values[3]) && float.IsNaN(values[4]));
        double j = 500 * 0.075 / values[2] / 0.125;
        Assert.Equal(Math.Round(j), j, 3);
        Assert.InRange(values[2], 2.345 - 0.02, 2.345 + 0.02); // within one disparity step (z²·step / (f·B) = 0.018 m)

        Assert.Equal("dropoutProbability", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthNoiseModel(dropoutProbability: 2)).ParamName);
        Assert.Equal("maxRange", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthNoiseModel(minRange: 5, maxRange: 4)).ParamName);
        Assert.Equal("sigmaBase", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthNoiseModel(sigmaBase: -1)).ParamName);
        Assert.Equal("depth", Assert.Throws<ArgumentException>(() => new DepthNoiseModel().Apply(new float[3], k, new Random(1))).ParamName);
    }
}

public class RayIoUTests
{
    [Fact]
    public void The_standard_room_scores_high_and_an_empty_map_scores_zero()
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        for (int i = 0; i < StandardRoom.FrameCount; i++)
        {
            integrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
        }

        // Rays from the camera poses through random pixels: space the cameras observed, as the metric intends.
        var random = new Random(6);
        var origins = new Vector3[2000];
        var directions = new Vector3[origins.Length];
        for (int i = 0; i < origins.Length; i++)
        {
            Pose3 pose = StandardRoom.CameraPose(i % StandardRoom.FrameCount);
            origins[i] = pose.Position;
            directions[i] = pose.Rotate(StandardRoom.Intrinsics.RayThrough(random.NextSingle() * 639, random.NextSingle() * 479));
        }

        double score = RayIoU.Compute(map, TestData.Room, origins, directions, 4f, [1f, 2f, 4f]);
        TestContext.Current.TestOutputHelper?.WriteLine($"RayIoU {score:F4}");
        Assert.InRange(score, 0.85, 1.0);
        Assert.Equal(0.0, RayIoU.Compute(new OccupancyMap(StandardRoom.Resolution), TestData.Room, origins, directions, 4f, [1f]));
        Assert.Equal("thresholds", Assert.Throws<ArgumentException>(() => RayIoU.Compute(map, TestData.Room, origins, directions, 4f, [])).ParamName);
        Assert.Equal("directions", Assert.Throws<ArgumentException>(() => RayIoU.Compute(map, TestData.Room, origins, directions.AsSpan(1), 4f, [1f])).ParamName);
    }
}
