using System;
using System.IO;
using System.Numerics;
using Occupancy.Imaging;
using Occupancy.Navigation;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Reliability;

/// <summary>
/// Input a hostile or careless caller gives: each test stands for a way the library once took the process down, gave a
/// wrong answer, or ate memory. Every refusal names the parameter and leaves the map as it was.
/// </summary>
public class HostileInputTests
{
    [Theory]
    [InlineData(65536, 65536)] // Width × Height wrapped to 0: an empty buffer passed validation and the kernel read through null
    [InlineData(65536, 32768)] // wrapped to int.MinValue: a negative pixel count
    [InlineData(46341, 46341)] // 2 147 488 281: just above int.MaxValue
    [InlineData(20000, 20000)] // fits an int, but a 1.5 GB depth image: above the stated limit
    public void Intrinsics_whose_pixel_count_exceeds_the_limit_are_refused(int width, int height)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(width, height, 500, 500, width / 2f, height / 2f));
        Assert.Equal("height", e.ParamName);
        Assert.Contains("pixels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Intrinsics_at_the_pixel_limit_are_accepted_with_an_exact_count()
    {
        var k = new PinholeIntrinsics(16384, PinholeIntrinsics.MaxPixels / 16384, 500, 500, 8192, 8192);
        Assert.Equal(PinholeIntrinsics.MaxPixels, k.PixelCount);
        Assert.Equal("fx", Assert.Throws<ArgumentOutOfRangeException>(() => new PinholeIntrinsics(640, 480, 1e-30f, 500, 320, 240)).ParamName);
    }

    [Fact]
    public void A_quaternion_with_a_huge_scale_is_normalised()
    {
        // Its squared length overflowed float: the rotation stayed unnormalised and a scan integrated nothing.
        var q = Quaternion.CreateFromAxisAngle(Vector3.UnitZ, 0.7f);
        var pose = new Pose3(new Vector3(0.2f, 0.1f, 1f), new Quaternion(q.X * 3e19f, q.Y * 3e19f, q.Z * 3e19f, q.W * 3e19f));
        Assert.True(pose.IsFinite);
        Assert.Equal(1f, pose.Rotation.Length(), 5);
        var tiny = new Pose3(Vector3.Zero, new Quaternion(q.X * 1e-30f, q.Y * 1e-30f, q.Z * 1e-30f, q.W * 1e-30f));
        Assert.Equal(1f, tiny.Rotation.Length(), 5);

        var map = new OccupancyMap(0.1);
        IntegrationStats stats = new PointCloudIntegrator(map, maxRange: 5f).IntegrateSensorFrame([new Vector3(2f, 0, 0), new Vector3(0, 2f, 0)], pose);
        Assert.Equal(0, stats.BeyondMaxRange);
        Assert.Equal(2, stats.OccupiedUpdates);
    }

    [Fact]
    public void A_ray_cast_with_a_huge_direction_equals_the_same_ray_with_a_unit_one()
    {
        // The squared length of (1e20, 0, 0) overflowed: the unit direction became 0 and the ray stopped at its origin.
        var map = new OccupancyMap(0.1);
        map.UpdateVoxel(map.KeyOf(new Vector3(2.05f, 0.05f, 0.05f)), occupied: true);
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        RayCastResult unit = map.CastRay(origin, Vector3.UnitX, 5f, UnknownPolicy.TreatAsFree);
        Assert.True(unit.IsHit);
        Assert.Equal(unit, map.CastRay(origin, new Vector3(1e20f, 0, 0), 5f, UnknownPolicy.TreatAsFree));
        Assert.Equal(unit, map.CastRay(origin, new Vector3(float.MaxValue, 0, 0), 5f, UnknownPolicy.TreatAsFree));
        Assert.Equal(unit, map.CastRay(origin, new Vector3(1e-30f, 0, 0), 5f, UnknownPolicy.TreatAsFree));
    }

    [Fact]
    public void Distance_fields_and_ground_truth_of_huge_regions_are_refused_by_name()
    {
        // 2^24 voxels a side cubed wrapped a long to 0: an IndexOutOfRangeException instead of a refusal.
        var map = new OccupancyMap(0.1);
        map.UpdateVoxel(new VoxelKey(0, 0, 0), occupied: true);
        var huge = new Aabb(new Vector3(-1e6f), new Vector3(1e6f));
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => DistanceField.Compute(map, huge, UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => GroundTruth.Voxelize(StandardRoom.CreateScene(), huge, 0.1)).ParamName);
    }

    [Fact]
    public void A_region_wholly_beyond_the_index_range_holds_no_voxel()
    {
        // Both ends of such a box were clamped to the last index, so it held the edge voxels: ClearRegion erased them.
        var map = new OccupancyMap(0.01);
        var edge = new VoxelKey(OccupancyMap.MaxVoxelIndex, 0, 0);
        map.UpdateVoxel(edge, occupied: true);
        float beyond = (float)((OccupancyMap.MaxVoxelIndex + 100) * 0.01);
        var region = new Aabb(new Vector3(beyond, -1, -1), new Vector3(beyond + 1, 1, 1));
        (VoxelKey lo, VoxelKey hi) = map.KeyRangeOf(region);
        Assert.True(lo.X > hi.X, $"{lo} .. {hi}");
        int seen = 0;
        foreach (VoxelInfo _ in map.EnumerateVoxelsIn(region))
        {
            seen++;
        }

        Assert.Equal(0, seen);
        Assert.Equal(0, map.ClearRegion(region));
        Assert.Equal(VoxelState.Occupied, map.GetState(edge));
        var below = new Aabb(new Vector3(-beyond - 1, -1, -1), new Vector3(-beyond, 1, 1));
        Assert.True(map.KeyRangeOf(below).Lo.X > map.KeyRangeOf(below).Hi.X);
    }

    [Fact]
    public void A_collision_shape_spanning_millions_of_voxels_a_side_is_refused_by_name()
    {
        // 2^22 - 1 voxels a side: the voxel count, a long product of the three sides, wrapped to a negative number that
        // passed the 2^24 check, and the query then walked its 7e19 voxels.
        var map = new OccupancyMap(1.0);
        var e = Assert.Throws<ArgumentException>(() => map.CheckCollision(CollisionShape.Sphere(2_097_151f), Pose3.Identity, UnknownPolicy.TreatAsOccupied));
        Assert.Equal("shape", e.ParamName);
    }

    [Fact]
    public void An_8_bit_grey_and_alpha_png_is_not_taken_for_16_bit_depth()
    {
        // 16 bits a pixel, but two 8-bit samples: it passed the check and came back scaled by 257.
        string path = Path.Combine(Path.GetTempPath(), $"occupancy-{Environment.ProcessId}-la8.png");
        PngFiles.Write(path, 4, 3, colorType: 4, bitDepth: 8, new byte[4 * 3 * 2]);
        Assert.Contains("16-bit greyscale", Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path)).Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void A_png_cut_after_a_complete_data_chunk_is_refused()
    {
        // The image data in two chunks, the file cut after the first: it loaded with the rest of the pixels zero.
        string path = Path.Combine(Path.GetTempPath(), $"occupancy-{Environment.ProcessId}-cut.png");
        var pixels = new byte[64 * 64 * 2];
        new Random(4).NextBytes(pixels);
        byte[] whole = PngFiles.Encode(64, 64, colorType: 0, bitDepth: 16, pixels, chunks: 2);
        File.WriteAllBytes(path, whole);
        Assert.Equal(64 * 64, PngImages.LoadDepth(path).Pixels.Length);
        File.WriteAllBytes(path, whole[..PngFiles.EndOfFirstDataChunk(whole)]);
        Assert.Contains("IEND", Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path)).Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void A_png_whose_data_cannot_hold_its_declared_pixels_is_refused_before_decoding()
    {
        // 69 bytes declaring 8192 × 8192: 293 MiB were allocated before zeros came back.
        string path = Path.Combine(Path.GetTempPath(), $"occupancy-{Environment.ProcessId}-bomb.png");
        byte[] file = PngFiles.Encode(8192, 8192, colorType: 0, bitDepth: 16, new byte[16], chunks: 1, declaredOnly: true);
        Assert.True(file.Length < 100);
        File.WriteAllBytes(path, file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("cannot hold", Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path)).Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated more than 1 MiB before refusing");
        File.Delete(path);
    }

    [Fact]
    public void A_point_beyond_the_range_clears_up_to_the_range_however_far_it_is()
    {
        // As OctoMap's insertPointCloud: a point 1e5 m away cleared 5 m, one 1e30 m away (outside the map's index range)
        // cleared nothing and was counted outside the map.
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        foreach (float far in new[] { 1e5f, 1e30f, float.MaxValue })
        {
            var map = new OccupancyMap(0.1);
            IntegrationStats stats = new PointCloudIntegrator(map, maxRange: 5f).IntegrateWorldFrame([new Vector3(far, 0.05f, 0.05f)], origin);
            Assert.Equal(1, stats.BeyondMaxRange);
            Assert.Equal(0, stats.OutOfMap);
            Assert.Equal(50, map.CountVoxels().Free); // voxels 0 to 49 along x; the one holding the clipped end is not cleared
            Assert.Equal(VoxelState.Free, map.GetState(new Vector3(4.85f, 0.05f, 0.05f)));
        }

        var unlimited = new OccupancyMap(0.1);
        Assert.Equal(1, new PointCloudIntegrator(unlimited, mode: PointCloudMode.Discretized).IntegrateWorldFrame([new Vector3(1e30f, 0, 0)], origin).OutOfMap);
        Assert.Equal(1, new PointCloudIntegrator(unlimited).IntegrateWorldFrame([new Vector3(1e30f, 0, 0)], origin).OutOfMap);
        Assert.Equal(0, unlimited.CountVoxels().Known);
    }

    [Fact]
    public void Points_outside_the_map_beyond_the_range_clear_alike_in_both_modes()
    {
        // 40 points in distinct voxels (so the first-point mode casts the same rays as the exact one), every third of
        // them 1e30 m away: outside the map's index range. Enough points for the keys 8 at a time and the scalar tail.
        var origin = new Vector3(0.05f, 0.05f, 0.05f);
        var points = new Vector3[40];
        for (int j = 0; j < points.Length; j++)
        {
            float a = j * 2 * MathF.PI / points.Length;
            var direction = new Vector3(MathF.Cos(a), MathF.Sin(a), 0.1f);
            points[j] = origin + (direction * (j % 3 == 0 ? 1e30f : 3f));
        }

        var exact = new OccupancyMap(0.1);
        var discretized = new OccupancyMap(0.1);
        IntegrationStats e = new PointCloudIntegrator(exact, 5f, PointCloudMode.Exact).IntegrateWorldFrame(points, origin);
        IntegrationStats d = new PointCloudIntegrator(discretized, 5f, PointCloudMode.FirstPointPerVoxel).IntegrateWorldFrame(points, origin);
        Assert.Equal((14, 0, 26), (e.BeyondMaxRange, e.OutOfMap, e.OccupiedUpdates));
        Assert.Equal((e.BeyondMaxRange, e.OutOfMap, e.OccupiedUpdates, e.FreeUpdates), (d.BeyondMaxRange, d.OutOfMap, d.OccupiedUpdates, d.FreeUpdates));
        TestData.AssertSameMap(TestData.Snapshot(exact), TestData.Snapshot(discretized));
        Assert.Equal(VoxelState.Free, discretized.GetState(origin + new Vector3(4.8f, 0, 0.48f)));
    }
}
