using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Integration;

public class PointCloudIntegratorTests
{
    private static readonly SensorModel Model = SensorModel.Default;

    /// <summary>
    /// A box face at x = 2.03 m, y in [−0.45, 0.45], z in [−0.25, 0.35], sampled every centimetre, seen from the centre
    /// of voxel (0, 0, 0) at 0.1 m. Analytically: the hits are exactly the 10 × 7 voxels of layer x = 20 that the face
    /// crosses; every voxel whose centre lies inside the viewing pyramid (origin to face) is free unless hit; no voxel
    /// clear of the pyramid is touched.
    /// </summary>
    [Fact]
    public void One_box_face_from_one_pose_gives_the_analytic_occupied_and_free_voxels()
    {
        var map = new OccupancyMap(0.1);
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        var points = new List<Vector3>();
        for (int iy = 0; iy <= 90; iy++)
        {
            for (int iz = 0; iz <= 60; iz++)
            {
                points.Add(new Vector3(2.03f, -0.45f + (iy * 0.01f), -0.25f + (iz * 0.01f)));
            }
        }

        IntegrationStats stats = new PointCloudIntegrator(map).IntegrateWorldFrame(points.ToArray(), origin);
        Assert.Equal(70, stats.OccupiedUpdates);

        var expectedOccupied = new HashSet<VoxelKey>();
        for (int y = -5; y <= 4; y++)
        {
            for (int z = -3; z <= 3; z++)
            {
                expectedOccupied.Add(new VoxelKey(20, y, z));
            }
        }

        Dictionary<VoxelKey, float> snapshot = TestData.Snapshot(map);
        foreach ((VoxelKey key, float l) in snapshot)
        {
            if (expectedOccupied.Contains(key))
            {
                Assert.Equal(Model.HitLogOdds, l); // one hit, no miss: the hit wins within the scan
            }
            else
            {
                Assert.Equal(Model.MissLogOdds, l); // one miss, however many rays crossed it
                Assert.True(TouchesPyramid(map, key, origin), $"free voxel {key} lies clear of the viewing pyramid");
            }
        }

        foreach (VoxelKey key in expectedOccupied)
        {
            Assert.Equal(VoxelState.Occupied, map.GetState(key));
        }

        // Completeness: every voxel whose centre is strictly inside the pyramid is known.
        int inside = 0;
        for (int x = 0; x <= 20; x++)
        {
            for (int y = -6; y <= 6; y++)
            {
                for (int z = -4; z <= 5; z++)
                {
                    var key = new VoxelKey(x, y, z);
                    if (!expectedOccupied.Contains(key) && CentreInsidePyramid(map.CenterOf(key), origin))
                    {
                        inside++;
                        Assert.Equal(VoxelState.Free, map.GetState(key));
                    }
                }
            }
        }

        Assert.True(inside > 300, $"only {inside} voxel centres inside the pyramid: the test geometry is wrong");
    }

    private static bool CentreInsidePyramid(Vector3 c, Vector3 o)
    {
        double s = (c.X - o.X) / (2.03 - o.X);
        if (s <= 0 || s >= 1)
        {
            return false;
        }

        double y = o.Y + ((c.Y - o.Y) / s), z = o.Z + ((c.Z - o.Z) / s);
        return y > -0.45 && y < 0.45 && z > -0.25 && z < 0.35 && c.X < 2.0;
    }

    /// <summary>Conservative: true unless the voxel lies entirely outside one face plane of the pyramid.</summary>
    private static bool TouchesPyramid(OccupancyMap map, VoxelKey k, Vector3 o)
    {
        double r = map.Resolution;
        double[] xs = [k.X * r, (k.X + 1) * r], ys = [k.Y * r, (k.Y + 1) * r], zs = [k.Z * r, (k.Z + 1) * r];
        // Pyramid = {o + s (q − o) : s in [0, 1], q on the face}; test each side plane with all 8 corners.
        (double y, double z)[] face = [(-0.45, -0.25), (0.45, -0.25), (0.45, 0.35), (-0.45, 0.35)];
        for (int e = 0; e < 4; e++)
        {
            var a = new Vector3(2.03f - o.X, (float)face[e].y - o.Y, (float)face[e].z - o.Z);
            var b = new Vector3(2.03f - o.X, (float)face[(e + 1) % 4].y - o.Y, (float)face[(e + 1) % 4].z - o.Z);
            Vector3 n = Vector3.Cross(a, b);
            var inner = new Vector3(2.03f - o.X, 0.05f - o.Y, 0.05f - o.Z);
            if (Vector3.Dot(n, inner) < 0)
            {
                n = -n;
            }

            bool anyInside = false;
            foreach (double x in xs)
            {
                foreach (double y in ys)
                {
                    foreach (double z in zs)
                    {
                        anyInside |= (n.X * (x - o.X)) + (n.Y * (y - o.Y)) + (n.Z * (z - o.Z)) >= -1e-9;
                    }
                }
            }

            if (!anyInside)
            {
                return false;
            }
        }

        return xs[0] <= 2.03;
    }

    [Theory]
    [InlineData(1, 0.05, 1)]
    [InlineData(1, 0.05, 2)]
    [InlineData(2, 0.01, 1)]
    [InlineData(2, 0.01, 2)]
    [InlineData(3, 0.2, 2)]
    public void A_scan_marks_exactly_the_voxels_of_its_rays_walks(int seed, double resolution, int threads)
    {
        // One thread claims with plain ORs (ScanWorker.Alone), more with interlocked ones: both must mark the same.
        // Oracle: VoxelTraversal (itself checked against a dense walk) stepped voxel by voxel. Every voxel a walk passes
        // before its end voxel gets one miss, every end voxel one hit (the hit wins), nothing else is touched. Origins on
        // both sides of zero, rays in every direction incl. along axes and diagonals, crossing many bricks.
        var random = new Random(seed);
        var map = new OccupancyMap(resolution);
        var origin = new Vector3((random.NextSingle() - 0.5f) * 3, (random.NextSingle() - 0.5f) * 3, (random.NextSingle() - 0.5f) * 3);
        var points = new List<Vector3>();
        for (int i = 0; i < 3000; i++)
        {
            Vector3 d = i switch
            {
                < 6 => i switch { 0 => Vector3.UnitX, 1 => -Vector3.UnitX, 2 => Vector3.UnitY, 3 => -Vector3.UnitY, 4 => Vector3.UnitZ, _ => -Vector3.UnitZ },
                < 10 => Vector3.Normalize(new Vector3(i % 2 == 0 ? 1 : -1, 1, i < 8 ? 1 : -1)),
                _ => Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f)),
            };
            points.Add(origin + (d * (0.05f + (random.NextSingle() * 4.5f))));
        }

        var free = new HashSet<VoxelKey>();
        var hits = new HashSet<VoxelKey>();
        VoxelKey originKey = map.KeyOf(origin);
        foreach (Vector3 p in points)
        {
            VoxelKey endKey = map.KeyOf(p);
            hits.Add(endKey);
            var walk = new VoxelTraversal(origin, p, map.Resolution, originKey, endKey);
            while (!walk.IsLast)
            {
                free.Add(walk.Current);
                walk.Advance();
            }
        }

        new PointCloudIntegrator(map, maxRange: 10) { MaxDegreeOfParallelism = threads }.IntegrateWorldFrame(points.ToArray(), origin);
        Dictionary<VoxelKey, float> snapshot = TestData.Snapshot(map);
        free.ExceptWith(hits);
        Assert.Equal(free.Count + hits.Count, snapshot.Count);
        foreach (VoxelKey key in hits)
        {
            Assert.Equal(Model.HitLogOdds, snapshot[key]);
        }

        foreach (VoxelKey key in free)
        {
            Assert.Equal(Model.MissLogOdds, snapshot[key]);
        }

        Assert.True(free.Count > 1000, $"only {free.Count} free voxels");
    }

    [Fact]
    public void Scans_from_several_origins_make_one_update()
    {
        // Oracle: the union of every scan's VoxelTraversal walks, each voxel updated once, a hit from any scan winning.
        var random = new Random(9);
        var map = new OccupancyMap(0.05);
        var scans = new List<PointCloudScan>();
        var free = new HashSet<VoxelKey>();
        var hits = new HashSet<VoxelKey>();
        for (int s = 0; s < 3; s++)
        {
            var origin = new Vector3(s * 0.7f, -0.3f * s, 0.4f);
            var points = new Vector3[800];
            for (int i = 0; i < points.Length; i++)
            {
                Vector3 d = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f));
                points[i] = origin + (d * (0.2f + (random.NextSingle() * 2.5f)));
                VoxelKey endKey = map.KeyOf(points[i]);
                hits.Add(endKey);
                var walk = new VoxelTraversal(origin, points[i], map.Resolution, map.KeyOf(origin), endKey);
                while (!walk.IsLast)
                {
                    free.Add(walk.Current);
                    walk.Advance();
                }
            }

            scans.Add(new PointCloudScan(points, origin));
        }

        IntegrationStats stats = new PointCloudIntegrator(map, maxRange: 10).IntegrateWorldFrame(scans);
        free.ExceptWith(hits);
        Dictionary<VoxelKey, float> snapshot = TestData.Snapshot(map);
        Assert.Equal(2400, stats.Measurements);
        Assert.Equal(hits.Count, stats.OccupiedUpdates);
        Assert.Equal(free.Count + hits.Count, snapshot.Count);
        foreach (VoxelKey key in hits)
        {
            Assert.Equal(Model.HitLogOdds, snapshot[key]);
        }

        foreach (VoxelKey key in free)
        {
            Assert.Equal(Model.MissLogOdds, snapshot[key]);
        }

        // One origin outside the map: nothing changes, and the parameter is named.
        var integrator = new PointCloudIntegrator(map, maxRange: 10);
        List<PointCloudScan> bad = [scans[0], new PointCloudScan(scans[1].Points, new Vector3(1e9f, 0, 0))];
        Assert.Equal("scans", Assert.Throws<ArgumentException>(() => integrator.IntegrateWorldFrame(bad)).ParamName);
        TestData.AssertSameMap(snapshot, TestData.Snapshot(map));
    }

    [Fact]
    public void A_rig_frame_cast_as_rays_updates_each_voxel_once()
    {
        // Two cameras whose views overlap (the second turned 20° about the first's vertical axis) and one looking back.
        CameraRig rig = StreetScene.SurroundRig();
        var k = new PinholeIntrinsics(160, 120, 100, 100, 79.5f, 59.5f);
        Pose3 front = rig.Cameras[0].Mounting;
        var small = new CameraRig(
        [
            new RigCamera("front", k, front),
            new RigCamera("front-left", k, front.Compose(new Pose3(Vector3.Zero, Quaternion.CreateFromAxisAngle(Vector3.UnitY, -0.35f)))),
            new RigCamera("rear", k, rig.Cameras[2].Mounting),
        ]);
        Scene street = StreetScene.CreateScene();
        var depths = new List<ReadOnlyMemory<float>>();
        var scans = new List<PointCloudScan>();
        for (int i = 0; i < small.Cameras.Count; i++)
        {
            var depth = new float[k.PixelCount];
            Pose3 pose = small.CameraPose(i, StreetScene.EgoPose);
            DepthRenderer.Render(street, k, pose, depth, 200);
            depths.Add(depth);
            var points = new Vector3[k.PixelCount];
            int n = DepthProjection.BackProject(depth, k, pose, points);
            scans.Add(new PointCloudScan(points.AsMemory(0, n), pose.Position));
        }

        var viaRig = new OccupancyMap(StreetScene.Resolution);
        IntegrationStats stats = new PointCloudIntegrator(viaRig, StreetScene.MaxRange).Integrate(small, StreetScene.EgoPose, depths);
        var viaScans = new OccupancyMap(StreetScene.Resolution);
        new PointCloudIntegrator(viaScans, StreetScene.MaxRange).IntegrateWorldFrame(scans);
        TestData.AssertSameMap(TestData.Snapshot(viaScans), TestData.Snapshot(viaRig));
        Assert.Equal(3 * k.PixelCount, stats.Measurements);
        Assert.True(stats.NoReturn > 0, "the sky gives no return");

        // One update per frame: on a fresh map every voxel holds exactly one hit or one miss, also where the views
        // overlap; the projective integrator, which takes each camera as an observation, updates those voxels twice.
        foreach (float l in TestData.Snapshot(viaRig).Values)
        {
            Assert.True(l == Model.HitLogOdds || l == Model.MissLogOdds, $"log-odds {l} is more than one update");
        }

        var projective = new OccupancyMap(StreetScene.Resolution);
        new DepthImageIntegrator(projective, StreetScene.MaxRange).Integrate(small, StreetScene.EgoPose, depths);
        Assert.Contains(TestData.Snapshot(projective).Values, l => l == 2 * Model.MissLogOdds);

        Assert.Equal("depths", Assert.Throws<ArgumentException>(() => new PointCloudIntegrator(viaRig, 20).Integrate(small, StreetScene.EgoPose, depths.GetRange(0, 2))).ParamName);
    }

    [Fact]
    public void Points_beyond_max_range_clear_up_to_it_and_mark_nothing()
    {
        var map = new OccupancyMap(0.1);
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        IntegrationStats stats = new PointCloudIntegrator(map, maxRange: 2f).IntegrateWorldFrame([new Vector3(10.05f, 0.05f, 0.05f)], origin);
        Assert.Equal(1, stats.BeyondMaxRange);
        Assert.Equal(0, stats.OccupiedUpdates);
        Assert.Equal(20, stats.FreeUpdates); // voxels 0..19; the clipped end at x = 2.05 lies in voxel 20, which is not cleared
        for (int x = 0; x < 20; x++)
        {
            Assert.Equal(VoxelState.Free, map.GetState(new VoxelKey(x, 0, 0)));
        }

        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(20, 0, 0)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(100, 0, 0)));
    }

    [Fact]
    public void Within_a_scan_a_hit_wins_and_each_voxel_is_updated_once()
    {
        var map = new OccupancyMap(0.1);
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        // The first ray ends in voxel 5; the second passes through it to voxel 9; the third repeats the second.
        var integrator = new PointCloudIntegrator(map);
        integrator.IntegrateWorldFrame([new Vector3(0.55f, 0.05f, 0.05f), new Vector3(0.95f, 0.05f, 0.05f), new Vector3(0.96f, 0.06f, 0.04f)], origin);
        Assert.Equal(Model.HitLogOdds, map.GetLogOdds(new VoxelKey(5, 0, 0)));
        Assert.Equal(Model.HitLogOdds, map.GetLogOdds(new VoxelKey(9, 0, 0)));
        Assert.Equal(Model.MissLogOdds, map.GetLogOdds(new VoxelKey(3, 0, 0)));
        Assert.Equal(Model.MissLogOdds, map.GetLogOdds(new VoxelKey(7, 0, 0)));

        // Across scans the updates add up: a miss in scan 2 after a hit in scan 1.
        integrator.IntegrateWorldFrame([new Vector3(0.95f, 0.05f, 0.05f)], origin);
        Assert.Equal(Model.HitLogOdds + Model.MissLogOdds, map.GetLogOdds(new VoxelKey(5, 0, 0)));
    }

    [Theory]
    [InlineData(PointCloudMode.Exact, 1)]
    [InlineData(PointCloudMode.Exact, 2)]
    [InlineData(PointCloudMode.Discretized, 2)]
    [InlineData(PointCloudMode.FirstPointPerVoxel, 2)]
    public void A_scan_interrupted_before_its_update_leaves_later_scans_exact(PointCloudMode mode, int threads)
    {
        // Two scans as one update, whose second scan's points cannot be read (a memory provider that throws): the first
        // scan's rays have claimed their voxels (and, with the lanes, marked and spilled the walk grids) when the update
        // throws. The map is unchanged, and the next scans must update those voxels as if it had never run: left set,
        // the claim bits would keep later scans from claiming them.
        Vector3[] first = TestData.RoomCloud(7), second = TestData.RoomCloud(15);
        Vector3 firstOrigin = StandardRoom.CameraPose(7).Position, secondOrigin = StandardRoom.CameraPose(15).Position;
        var interrupted = new OccupancyMap(StandardRoom.Resolution);
        var clean = new OccupancyMap(StandardRoom.Resolution);
        var a = new PointCloudIntegrator(interrupted, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = threads };
        var b = new PointCloudIntegrator(clean, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = threads };
        using var unreadable = new UnreadableMemory<Vector3>(second.Length);
        PointCloudScan[] scans = [new(first, firstOrigin), new(unreadable.Memory, secondOrigin)];
        Assert.Equal("unreadable", Assert.Throws<InvalidOperationException>(() => a.IntegrateWorldFrame(scans)).Message);
        Assert.Empty(TestData.Snapshot(interrupted));
        Assert.Equal(b.IntegrateWorldFrame(second, secondOrigin), a.IntegrateWorldFrame(second, secondOrigin));
        Assert.Equal(b.IntegrateWorldFrame(first, firstOrigin), a.IntegrateWorldFrame(first, firstOrigin));
        TestData.AssertSameMap(TestData.Snapshot(clean), TestData.Snapshot(interrupted));
    }

    [Fact]
    public void Bookkeeping_neither_wraps_nor_skips_over_many_scans()
    {
        // A model whose clamps are far away, so that every one of 70 000 scans must show in the log-odds.
        var model = new SensorModel(hitProbability: 0.500_01, missProbability: 0.499_99, clampMinProbability: 1e-6, clampMaxProbability: 1 - 1e-6);
        var map = new OccupancyMap(0.1, model);
        var integrator = new PointCloudIntegrator(map);
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        Vector3[] scanA = [new Vector3(0.35f, 0.05f, 0.05f)];
        Vector3[] scanB = [new Vector3(0.25f, 0.05f, 0.05f)];
        float free = float.NaN, flip = float.NaN;
        for (int i = 0; i < 70_000; i++)
        {
            // Voxel 1 is always free; voxel 2 alternates between free (scan A) and hit (scan B).
            integrator.IntegrateWorldFrame(i % 2 == 0 ? scanA : scanB, origin);
            free = OccupancyMap.ApplyUpdate(free, model.MissLogOdds, model.ClampMinLogOdds, model.ClampMaxLogOdds);
            flip = OccupancyMap.ApplyUpdate(flip, i % 2 == 0 ? model.MissLogOdds : model.HitLogOdds, model.ClampMinLogOdds, model.ClampMaxLogOdds);
        }

        Assert.Equal(free, map.GetLogOdds(new VoxelKey(1, 0, 0)));
        Assert.Equal(flip, map.GetLogOdds(new VoxelKey(2, 0, 0)));
        Assert.True(free < -0.5f);
    }

    [Theory]
    [InlineData(PointCloudMode.FirstPointPerVoxel, 5000, 1)]
    [InlineData(PointCloudMode.FirstPointPerVoxel, 40_000, 2)] // de-duplicated in chunks on two threads; voxels recur across chunks
    [InlineData(PointCloudMode.FirstPointPerVoxel, 40_000, 5)] // a chunk per 8 192 points, as many as 5 threads allow: four, more than two cores, each filtered against all earlier ones
    [InlineData(PointCloudMode.FirstPointPerVoxel, 7, 3)]
    [InlineData(PointCloudMode.Discretized, 5000, 1)]
    [InlineData(PointCloudMode.Discretized, 40_000, 2)]
    [InlineData(PointCloudMode.Discretized, 40_000, 5)]
    [InlineData(PointCloudMode.Discretized, 7, 3)]
    public void Discretized_modes_equal_exact_mode_on_one_ray_end_per_endpoint_voxel(PointCloudMode mode, int count, int threads)
    {
        // The oracle de-duplicates by brute force and casts exactly: to the voxel's centre (OctoMap's keyToCoord,
        // ((key + 0.5) × resolution) in double, then float) or to the first point of the scan in the voxel.
        var random = new Random(3);
        var origin = new Vector3(0.1f, -0.2f, 1.0f);
        var points = new Vector3[count];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = new Vector3(2f + random.NextSingle(), -1f + (2 * random.NextSingle()), random.NextSingle() * 2);
        }

        var discretized = new OccupancyMap(0.1);
        var integrator = new PointCloudIntegrator(discretized, 3f, mode) { MaxDegreeOfParallelism = threads };
        IntegrationStats first = integrator.IntegrateWorldFrame(points, origin);
        integrator.IntegrateWorldFrame(points.AsSpan(0, count / 2), origin); // fewer chunks next time: none keeps stale voxels
        integrator.IntegrateWorldFrame(points, origin);

        var oracle = new OccupancyMap(0.1);
        Vector3 End(VoxelKey k, Vector3 p) => mode == PointCloudMode.Discretized
            ? new Vector3((float)((k.X + 0.5) * 0.1), (float)((k.Y + 0.5) * 0.1), (float)((k.Z + 0.5) * 0.1))
            : p;
        var centres = new List<Vector3>();
        var seen = new HashSet<VoxelKey>();
        foreach (Vector3 p in points)
        {
            if (seen.Add(oracle.KeyOf(p)))
            {
                centres.Add(End(oracle.KeyOf(p), p));
            }
        }

        var exact = new PointCloudIntegrator(oracle, 3f);
        IntegrationStats oracleFirst = exact.IntegrateWorldFrame(centres.ToArray(), origin);
        // The rays beyond the range (one per distinct voxel) and the updates are the oracle's too.
        Assert.Equal((oracleFirst.BeyondMaxRange, oracleFirst.OccupiedUpdates, oracleFirst.FreeUpdates), (first.BeyondMaxRange, first.OccupiedUpdates, first.FreeUpdates));
        Assert.True(first.BeyondMaxRange > 0 || count < 100, "some voxels' centres lie beyond the range");
        var half = new List<Vector3>();
        seen.Clear();
        foreach (Vector3 p in points.AsSpan(0, count / 2))
        {
            if (seen.Add(oracle.KeyOf(p)))
            {
                half.Add(End(oracle.KeyOf(p), p));
            }
        }

        exact.IntegrateWorldFrame(half.ToArray(), origin);
        exact.IntegrateWorldFrame(centres.ToArray(), origin);
        TestData.AssertSameMap(TestData.Snapshot(oracle), TestData.Snapshot(discretized));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_discretized_update_of_two_origins_casts_each_origins_rays_to_the_voxels_both_hit(int threads)
    {
        // Two scans of one update ending in the same voxels from two origins: the second origin's rays to the voxels the
        // first one hit are rays of their own (other voxels crossed), so each scan is de-duplicated on its own.
        var random = new Random(9);
        var points = new Vector3[6000];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = new Vector3(2f + random.NextSingle(), -1f + (2 * random.NextSingle()), random.NextSingle() * 2);
        }

        Vector3 a = new(0.1f, -0.2f, 1.0f), b = new(-0.3f, 0.7f, 0.4f);
        var discretized = new OccupancyMap(0.1);
        new PointCloudIntegrator(discretized, 3f, PointCloudMode.Discretized) { MaxDegreeOfParallelism = threads }
            .IntegrateWorldFrame([new PointCloudScan(points, a), new PointCloudScan(points, b)]);

        var oracle = new OccupancyMap(0.1);
        var seen = new HashSet<VoxelKey>();
        var centres = new List<Vector3>();
        foreach (Vector3 p in points)
        {
            VoxelKey k = oracle.KeyOf(p);
            if (seen.Add(k))
            {
                centres.Add(oracle.CenterOf(k));
            }
        }

        Vector3[] ends = [.. centres];
        new PointCloudIntegrator(oracle, 3f).IntegrateWorldFrame([new PointCloudScan(ends, a), new PointCloudScan(ends, b)]);
        TestData.AssertSameMap(TestData.Snapshot(oracle), TestData.Snapshot(discretized));
    }

    [Fact]
    public void Sensor_frame_input_equals_world_frame_input()
    {
        var pose = new Pose3(new Vector3(1, 2, 0.5f), Quaternion.CreateFromYawPitchRoll(0.3f, -0.2f, 0.1f));
        var random = new Random(5);
        var local = new Vector3[2000];
        var world = new Vector3[local.Length];
        for (int i = 0; i < local.Length; i++)
        {
            local[i] = new Vector3(random.NextSingle() * 4, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f);
            world[i] = pose.Transform(local[i]);
        }

        var a = new OccupancyMap(0.05);
        var b = new OccupancyMap(0.05);
        new PointCloudIntegrator(a).IntegrateSensorFrame(local, pose);
        new PointCloudIntegrator(b).IntegrateWorldFrame(world, pose.Position);
        TestData.AssertSameMap(TestData.Snapshot(b), TestData.Snapshot(a));
    }

    [Fact]
    public void Non_finite_points_are_counted_as_no_return_and_skipped()
    {
        var map = new OccupancyMap(0.1);
        IntegrationStats stats = new PointCloudIntegrator(map).IntegrateWorldFrame(
            [new Vector3(float.NaN, 0, 0), new Vector3(1, float.PositiveInfinity, 0), new Vector3(0.55f, 0.05f, 0.05f), new Vector3(5e6f, 0, 0)],
            new Vector3(0.05f, 0.05f, 0.05f));
        Assert.Equal(2, stats.NoReturn);
        Assert.Equal(1, stats.OutOfMap);
        Assert.Equal(1, stats.OccupiedUpdates);
        Assert.Equal(5, stats.FreeUpdates);
    }

    [Fact]
    public void Rejected_calls_name_the_parameter_and_leave_the_map_unchanged()
    {
        var map = new OccupancyMap(0.1);
        var integrator = new PointCloudIntegrator(map);
        integrator.IntegrateWorldFrame([new Vector3(1, 1, 1)], Vector3.Zero);
        Dictionary<VoxelKey, float> before = TestData.Snapshot(map);

        Vector3[] points = [new Vector3(2, 2, 2)];
        Assert.Equal("sensorOrigin", Assert.Throws<ArgumentException>(() => integrator.IntegrateWorldFrame(points, new Vector3(float.NaN, 0, 0))).ParamName);
        Assert.Equal("sensorOrigin", Assert.Throws<ArgumentException>(() => integrator.IntegrateWorldFrame(points, new Vector3(1e7f, 0, 0))).ParamName);
        Assert.Equal("sensorPose", Assert.Throws<ArgumentException>(() => integrator.IntegrateSensorFrame(points, new Pose3(Vector3.Zero, new Quaternion(0, 0, 0, 0)))).ParamName);
        Assert.Equal("sensorPose", Assert.Throws<ArgumentException>(() => integrator.IntegrateSensorFrame(points, new Pose3(new Vector3(0, float.PositiveInfinity, 0), Quaternion.Identity))).ParamName);
        TestData.AssertSameMap(before, TestData.Snapshot(map));

        Assert.Equal("maxRange", Assert.Throws<ArgumentOutOfRangeException>(() => new PointCloudIntegrator(map, 0f)).ParamName);
        Assert.Equal("maxRange", Assert.Throws<ArgumentOutOfRangeException>(() => new PointCloudIntegrator(map, float.NaN)).ParamName);
        Assert.Equal("mode", Assert.Throws<ArgumentOutOfRangeException>(() => new PointCloudIntegrator(map, 1f, (PointCloudMode)7)).ParamName);
        Assert.Throws<ArgumentNullException>(() => new PointCloudIntegrator(null!));
        Assert.Equal("resolution", Assert.Throws<ArgumentOutOfRangeException>(() => new OccupancyMap(0)).ParamName);
        Assert.Equal("resolution", Assert.Throws<ArgumentOutOfRangeException>(() => new OccupancyMap(-0.1)).ParamName);
        Assert.Equal("resolution", Assert.Throws<ArgumentOutOfRangeException>(() => new OccupancyMap(double.NaN)).ParamName);
        Assert.Equal("resolution", Assert.Throws<ArgumentOutOfRangeException>(() => new OccupancyMap(2)).ParamName);
    }
}
