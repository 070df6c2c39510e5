using System;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Integration;

/// <summary>
/// What a point-cloud scan needs besides the map (claim lists, claim planes, the brick directory's size) is taken from
/// process-wide pools or sized once, so that a new integrator's first scan costs what a later one does. The pools are
/// process-wide: these tests run alone (<see cref="RunsAlone"/>), so that no other test takes or returns meanwhile.
/// </summary>
[Collection(nameof(RunsAlone))]
public class ScanScratchTests
{
    /// <summary>A VLP-16 scan of the street from the ego car's roof (the race's LiDAR scene), world frame, metres.</summary>
    private static (Vector3[] Points, Vector3 Origin) StreetScan()
    {
        SpinningLidar lidar = SpinningLidar.Vlp16();
        var pose = new Pose3(StreetScene.EgoPose.Position + new Vector3(0, 0, 1.9f), Quaternion.Identity);
        var points = new Vector3[lidar.MaxPoints];
        int n = lidar.Scan(StreetScene.CreateScene(), pose, points, new Random(7));
        return (points[..n], pose.Position);
    }

    [Fact]
    public void A_new_integrators_first_scan_allocates_little_beyond_the_map_it_fills()
    {
        (Vector3[] points, Vector3 origin) = StreetScan();
        var warm = new OccupancyMap(0.05);
        new PointCloudIntegrator(warm, 30f) { MaxDegreeOfParallelism = 2 }.IntegrateWorldFrame(points, origin);

        var map = new OccupancyMap(0.05);
        var integrator = new PointCloudIntegrator(map, 30f) { MaxDegreeOfParallelism = 2 };
        long before = GC.GetTotalAllocatedBytes(precise: true);
        IntegrationStats stats = integrator.IntegrateWorldFrame(points, origin);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // The same voxels as the warm-up's map (the pools change where scratch memory comes from, not what is claimed).
        Assert.Equal(warm.CountVoxels(), map.CountVoxels());
        Assert.True(stats.FreeUpdates > 1_000_000, $"{stats.FreeUpdates} free updates: the scan is too small to show the claim lists");

        // Beyond the map itself, the garbage of its grown per-slot arrays, brick table and directory: 8 MB on this scan.
        // Lists grown from a few thousand entries for a million and more claims, claim planes allocated afresh and a
        // directory regrown as the rays reached out took far more (4 bytes a claim, doubled and copied; 128 bytes a brick).
        long beyond = allocated - map.MemoryBytes;
        TestContext.Current.TestOutputHelper?.WriteLine($"allocated {allocated / 1e6:F1} MB, map {map.MemoryBytes / 1e6:F1} MB, free updates {stats.FreeUpdates}, bricks {map.BrickCount}");
        Assert.True(beyond < 16 << 20, $"the first scan allocated {beyond / 1e6:F1} MB beyond the map's {map.MemoryBytes / 1e6:F1} MB");
    }

    [Fact]
    public void A_scan_grows_the_brick_directory_to_its_rays_box_at_once()
    {
        (Vector3[] points, Vector3 origin) = StreetScan();
        var map = new OccupancyMap(0.05);
        new PointCloudIntegrator(map, float.PositiveInfinity).IntegrateWorldFrame(points, origin);

        // Grown brick by brick as the rays reached out, the directory was built anew several times in one scan; now
        // once to the box of a sample of the points, and at most once more for a brick outside it.
        Assert.InRange(map.DirectoryGrowths, 1, 2);
        int growths = map.DirectoryGrowths;

        // The directory holds every brick: none went to the hash table as well (it held all 50 000 of them, grown and
        // rehashed seven times).
        Assert.Equal(0, map.HashedBricks);
        Assert.True(map.BrickCount > 10_000, $"{map.BrickCount} bricks");

        // The same scan again: the directory covers it already.
        new PointCloudIntegrator(map, float.PositiveInfinity).IntegrateWorldFrame(points, origin);
        Assert.Equal(growths, map.DirectoryGrowths);
    }

    [Fact]
    public void Claim_planes_handed_back_clean_are_reused_and_dropped_ones_are_not()
    {
        // Words set and then cleared go back to the pool; words left set are dropped with their chunk.
        var clean = new SlotWords(ScanClaims.WordsPerBrick);
        for (int slot = 0; slot < 4096; slot += 1024)
        {
            ref ulong word = ref clean.Words(slot);
            word = 1;
            word = 0;
        }

        clean.ReturnChunks();
        var dirty = new SlotWords(ScanClaims.WordsPerBrick);
        dirty.Words(5) = ulong.MaxValue;
        dirty.DropChunks();

        // Every chunk handed out now, pooled or new, is zero.
        var next = new SlotWords(ScanClaims.WordsPerBrick);
        for (int slot = 0; slot < 300 * 1024; slot += 1024)
        {
            for (int s = slot; s < slot + 1024; s++)
            {
                for (int w = 0; w < ScanClaims.WordsPerBrick; w++)
                {
                    Assert.Equal(0UL, System.Runtime.CompilerServices.Unsafe.Add(ref next.Words(s), w));
                }
            }
        }

        next.ReturnChunks();
    }
}
