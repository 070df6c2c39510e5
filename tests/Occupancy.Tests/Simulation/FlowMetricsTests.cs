using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Simulation;

/// <summary>Flow and forecast metrics against hand-computed values, the traffic world's rules, and a run on the street.</summary>
public class FlowMetricsTests
{
    [Fact]
    public void Forecast_soft_IoU_and_AUC_match_a_hand_computed_case()
    {
        // 0.2 m voxels over 4 x 2 x 2 m. A wall at x 3.05-3.35 (columns 15-16, excluded with 14 and 17); a mover inside
        // columns x 5-7, y 2-4 (nine columns), from 0.45 to 1.55 m up.
        const double R = 0.2;
        var region = new Aabb(new Vector3(0, 0, 0), new Vector3(4, 2, 2));
        var wall = new AxisAlignedBox(new Aabb(new Vector3(3.05f, 0.05f, 0), new Vector3(3.35f, 1.95f, 2)), SemanticClass.Wall);
        var mover = new Mover(new AxisAlignedBox(new Aabb(new Vector3(-0.25f, -0.25f, 0.45f), new Vector3(0.25f, 0.25f, 1.55f)), SemanticClass.Pedestrian),
            new WaypointTrajectory([new Vector3(1.3f, 0.7f, 0), new Vector3(1.3f, 1.7f, 0)], 1.0, 10));
        var world = new MovingWorld([wall], [mover]);
        GroundTruth truth = GroundTruth.Voxelize(world.StaticScene, region, R);
        FlowTruth future = FlowTruth.Voxelize(world, 0, region, R);
        Assert.Equal(9, future.Velocities.Keys.Select(k => (k.X, k.Y)).Distinct().Count());

        // Eight true columns at 0.8, one at 0.4, a false column at 0.5; ignored: a wall column, a voxel below the band.
        var forecast = new Dictionary<VoxelKey, float>();
        int n = 0;
        for (int x = 5; x <= 7; x++)
        {
            for (int y = 2; y <= 4; y++)
            {
                forecast[new VoxelKey(x, y, 5)] = n++ == 0 ? 0.4f : 0.8f;
            }
        }

        forecast[new VoxelKey(0, 0, 5)] = 0.5f;
        forecast[new VoxelKey(15, 5, 5)] = 0.9f;
        forecast[new VoxelKey(10, 5, 0)] = 0.9f;
        var score = new ForecastScore(truth);
        score.Add(forecast, future);

        // Soft IoU: (8·0.8 + 0.4) / (8 + 1 + 0.5). AUC (average precision): 8/9 at 0.8, then (1/9)·(9/10) at 0.4.
        Assert.Equal(6.8 / 9.5, score.SoftIoU, 6);
        Assert.Equal((8.0 / 9) + (0.9 / 9), score.Auc, 6);
        Assert.Equal(9, score.TrueColumns);

        // A second frame pools: the same again leaves both unchanged.
        score.Add(forecast, future);
        Assert.Equal(6.8 / 9.5, score.SoftIoU, 6);
        Assert.Equal((8.0 / 9) + (0.9 / 9), score.Auc, 6);
        Assert.Throws<ArgumentException>(() => score.Add(forecast, FlowTruth.Voxelize(world, 0, region, 0.1)));
    }

    [Fact]
    public void A_rig_frame_returns_the_back_projected_points_within_range_and_refuses_mismatched_buffers()
    {
        // Two cameras, 32 x 24, looking along +x and -x from 1 m up: a wall 5 m ahead, nothing behind within 3 m.
        var k = new PinholeIntrinsics(32, 24, 20, 20, 15.5f, 11.5f);
        var rig = new CameraRig([
            new RigCamera("front", k, Pose3.LookAt(new Vector3(0, 0, 1), new Vector3(1, 0, 1), Vector3.UnitZ)),
            new RigCamera("rear", k, Pose3.LookAt(new Vector3(0, 0, 1), new Vector3(-1, 0, 1), Vector3.UnitZ)),
        ]);
        var scene = new Scene([new AxisAlignedBox(new Aabb(new Vector3(5, -20, -5), new Vector3(6, 20, 5)), SemanticClass.Wall),
            new AxisAlignedBox(new Aabb(new Vector3(-9, -20, -5), new Vector3(-8, 20, 5)), SemanticClass.Wall)]);
        float[][] images = [new float[k.PixelCount], new float[k.PixelCount]];
        var returns = new Vector3[2 * k.PixelCount];
        int n = RigFrame.Render(scene, rig, Pose3.Identity, DepthNoiseModel.None, new Random(1), images, returns, 7f);

        // Independently: the front camera's image back-projected, every point within 7 m of it (the rear wall is 8 m off).
        var depth = new float[k.PixelCount];
        DepthRenderer.Render(scene, k, rig.CameraPose(0, Pose3.Identity), depth);
        var expected = new Vector3[k.PixelCount];
        int m = DepthProjection.BackProject(depth, k, rig.CameraPose(0, Pose3.Identity), expected);
        expected = [.. expected.Take(m).Where(p => Vector3.Distance(p, new Vector3(0, 0, 1)) <= 7f)];
        Assert.Equal(expected.Length, n);
        Assert.Equal(expected, returns.Take(n));
        Assert.All(returns.Take(n), p => Assert.Equal(5f, p.X, 3));

        Assert.Equal("images", Assert.Throws<ArgumentException>(() => RigFrame.Render(scene, rig, Pose3.Identity, DepthNoiseModel.None, new Random(1), [images[0]], returns, 7f)).ParamName);
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => RigFrame.Render(scene, rig, Pose3.Identity, DepthNoiseModel.None, new Random(1), [images[0], new float[3]], returns, 7f)).ParamName);
        Assert.Equal("returns", Assert.Throws<ArgumentException>(() => RigFrame.Render(scene, rig, Pose3.Identity, DepthNoiseModel.None, new Random(1), images, new Vector3[10], 7f)).ParamName);
        Assert.Equal("maxRange", Assert.Throws<ArgumentOutOfRangeException>(() => RigFrame.Render(scene, rig, Pose3.Identity, DepthNoiseModel.None, new Random(1), images, returns, float.NaN)).ParamName);
    }

    [Fact]
    public void The_traffic_world_is_fixed_by_its_seed_its_cars_keep_2_m_apart_and_its_crossing_person_never_meets_a_car()
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            MovingWorld a = StreetScene.CreateTrafficWorld(seed), b = StreetScene.CreateTrafficWorld(seed);
            Assert.Equal(a.Movers.Count, b.Movers.Count);
            Assert.InRange(a.Movers.Count, 5, 7);
            for (int i = 0; i < a.Movers.Count; i++)
            {
                Assert.Equal(a.Movers[i].At(3.3).Bounds, b.Movers[i].At(3.3).Bounds);
            }

            Mover crossing = a.Movers[^1];
            Mover[] cars = [.. a.Movers.Where(m => m.Body.SemanticClass == SemanticClass.Vehicle)];
            Assert.InRange(cars.Length, 2, 3);

            // One lane, no overtaking: no car comes within 2 m of the one ahead while both drive (x from 62-68 m to -20 m).
            for (int i = 1; i < cars.Length; i++)
            {
                var path = (WaypointTrajectory)cars[i].Path;
                var leader = (WaypointTrajectory)cars[i - 1].Path;
                for (double t = path.StartTime; t <= leader.EndTime; t += 0.05)
                {
                    Aabb behind = cars[i].At(t).Bounds!.Value, ahead = cars[i - 1].At(t).Bounds!.Value;
                    Assert.True(behind.Min.X - ahead.Max.X >= 2 - 1e-3, $"seed {seed}: car {i} is {behind.Min.X - ahead.Max.X:F2} m behind car {i - 1} at t = {t:F2} s");
                }
            }

            for (double t = 0; t < 15; t += 0.05)
            {
                Aabb person = crossing.At(t).Bounds!.Value;
                foreach (Mover car in cars)
                {
                    Aabb box = car.At(t).Bounds!.Value;
                    bool near = person.Min.X < box.Max.X + 1 && person.Max.X > box.Min.X - 1 && person.Min.Y < box.Max.Y + 0.2f && person.Max.Y > box.Min.Y - 0.2f;
                    Assert.False(near, $"seed {seed}: the crossing person meets a car at t = {t:F2} s");
                }
            }
        }
    }

    [Fact]
    public void On_the_street_the_flow_forecast_beats_the_static_one_and_the_flow_is_near_the_truth()
    {
        // A scenario of eighty rendered rig frames: the default leg only (see the rolling window's test).
        Assert.SkipUnless(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "a long scenario: run on the default leg");
        FlowRunResult r = FlowRun.Run(StreetScene.CreateTrafficWorld(7), StreetScene.EgoRegion, StreetScene.Resolution, StreetScene.SurroundRig(),
            _ => StreetScene.EgoPose, StreetScene.MaxRange, 10, 8, DecayPolicy.Exponential(8, 0.25), StreetScene.DepthNoise, 7, 1.0, [0.5, 1.0], null, null);
        TestContext.Current.TestOutputHelper?.WriteLine($"trail {r.TrailShare:P2}, static IoU {r.Static.IoU:F4}, EPE {r.EndPointError:F3} m/s over {r.FlowVoxels} ({r.EstimatedShare:P1} estimated), still with a velocity {r.StillWithVelocityShare:P2} (EPE {r.StillEndPointError:F4}), " +
            string.Join(", ", r.Forecasts.Select(f => $"+{f.Horizon} s IoU {f.SoftIoU:F3} vs {f.StaticSoftIoU:F3}, AUC {f.Auc:F3} vs {f.StaticAuc:F3}")));
        Assert.True(r.FlowVoxels > 5000, $"only {r.FlowVoxels} moving voxels scored");
        Assert.True(r.EstimatedShare > 0.8, $"only {r.EstimatedShare:P1} of moving voxels have a velocity");
        Assert.True(r.EndPointError < 2.0, $"end-point error {r.EndPointError} m/s (still: about 8)");
        Assert.InRange(r.StillWithVelocityShare, 0, 0.03);
        Assert.InRange(r.StillEndPointError, 0, 0.3);
        foreach (ForecastResult f in r.Forecasts)
        {
            Assert.True(f.SoftIoU > 3 * f.StaticSoftIoU && f.SoftIoU > 0.05, $"+{f.Horizon} s: soft IoU {f.SoftIoU} against the static forecast's {f.StaticSoftIoU}");
            Assert.True(f.Auc > 3 * f.StaticAuc, $"+{f.Horizon} s: AUC {f.Auc} against the static forecast's {f.StaticAuc}");
        }

        Assert.True(r.TrailShare <= 0.02, $"trail {r.TrailShare:P2}");
        Assert.True(r.Static.IoU >= 0.9, $"static IoU {r.Static.IoU}");
    }
}
