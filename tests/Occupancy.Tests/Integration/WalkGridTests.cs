using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Integration;

/// <summary>The pool of walk grids is process-wide: its tests run alone, so that no other test takes or returns grids meanwhile.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(RunsAlone))]
public class WalkGridTests
{
    [Theory]
    [InlineData("vector256")]
    [InlineData("vector512")]
    public void Integrators_made_and_dropped_freely_keep_memory_flat(string walk)
    {
        Assert.SkipUnless(KernelFamilies.Walk.Runs(KernelData.Width(walk)), $"this leg does not run walk={walk} (the scalar walk uses no grid)");
        // A program that makes an integrator per scan: each scan takes walk grids (16 MiB each) from the pool and gives
        // them back at its end, so memory stays flat however many integrators come and go. (With grids returned only
        // by finalizers, 300 such integrators held 1.9 GB after a compacting collection.)
        Vector3[] cloud = TestData.RoomCloud(9)[..20_000];
        Vector3 origin = StandardRoom.CameraPose(9).Position;
        var map = new OccupancyMap(StandardRoom.Resolution, null, KernelData.With(KernelFamilies.Walk, walk));
        for (int i = 0; i < 20; i++)
        {
            IntegrateWithANewIntegrator(map, cloud, origin);
        }

        long before = Settled();
        for (int i = 0; i < 200; i++)
        {
            IntegrateWithANewIntegrator(map, cloud, origin);
        }

        long after = Settled();
        TestContext.Current.TestOutputHelper?.WriteLine($"walk {walk}: managed heap {before / 1e6:F1} MB after 20 integrators, {after / 1e6:F1} MB after 220");
        Assert.True(after - before < 32 << 20, $"{(after - before) / 1e6:F1} MB more after 200 more integrators");
    }

    [Fact]
    public void A_worker_abandoning_a_failed_scan_drops_its_marked_grid_and_the_pool_holds_only_clean_grids()
    {
        Assert.SkipUnless(KernelFamilies.Walk.Runs(KernelWidth.Vector256), "no AVX2 on this leg: the scalar walk uses no grid");
        var map = new OccupancyMap(StandardRoom.Resolution, null, KernelSet.Best.With(KernelFamilies.Walk, KernelWidth.Vector256));
        var marks = new SlotWords(ScanClaims.WordsPerBrick);
        var worker = new ScanWorker(map, marks, map.Kernels);
        worker.Reset();
        Vector3 origin = StandardRoom.CameraPose(7).Position;
        Assert.True(map.TryGetKey(origin, out VoxelKey originKey));
        worker.BeginRays(origin, originKey, map.InverseResolution, map.Resolution, StandardRoom.MaxRange);
        foreach (Vector3 p in TestData.RoomCloud(7).AsSpan(0, 2000))
        {
            Assert.True(map.TryGetKey(p, out VoxelKey end));
            worker.MarkRay(origin, p, originKey, end);
        }

        worker.FlushLanes();
        worker.EndRays();
        Assert.True(worker.GridInUse(out _, out _, out _, out _, out _, out _, out _), "the lanes marked nothing");
        worker.Abandon();
        Assert.False(worker.GridInUse(out _, out _, out _, out _, out _, out _, out _));

        // Every grid the pool hands out is clean (the marked one was not returned).
        var taken = new byte[WalkGridPool.Capacity + 1][];
        for (int i = 0; i < taken.Length; i++)
        {
            taken[i] = WalkGridPool.Rent();
            Assert.Equal(-1, taken[i].AsSpan().IndexOfAnyExcept((byte)0));
        }

        foreach (byte[] grid in taken)
        {
            WalkGridPool.Return(grid);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void IntegrateWithANewIntegrator(OccupancyMap map, Vector3[] cloud, Vector3 origin) =>
        new PointCloudIntegrator(map, StandardRoom.MaxRange) { MaxDegreeOfParallelism = 2 }.IntegrateWorldFrame(cloud, origin);

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
