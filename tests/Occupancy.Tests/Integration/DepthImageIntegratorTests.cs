using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Integration;

public class DepthImageIntegratorTests
{
    private static readonly SensorModel Model = SensorModel.Default;

    // A camera at the origin looking along world +x (optical z = world x, optical x = world −y, optical y = world −z).
    private static readonly Pose3 LookingAlongX = Pose3.LookAt(Vector3.Zero, Vector3.UnitX, Vector3.UnitZ);
    private static readonly PinholeIntrinsics SmallCamera = new(160, 120, 101.3f, 99.7f, 79.37f, 59.61f);

    /// <summary>
    /// A box whose face is at x = 2.03 m, fronto-parallel to a camera at the origin. The depth of a pixel is analytic
    /// (2.03 when its centre ray meets the face, no return otherwise), so the expected state of every voxel follows in
    /// double precision: a hit when it holds the face point of some pixel, or when its centre projects onto a face pixel
    /// within the band of 2.03; free when its centre projects onto a face pixel more than the band in front; else untouched.
    /// </summary>
    [Fact]
    public void One_box_from_one_pose_gives_the_analytic_voxel_states()
    {
        var scene = new Scene([new AxisAlignedBox(new Aabb(new Vector3(2.03f, -0.45f, -0.25f), new Vector3(2.6f, 0.45f, 0.35f)))]);
        var depth = new float[SmallCamera.PixelCount];
        DepthRenderer.Render(scene, SmallCamera, LookingAlongX, depth);
        var map = new OccupancyMap(0.1);
        var integrator = new DepthImageIntegrator(map, maxRange: 4f);
        IntegrationStats stats = integrator.Integrate(depth, SmallCamera, LookingAlongX);

        double band = 0.5 * 0.1;
        var endpoints = new HashSet<VoxelKey>();
        for (int u = 0; u < 160; u++)
        {
            for (int v = 0; v < 120; v++)
            {
                double wy = -((u - 79.37) / 101.3 * 2.03), wz = -((v - 59.61) / 99.7 * 2.03);
                if (wy >= -0.45 && wy <= 0.45 && wz >= -0.25 && wz <= 0.35)
                {
                    endpoints.Add(new VoxelKey((int)Math.Floor(2.03 / 0.1), (int)Math.Floor(wy / 0.1), (int)Math.Floor(wz / 0.1)));
                }
            }
        }

        int expectedFree = 0, expectedHit = 0;
        for (int x = -2; x <= 30; x++)
        {
            for (int y = -20; y <= 20; y++)
            {
                for (int z = -20; z <= 20; z++)
                {
                    var key = new VoxelKey(x, y, z);
                    VoxelState expected = endpoints.Contains(key) ? VoxelState.Occupied : Expected(key, band);
                    expectedFree += expected == VoxelState.Free ? 1 : 0;
                    expectedHit += expected == VoxelState.Occupied ? 1 : 0;
                    Assert.True(expected == map.GetState(key), $"voxel {key}: expected {expected}, got {map.GetState(key)}");
                    if (expected != VoxelState.Unknown)
                    {
                        Assert.Equal(expected == VoxelState.Occupied ? Model.HitLogOdds : Model.MissLogOdds, map.GetLogOdds(key));
                    }
                }
            }
        }

        Assert.Equal(expectedHit, stats.OccupiedUpdates);
        Assert.Equal(expectedFree, stats.FreeUpdates);
        Assert.Equal(70, endpoints.Count);
        Assert.True(expectedHit >= 70 && expectedFree > 200, $"geometry too small: {expectedHit} hits, {expectedFree} free");
    }

    private static VoxelState Expected(VoxelKey key, double band)
    {
        double cx = (key.X + 0.5) * 0.1, cy = (key.Y + 0.5) * 0.1, cz = (key.Z + 0.5) * 0.1;
        // Optical frame: x_o = −y, y_o = −z, z_o = x.
        double xo = -cy, yo = -cz, zo = cx;
        if (zo <= 1e-4 || (xo * xo) + (yo * yo) + (zo * zo) > 16)
        {
            return VoxelState.Unknown;
        }

        double u = Math.Floor((101.3 * xo / zo) + 79.37 + 0.5), v = Math.Floor((99.7 * yo / zo) + 59.61 + 0.5);
        if (u < 0 || u >= 160 || v < 0 || v >= 120)
        {
            return VoxelState.Unknown;
        }

        // The pixel centre's ray at depth 2.03 (world y = −x_o, world z = −y_o).
        double wy = -((u - 79.37) / 101.3 * 2.03), wz = -((v - 59.61) / 99.7 * 2.03);
        if (wy < -0.45 || wy > 0.45 || wz < -0.25 || wz > 0.35)
        {
            return VoxelState.Unknown; // the pixel sees nothing: no return
        }

        double sd = 2.03 - zo;
        return sd > band ? VoxelState.Free : sd >= -band ? VoxelState.Occupied : VoxelState.Unknown;
    }

    [Fact]
    public void Depth_beyond_max_range_clears_up_to_the_range_and_marks_nothing()
    {
        var depth = new float[SmallCamera.PixelCount];
        Array.Fill(depth, 10f);
        var map = new OccupancyMap(0.1);
        IntegrationStats stats = new DepthImageIntegrator(map, maxRange: 2f).Integrate(depth, SmallCamera, LookingAlongX);
        Assert.Equal(SmallCamera.PixelCount, stats.BeyondMaxRange);
        Assert.Equal(0, stats.OccupiedUpdates);
        Assert.Equal(VoxelState.Free, map.GetState(new Vector3(1.85f, 0.05f, 0.05f)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new Vector3(2.15f, 0.05f, 0.05f)));
        Assert.Equal(stats.FreeUpdates, map.CountVoxels().Free);
    }

    [Fact]
    public void A_frame_interrupted_after_its_endpoints_leaves_later_frames_exact()
    {
        // A frame whose brick pass throws on its first brick, after the endpoints were marked: the map keeps no voxel of
        // it, and the next frames update exactly as on an integrator that never saw it (its endpoint planes would
        // otherwise give hits to its voxels in the next frame). One thread, so that no other brick is updated first.
        var interrupted = new OccupancyMap(StandardRoom.Resolution);
        var clean = new OccupancyMap(StandardRoom.Resolution);
        var failing = new CountingKernel(ProjectiveKernel.For(KernelSet.Best.Projective), throwOnBrick: 0);
        var a = new DepthImageIntegrator(interrupted, StandardRoom.MaxRange, null, failing, BrickSkipping.BehindAndInFront) { MaxDegreeOfParallelism = 1 };
        var b = new DepthImageIntegrator(clean, StandardRoom.MaxRange);
        Assert.Equal("interrupted", Assert.Throws<InvalidOperationException>(() => a.Integrate(TestData.RoomFrames[3], StandardRoom.Intrinsics, StandardRoom.CameraPose(3))).Message);
        Assert.Empty(TestData.Snapshot(interrupted));
        foreach (int frame in new[] { 9, 15 })
        {
            Assert.Equal(b.Integrate(TestData.RoomFrames[frame], StandardRoom.Intrinsics, StandardRoom.CameraPose(frame)), a.Integrate(TestData.RoomFrames[frame], StandardRoom.Intrinsics, StandardRoom.CameraPose(frame)));
        }

        TestData.AssertSameMap(TestData.Snapshot(clean), TestData.Snapshot(interrupted));
    }

    [Fact]
    public void Invalid_depths_are_no_return_and_counted()
    {
        var depth = new float[SmallCamera.PixelCount];
        Array.Fill(depth, 1.5f);
        depth[0] = float.NaN;
        depth[1] = float.PositiveInfinity;
        depth[2] = float.NegativeInfinity;
        depth[3] = 0f;
        depth[4] = -1f;
        var map = new OccupancyMap(0.1);
        IntegrationStats stats = new DepthImageIntegrator(map, 4f).Integrate(depth, SmallCamera, LookingAlongX);
        Assert.Equal(5, stats.NoReturn);
        Assert.True(stats.OccupiedUpdates > 0);
    }

    [Fact]
    public unsafe void Sixteen_bit_conversion_equals_the_scalar_product_for_every_length()
    {
        var random = new Random(3);
        foreach (float scale in new[] { 0.001f, 1f / 5000, 0.000125f, 7.5f })
        {
            for (int count = 0; count <= 70; count++)
            {
                var raw = new ushort[count];
                for (int i = 0; i < count; i++)
                {
                    raw[i] = (ushort)(random.Next(4) switch { 0 => 0, 1 => 65535, _ => random.Next(65536) });
                }

                foreach (KernelWidth width in KernelFamilies.Endpoints.Supported)
                {
                    var metres = new float[count];
                    fixed (ushort* r = raw)
                    fixed (float* m = metres)
                    {
                        DepthImageIntegrator.ToMetres(r, scale, m, count, width);
                    }

                    for (int i = 0; i < count; i++)
                    {
                        Assert.Equal(BitConverter.SingleToInt32Bits(raw[i] * scale), BitConverter.SingleToInt32Bits(metres[i]));
                    }
                }
            }
        }
    }

    [Fact]
    public void Sixteen_bit_depth_equals_the_same_depth_in_metres()
    {
        float[] metres = TestData.RoomFrames[3];
        var millimetres = new ushort[metres.Length];
        var tum = new ushort[metres.Length];
        var quantisedMm = new float[metres.Length];
        var quantisedTum = new float[metres.Length];
        for (int i = 0; i < metres.Length; i++)
        {
            millimetres[i] = float.IsNaN(metres[i]) ? (ushort)0 : (ushort)Math.Min(65535, Math.Round(metres[i] * 1000));
            tum[i] = float.IsNaN(metres[i]) ? (ushort)0 : (ushort)Math.Min(65535, Math.Round(metres[i] * 5000));
            quantisedMm[i] = millimetres[i] * 0.001f;
            quantisedTum[i] = tum[i] * (1f / 5000);
        }

        Pose3 pose = StandardRoom.CameraPose(3);
        foreach ((ushort[] raw, float scale, float[] reference) in new[] { (millimetres, 0.001f, quantisedMm), (tum, 1f / 5000, quantisedTum) })
        {
            var a = new OccupancyMap(0.05);
            var b = new OccupancyMap(0.05);
            new DepthImageIntegrator(a, 5f).Integrate(raw, scale, StandardRoom.Intrinsics, pose);
            new DepthImageIntegrator(b, 5f).Integrate(reference, StandardRoom.Intrinsics, pose);
            TestData.AssertSameMap(TestData.Snapshot(b), TestData.Snapshot(a));
            Assert.True(a.CountVoxels().Occupied > 1000);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_voxel_holding_a_return_gets_a_hit_and_no_other_voxel_is_occupied(int threads)
    {
        // One frame into an empty map: a voxel is occupied exactly when it holds the back-projected point of a return
        // within range, or its centre lies within the band of the surface it projects onto (none with a zero band).
        // The full range, and a shorter one with holes punched into the image: returns beyond the range and pixels
        // without a return are counted exactly as endpoint marking sees them.
        foreach ((int frame, float range) in new[] { (0, StandardRoom.MaxRange), (7, StandardRoom.MaxRange), (13, 3f), (4, 2.5f) })
        {
            var map = new OccupancyMap(StandardRoom.Resolution);
            var integrator = new DepthImageIntegrator(map, range, hitBand: 0f) { MaxDegreeOfParallelism = threads };
            Pose3 pose = StandardRoom.CameraPose(frame);
            float[] depth = (float[])TestData.RoomFrames[frame].Clone();
            if (range < StandardRoom.MaxRange)
            {
                for (int i = 0; i < depth.Length; i += 97)
                {
                    depth[i] = float.NaN;
                }
            }

            IntegrationStats stats = integrator.Integrate(depth, StandardRoom.Intrinsics, pose);
            var expected = new HashSet<VoxelKey>();
            int noReturn = 0, beyond = 0;
            var projector = new BackProjector(StandardRoom.Intrinsics, pose);
            for (int v = 0; v < StandardRoom.Intrinsics.Height; v++)
            {
                for (int u = 0; u < StandardRoom.Intrinsics.Width; u++)
                {
                    float d = depth[(v * StandardRoom.Intrinsics.Width) + u];
                    Vector3 p = projector.PixelToWorld(u, v, d);
                    bool hasReturn = d > 0 && float.IsFinite(d);
                    noReturn += hasReturn ? 0 : 1;
                    beyond += hasReturn && !(Vector3.Distance(p, pose.Position) <= range) ? 1 : 0; // as endpoint marking tests the range
                    if (hasReturn && Vector3.Distance(p, pose.Position) <= range && map.TryGetKey(p, out VoxelKey key))
                    {
                        expected.Add(key);
                    }
                }
            }

            var occupied = new HashSet<VoxelKey>();
            foreach ((VoxelKey key, float logOdds) in TestData.Snapshot(map))
            {
                if (logOdds >= 0)
                {
                    occupied.Add(key);
                }
            }

            Assert.True(expected.Count > 1_000, $"frame {frame}: only {expected.Count} return voxels");
            Assert.True(range == StandardRoom.MaxRange || (beyond > 1_000 && noReturn > 1_000), $"frame {frame}: beyond {beyond}, no return {noReturn}");
            Assert.Equal(noReturn, stats.NoReturn);
            Assert.Equal(beyond, stats.BeyondMaxRange);
            Assert.Empty(expected.Except(occupied));
            Assert.Empty(occupied.Except(expected));
        }
    }

    [Fact]
    public void Projective_and_ray_casting_integration_of_the_standard_room_agree()
    {
        var projective = new OccupancyMap(StandardRoom.Resolution);
        var rayCast = new OccupancyMap(StandardRoom.Resolution);
        var depthIntegrator = new DepthImageIntegrator(projective, StandardRoom.MaxRange);
        var cloudIntegrator = new PointCloudIntegrator(rayCast, StandardRoom.MaxRange);
        var cloud = new Vector3[StandardRoom.Intrinsics.PixelCount];
        for (int i = 0; i < StandardRoom.FrameCount; i++)
        {
            Pose3 pose = StandardRoom.CameraPose(i);
            depthIntegrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, pose);
            int n = DepthProjection.BackProject(TestData.RoomFrames[i], StandardRoom.Intrinsics, pose, cloud);
            cloudIntegrator.IntegrateWorldFrame(cloud.AsSpan(0, n), pose.Position);
        }

        Dictionary<VoxelKey, float> a = TestData.Snapshot(projective);
        Dictionary<VoxelKey, float> b = TestData.Snapshot(rayCast);
        long both = 0, same = 0, projectiveOnlyOccupied = 0, rayOnlyOccupied = 0;
        foreach ((VoxelKey key, float la) in a)
        {
            if (b.TryGetValue(key, out float lb))
            {
                both++;
                same += (la >= 0) == (lb >= 0) ? 1 : 0;
                projectiveOnlyOccupied += la >= 0 && lb < 0 ? 1 : 0;
                rayOnlyOccupied += la < 0 && lb >= 0 ? 1 : 0;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"occupied only in projective {projectiveOnlyOccupied}, only in ray cast {rayOnlyOccupied}; occupied: projective {projective.CountVoxels().Occupied}, ray cast {rayCast.CountVoxels().Occupied}");

        double agreement = (double)same / both;
        TestContext.Current.TestOutputHelper?.WriteLine($"known: projective {a.Count}, ray cast {b.Count}, both {both}; agreement {agreement:P3}");
        Assert.True(both > 500_000, $"only {both} voxels known to both");
        Assert.True(agreement >= 0.99, $"agreement {agreement:P3} over {both} voxels known to both");
    }

    [Fact]
    public void Rejected_calls_name_the_parameter_and_leave_the_map_unchanged()
    {
        var map = new OccupancyMap(0.1);
        var integrator = new DepthImageIntegrator(map, 4f);
        var depth = new float[SmallCamera.PixelCount];
        Array.Fill(depth, 1.5f);
        integrator.Integrate(depth, SmallCamera, LookingAlongX);
        Dictionary<VoxelKey, float> before = TestData.Snapshot(map);

        Assert.Equal("depth", Assert.Throws<ArgumentException>(() => integrator.Integrate(depth.AsSpan(1), SmallCamera, LookingAlongX)).ParamName);
        Assert.Equal("depth", Assert.Throws<ArgumentException>(() => integrator.Integrate(new ushort[10], 0.001f, SmallCamera, LookingAlongX)).ParamName);
        Assert.Equal("metresPerUnit", Assert.Throws<ArgumentOutOfRangeException>(() => integrator.Integrate(new ushort[SmallCamera.PixelCount], 0f, SmallCamera, LookingAlongX)).ParamName);
        Assert.Equal("metresPerUnit", Assert.Throws<ArgumentOutOfRangeException>(() => integrator.Integrate(new ushort[SmallCamera.PixelCount], float.NaN, SmallCamera, LookingAlongX)).ParamName);
        Assert.Equal("intrinsics", Assert.Throws<ArgumentException>(() => integrator.Integrate(depth, default, LookingAlongX)).ParamName);
        Assert.Equal("cameraPose", Assert.Throws<ArgumentException>(() => integrator.Integrate(depth, SmallCamera, new Pose3(new Vector3(float.NaN, 0, 0), Quaternion.Identity))).ParamName);
        Assert.Equal("cameraPose", Assert.Throws<ArgumentException>(() => integrator.Integrate(depth, SmallCamera, new Pose3(Vector3.Zero, new Quaternion(float.PositiveInfinity, 0, 0, 1)))).ParamName);
        Assert.Equal("cameraPose", Assert.Throws<ArgumentException>(() => integrator.Integrate(depth, SmallCamera, new Pose3(new Vector3(1e7f, 0, 0), Quaternion.Identity))).ParamName);
        TestData.AssertSameMap(before, TestData.Snapshot(map));

        Assert.Equal("maxRange", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthImageIntegrator(map, -1f)).ParamName);
        Assert.Equal("hitBand", Assert.Throws<ArgumentOutOfRangeException>(() => new DepthImageIntegrator(map, 1f, -0.1f)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(0, 10, 1, 1, 0, 0)).ParamName);
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(10, -1, 1, 1, 0, 0)).ParamName);
        Assert.Equal("fx", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(10, 10, 0, 1, 0, 0)).ParamName);
        Assert.Equal("fy", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(10, 10, 1, float.NaN, 0, 0)).ParamName);
        Assert.Equal("cx", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(10, 10, 1, 1, float.PositiveInfinity, 0)).ParamName);
        Assert.Equal("cy", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(10, 10, 1, 1, 0, float.NaN)).ParamName);
    }
}
