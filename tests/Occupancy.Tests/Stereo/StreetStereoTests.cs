using System;
using System.Collections.Generic;
using Occupancy.Stereo;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Stereo;

/// <summary>
/// Cameras only: the ego car's four stereo pairs on the textured street (640×480), matched by SGM, against the
/// rendered true disparity, and the map built from their depth against the voxelised street.
/// </summary>
public class StreetStereoTests
{
    private sealed record Result(DisparityMetrics[] PerPair, DisparityMetrics All, OccupancyMetrics Map);

    private static readonly Lazy<Result> Street = new(Run);

    private static Result Run()
    {
        Scene scene = StreetScene.CreateScene();
        CameraRig rig = StreetScene.SurroundRig();
        PinholeIntrinsics k = StreetScene.CameraIntrinsics;
        var stereo = new StereoCamera(k, StreetScene.StereoBaseline);
        var matcher = new SemiGlobalMatcher(new SgmOptions());
        byte[] left = new byte[k.PixelCount], right = new byte[k.PixelCount];
        float[] truthDepth = new float[k.PixelCount];
        var allEstimates = new float[rig.Cameras.Count * k.PixelCount];
        var allTruth = new float[rig.Cameras.Count * k.PixelCount];
        var perPair = new DisparityMetrics[rig.Cameras.Count];
        var depths = new List<ReadOnlyMemory<float>>();
        for (int c = 0; c < rig.Cameras.Count; c++)
        {
            Pose3 pose = rig.CameraPose(c, StreetScene.EgoPose);
            ColorRenderer.RenderGray(scene, k, pose, left);
            ColorRenderer.RenderGray(scene, k, stereo.RightCameraPose(pose), right);
            DepthRenderer.Render(scene, k, pose, truthDepth, 200);
            Span<float> estimate = allEstimates.AsSpan(c * k.PixelCount, k.PixelCount);
            Span<float> truth = allTruth.AsSpan(c * k.PixelCount, k.PixelCount);
            stereo.DepthToDisparity(truthDepth, truth);
            matcher.Compute(left, right, k.Width, k.Height, estimate);
            perPair[c] = DisparityMetrics.Compare(estimate, truth);
            var depth = new float[k.PixelCount];
            stereo.DisparityToDepth(estimate, depth);
            depths.Add(depth);
        }

        var map = new OccupancyMap(StreetScene.Resolution);
        new DepthImageIntegrator(map, StreetScene.MaxRange).Integrate(rig, StreetScene.EgoPose, depths);
        GroundTruth groundTruth = GroundTruth.Voxelize(scene, StreetScene.EgoRegion, StreetScene.Resolution);
        return new Result(perPair, DisparityMetrics.Compare(allEstimates, allTruth), OccupancyMetrics.Compare(map, groundTruth));
    }

    [Fact]
    public void Stereo_on_the_textured_street_puts_nine_in_ten_valid_pixels_within_one_pixel_of_the_truth()
    {
        Result r = Street.Value;
        for (int c = 0; c < r.PerPair.Length; c++)
        {
            DisparityMetrics m = r.PerPair[c];
            TestContext.Current.TestOutputHelper?.WriteLine($"pair {c}: density {m.Density:P1}, EPE {m.EndPointError:F3} px, >1 px {m.BadOver1:P2}, >3 px {m.BadOver3:P2}");
            Assert.True(1 - m.BadOver1 >= 0.90, $"pair {c}: only {1 - m.BadOver1:P2} of valid pixels within 1 px");
            Assert.True(m.Density >= 0.75, $"pair {c}: density {m.Density:P1}");
        }

        DisparityMetrics all = r.All;
        TestContext.Current.TestOutputHelper?.WriteLine($"all pairs: density {all.Density:P1}, EPE {all.EndPointError:F3} px, >1 px {all.BadOver1:P2}, >3 px {all.BadOver3:P2}");
        Assert.True(1 - all.BadOver1 >= 0.95, $"{1 - all.BadOver1:P2} within 1 px");
        Assert.True(all.EndPointError < 1.0, $"EPE {all.EndPointError:F3}");
    }

    [Fact]
    public void The_map_built_from_stereo_alone_has_occupied_IoU_above_0_7_within_20_m()
    {
        OccupancyMetrics m = Street.Value.Map;
        TestContext.Current.TestOutputHelper?.WriteLine($"stereo-built map: IoU {m.IoU:F4}, precision {m.Precision:F4}, recall {m.Recall:F4} over {m.Evaluated} observed voxels");
        Assert.True(m.IoU >= 0.7, $"IoU {m.IoU:F4}");
        Assert.True(m.Evaluated > 100_000, $"only {m.Evaluated} voxels observed");
    }
}
