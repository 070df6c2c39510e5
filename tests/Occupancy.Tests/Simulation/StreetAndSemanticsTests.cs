using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Occupancy.Stereo;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Simulation;

/// <summary>The street scene, the colour renderer, camera rigs, stereo geometry and semantic labels.</summary>
public class StreetAndSemanticsTests
{
    private static readonly Lazy<Scene> Street = new(() => StreetScene.CreateScene());

    [Fact]
    public void The_street_holds_every_class_and_leaves_the_ego_car_room()
    {
        GroundTruth truth = GroundTruth.Voxelize(Street.Value, StreetScene.EgoRegion, StreetScene.Resolution);
        var counts = new Dictionary<SemanticClass, int>();
        foreach (VoxelKey key in Keys(truth))
        {
            if (truth.ClassOf(key) is SemanticClass c)
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        foreach (SemanticClass c in new[] { SemanticClass.Ground, SemanticClass.Sidewalk, SemanticClass.Wall, SemanticClass.Vehicle, SemanticClass.Pole, SemanticClass.Vegetation, SemanticClass.Pedestrian })
        {
            Assert.True(counts.GetValueOrDefault(c) > 0, $"no {c} voxel within 20 m of the ego car");
        }

        // The car's own box (4.5 × 1.8 × 1.6 m) is free, so its cameras see out.
        Pose3 ego = StreetScene.EgoPose;
        for (float x = -2.3f; x <= 2.3f; x += 0.1f)
        {
            for (float y = -0.9f; y <= 0.9f; y += 0.1f)
            {
                for (float z = 0.05f; z <= 1.7f; z += 0.1f)
                {
                    Assert.False(Street.Value.IsOccupied(ego.Transform(new Vector3(x, y, z))), $"the ego car's space at ({x}, {y}, {z}) is occupied");
                }
            }
        }

        // Same seed, same street; another seed, another layout.
        Assert.Equal(Street.Value.Primitives.Count, StreetScene.CreateScene().Primitives.Count);
        Assert.NotEqual(
            Street.Value.Primitives.OfType<OrientedBox>().Select(b => b.Center.X).ToArray(),
            StreetScene.CreateScene(7).Primitives.OfType<OrientedBox>().Select(b => b.Center.X).ToArray());
    }

    private static IEnumerable<VoxelKey> Keys(GroundTruth truth)
    {
        for (int z = 0; z < truth.SizeZ; z++)
        {
            for (int y = 0; y < truth.SizeY; y++)
            {
                for (int x = 0; x < truth.SizeX; x++)
                {
                    yield return new VoxelKey(truth.Origin.X + x, truth.Origin.Y + y, truth.Origin.Z + z);
                }
            }
        }
    }

    [Fact]
    public void The_texture_is_fixed_to_the_world_so_both_cameras_of_a_pair_see_one_surface_alike()
    {
        // Oracle: a surface point seen in the left image at (u, v) with true disparity d appears in the right image at
        // (u − d, v). With a view-independent texture and Lambert light the two intensities agree.
        PinholeIntrinsics k = StreetScene.CameraIntrinsics;
        var stereo = new StereoCamera(k, StreetScene.StereoBaseline);
        CameraRig rig = StreetScene.SurroundRig();
        Pose3 left = rig.CameraPose(0, StreetScene.EgoPose);
        byte[] l = new byte[k.PixelCount], r = new byte[k.PixelCount];
        ColorRenderer.RenderGray(Street.Value, k, left, l);
        ColorRenderer.RenderGray(Street.Value, k, stereo.RightCameraPose(left), r);
        float[] depth = new float[k.PixelCount], disparity = new float[k.PixelCount];
        DepthRenderer.Render(Street.Value, k, left, depth, 200);
        stereo.DepthToDisparity(depth, disparity);
        var differences = new List<int>();
        var contrast = new List<int>();
        for (int v = 0; v < k.Height; v += 3)
        {
            for (int u = 150; u < k.Width; u += 3)
            {
                float d = disparity[(v * k.Width) + u];
                if (!(d > 0))
                {
                    continue;
                }

                float ur = u - d;
                int u0 = (int)MathF.Floor(ur);
                float f = ur - u0;
                float right = ((1 - f) * r[(v * k.Width) + u0]) + (f * r[(v * k.Width) + u0 + 1]);
                differences.Add((int)MathF.Round(MathF.Abs(l[(v * k.Width) + u] - right)));
                contrast.Add(Math.Abs(l[(v * k.Width) + u] - l[(v * k.Width) + u - 1]));
            }
        }

        differences.Sort();
        contrast.Sort();
        int median = differences[differences.Count / 2], p90 = differences[differences.Count * 9 / 10];
        TestContext.Current.TestOutputHelper?.WriteLine($"left–right difference: median {median}, 90th percentile {p90}; neighbour contrast median {contrast[contrast.Count / 2]}");
        Assert.True(median <= 3, $"median difference {median}");
        Assert.True(p90 <= 12, $"90th percentile difference {p90}");
        // Texture to match: neighbouring pixels differ.
        Assert.True(contrast[contrast.Count / 2] >= 2, $"median neighbour contrast {contrast[contrast.Count / 2]}");
    }

    [Fact]
    public void Stereo_geometry_checks_rectification_and_converts_disparity_to_depth()
    {
        PinholeIntrinsics k = StreetScene.CameraIntrinsics;
        Pose3 left = StreetScene.SurroundRig().CameraPose(1, StreetScene.EgoPose);
        var stereo = new StereoCamera(k, 0.5f);
        Pose3 right = stereo.RightCameraPose(left);
        StereoCamera made = StereoCamera.FromCameraPoses(k, left, k, right);
        Assert.Equal(0.5f, made.Baseline, 4);
        Assert.Equal(400 * 0.5f / 8, stereo.Depth(8));
        Assert.Equal(8f, stereo.Disparity(25), 4);
        float[] d = [8, 0, -1, float.NaN, 100], z = new float[5];
        var small = new StereoCamera(new PinholeIntrinsics(5, 1, 400, 400, 2, 0), 0.5f);
        small.DisparityToDepth(d, z);
        Assert.Equal([25f, float.NaN, float.NaN, float.NaN, 2f], z);

        // Not rectified: turned, offset off the x axis, swapped, or different intrinsics.
        Pose3 turned = new(right.Position, Quaternion.Normalize(right.Rotation * Quaternion.CreateFromAxisAngle(Vector3.UnitY, 0.02f)));
        Assert.Contains("orientations", Assert.Throws<ArgumentException>(() => StereoCamera.FromCameraPoses(k, left, k, turned)).Message);
        Pose3 raised = new(right.Position + new Vector3(0, 0, 0.05f), right.Rotation);
        Assert.Contains("x axis", Assert.Throws<ArgumentException>(() => StereoCamera.FromCameraPoses(k, left, k, raised)).Message);
        Assert.Equal("rightPose", Assert.Throws<ArgumentException>(() => StereoCamera.FromCameraPoses(k, right, k, left)).ParamName);
        Assert.Equal("right", Assert.Throws<ArgumentException>(() => StereoCamera.FromCameraPoses(k, left, new PinholeIntrinsics(640, 480, 401, 400, 319.5f, 239.5f), right)).ParamName);
        Assert.Equal("baseline", Assert.Throws<ArgumentOutOfRangeException>(() => new StereoCamera(k, 0)).ParamName);
        Assert.Equal("baseline", Assert.Throws<ArgumentOutOfRangeException>(() => new StereoCamera(k, -0.5f)).ParamName);
        Assert.Equal("disparity", Assert.Throws<ArgumentException>(() => stereo.DisparityToDepth(new float[10], new float[k.PixelCount])).ParamName);
    }

    [Fact]
    public void A_rig_frame_is_checked_whole_and_equals_its_cameras_integrated_one_by_one()
    {
        CameraRig rig = StreetScene.SurroundRig();
        PinholeIntrinsics k = StreetScene.CameraIntrinsics;
        var depths = new List<ReadOnlyMemory<float>>();
        for (int i = 0; i < rig.Cameras.Count; i++)
        {
            var depth = new float[k.PixelCount];
            DepthRenderer.Render(Street.Value, k, rig.CameraPose(i, StreetScene.EgoPose), depth, 200);
            depths.Add(depth);
        }

        var together = new OccupancyMap(StreetScene.Resolution);
        IntegrationStats stats = new DepthImageIntegrator(together, StreetScene.MaxRange).Integrate(rig, StreetScene.EgoPose, depths);
        var apart = new OccupancyMap(StreetScene.Resolution);
        var single = new DepthImageIntegrator(apart, StreetScene.MaxRange);
        int measurements = 0;
        for (int i = 0; i < rig.Cameras.Count; i++)
        {
            measurements += single.Integrate(depths[i].Span, k, rig.CameraPose(i, StreetScene.EgoPose)).Measurements;
        }

        Assert.Equal(measurements, stats.Measurements);
        TestData.AssertSameMap(TestData.Snapshot(apart), TestData.Snapshot(together));

        // A bad frame (one image short, or one of the wrong size) changes nothing.
        Dictionary<VoxelKey, float> before = TestData.Snapshot(together);
        var integrator = new DepthImageIntegrator(together, StreetScene.MaxRange);
        Assert.Equal("depths", Assert.Throws<ArgumentException>(() => integrator.Integrate(rig, StreetScene.EgoPose, depths.Take(3).ToList())).ParamName);
        List<ReadOnlyMemory<float>> wrong = [.. depths];
        wrong[3] = new float[100];
        Assert.Equal("depths", Assert.Throws<ArgumentException>(() => integrator.Integrate(rig, StreetScene.EgoPose, wrong)).ParamName);
        Assert.Equal("bodyPose", Assert.Throws<ArgumentException>(() => integrator.Integrate(rig, new Pose3(new Vector3(float.NaN), Quaternion.Identity), depths)).ParamName);
        TestData.AssertSameMap(before, TestData.Snapshot(together));
        Assert.Equal("cameras", Assert.Throws<ArgumentException>(() => new CameraRig([])).ParamName);
    }

    [Fact]
    public void Semantic_metrics_count_a_hand_made_confusion()
    {
        // Truth: a 1 m box of furniture on a floor, 0.1 m voxels.
        var scene = new Scene([new HalfSpace(new Vector3(0, 0, 0.05f), Vector3.UnitZ), new AxisAlignedBox(new Aabb(new Vector3(0, 0, 0), new Vector3(1, 1, 1)), SemanticClass.Furniture)]);
        GroundTruth truth = GroundTruth.Voxelize(scene, new Aabb(new Vector3(-2, -2, -0.2f), new Vector3(2, 2, 1.5f)), 0.1);
        var map = new OccupancyMap(0.1);
        var labels = new SemanticLayer(map);
        var floorKey = new VoxelKey(-10, -10, 0);     // truth: ground
        var boxKey = new VoxelKey(5, 5, 5);           // truth: furniture
        var airKey = new VoxelKey(-10, -10, 10);      // truth: free
        var otherBox = new VoxelKey(2, 2, 2);         // truth: furniture
        map.UpdateVoxel(floorKey, occupied: true);
        labels.Vote(floorKey, SemanticClass.Ground);
        map.UpdateVoxel(boxKey, occupied: true);
        labels.Vote(boxKey, SemanticClass.Ground); // wrong class
        labels.Vote(boxKey, SemanticClass.Furniture);
        labels.Vote(boxKey, SemanticClass.Furniture); // majority: furniture
        map.UpdateVoxel(airKey, occupied: true);
        labels.Vote(airKey, SemanticClass.Furniture); // false positive furniture
        map.UpdateVoxel(otherBox, occupied: false);        // false negative: furniture seen as free
        map.UpdateVoxel(new VoxelKey(-15, 0, 10), occupied: false); // true free
        map.UpdateVoxel(new VoxelKey(100, 0, 0), occupied: true);   // outside the truth: not counted

        SemanticMetrics m = SemanticMetrics.Compare(map, labels, truth);
        Assert.Equal(5, m.Evaluated);
        Assert.Equal(0, m.UnlabelledOccupied);
        Assert.Equal(SemanticClass.Furniture, labels.ClassOf(boxKey));
        Assert.Equal(1.0, m.IoU(SemanticClass.Ground));
        Assert.Equal(1.0 / 3, m.IoU(SemanticClass.Furniture), 12); // TP box; FP air; FN other box
        Assert.Equal((1.0 + (1.0 / 3)) / 2, m.MeanIoU, 12);
        Assert.True(double.IsNaN(m.IoU(SemanticClass.Vehicle)));
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => SemanticMetrics.Compare(new OccupancyMap(0.1), labels, truth)).ParamName);
    }

    [Fact]
    public void The_standard_room_mapped_with_labelled_depth_has_a_high_semantic_mIoU()
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var labels = new SemanticLayer(map);
        var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        PinholeIntrinsics k = StandardRoom.Intrinsics;
        var depth = new float[k.PixelCount];
        var classes = new SemanticClass[k.PixelCount];
        for (int i = 0; i < StandardRoom.FrameCount; i += 2)
        {
            DepthRenderer.RenderWithLabels(TestData.Room, k, StandardRoom.CameraPose(i), depth, classes);
            integrator.Integrate(depth, k, StandardRoom.CameraPose(i));
            labels.Integrate(depth, classes, k, StandardRoom.CameraPose(i), StandardRoom.MaxRange);
        }

        GroundTruth truth = GroundTruth.Voxelize(TestData.Room, new Aabb(new Vector3(-5.2f, -5.2f, -0.2f), new Vector3(5.2f, 5.2f, 3.2f)), StandardRoom.Resolution);
        SemanticMetrics m = SemanticMetrics.Compare(map, labels, truth);
        OccupancyMetrics occupancy = OccupancyMetrics.Compare(map, truth);
        string perClass = string.Join(", ", Enum.GetValues<SemanticClass>().Select(c => $"{c} {m.IoU(c):F3}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"mIoU {m.MeanIoU:F4} ({perClass}); occupied IoU {occupancy.IoU:F4}");
        // Semantic IoU cannot beat occupied IoU: every class error is also counted, so the two bound each other.
        Assert.True(m.MeanIoU >= 0.85, $"mIoU {m.MeanIoU:F4}");
        Assert.InRange(m.MeanIoU, 0, occupancy.IoU + 0.05);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => labels.Integrate(depth, new SemanticClass[3], k, StandardRoom.CameraPose(0), 5)).ParamName);
    }
}
