using System;
using System.Runtime.CompilerServices;
using Xunit;

namespace Occupancy.Tests.Map;

/// <summary>
/// A collected map's slabs serve the next map (<see cref="SlabPool"/>). The pool is process-wide: these tests run alone
/// (<see cref="Integration.RunsAlone"/>), so that no other test's maps take or give slabs meanwhile.
/// </summary>
[Collection(nameof(Integration.RunsAlone))]
public class SlabPoolTests
{
    private const int Bricks = 300; // slabs of 8, 8 and 16 bricks, then eight full ones of 32 and part of a ninth

    [Fact]
    public void A_collected_maps_slabs_serve_the_next_map_and_carry_nothing_of_it_over()
    {
        // Earlier tests' maps collected and their slabs taken out first: the pool then holds this test's slabs only.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        while (SlabPool.TryRent() is not null)
        {
        }

        FillAndDrop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int waiting = SlabPool.Count;
        Assert.Equal(9, waiting); // the full-size slabs only

        // A new map takes them before allocating: its bricks hold what it wrote, nothing of the old map's all-occupied
        // cells.
        var map = new OccupancyMap(0.1);
        for (int b = 0; b < Bricks; b++)
        {
            map.UpdateVoxel(new VoxelKey(b * 8, 0, 3), occupied: false);
        }

        Assert.Equal(0, SlabPool.Count);
        VoxelCounts counts = map.CountVoxels();
        Assert.Equal(Bricks, counts.Known);
        Assert.Equal(0, counts.Occupied);
        for (int b = 0; b < Bricks; b++)
        {
            Assert.Equal(map.SensorModel.MissLogOdds, map.GetLogOdds(new VoxelKey(b * 8, 0, 3)));
            Assert.True(float.IsNaN(map.GetLogOdds(new VoxelKey((b * 8) + 1, 0, 3))));
        }
    }

    [Fact]
    public void Slabs_no_map_asks_for_go_to_the_collector_half_at_a_time_and_all_under_memory_pressure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        while (SlabPool.TryRent() is not null)
        {
        }

        for (int i = 0; i < 8; i++)
        {
            SlabPool.Return(GC.AllocateUninitializedArray<float>(OccupancyMap.FullSlabFloats));
        }

        Assert.Equal(0, SlabPool.Trim(all: false)); // asked for since the last trim (the drain): all stay
        Assert.Equal(8, SlabPool.Count);
        Assert.Equal(4, SlabPool.Trim(all: false)); // no one asked: half go
        Assert.Equal(2, SlabPool.Trim(all: false));
        Assert.NotNull(SlabPool.TryRent());
        Assert.Equal(0, SlabPool.Trim(all: false));
        Assert.Equal(1, SlabPool.Trim(all: true)); // high memory load: all go
        Assert.Equal(0, SlabPool.Count);
    }

    [Fact]
    public void A_full_collection_trims_slabs_no_map_asked_for()
    {
        // The trimmer is in the oldest generation after a few full collections; then each full collection trims.
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        while (SlabPool.TryRent() is not null)
        {
        }

        for (int i = 0; i < 8; i++)
        {
            SlabPool.Return(GC.AllocateUninitializedArray<float>(OccupancyMap.FullSlabFloats));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(8, SlabPool.Count); // asked for since the last trim (the drain)
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(4, SlabPool.Count);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(2, SlabPool.Count);
    }

    /// <summary>A map of <see cref="Bricks"/> all-occupied bricks, left for the collector.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FillAndDrop()
    {
        var map = new OccupancyMap(0.1);
        for (int b = 0; b < Bricks; b++)
        {
            map.AdoptFilledBrick(b, 0, 0, map.SensorModel.ClampMaxLogOdds);
        }

        Assert.Equal(Bricks * VoxelKey.BrickVoxels, map.CountVoxels().Occupied);
    }
}
