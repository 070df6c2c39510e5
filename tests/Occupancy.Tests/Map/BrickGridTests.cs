using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Map;

public class BrickGridTests
{
    [Fact]
    public void A_map_spanning_the_whole_index_range_keeps_every_voxel()
    {
        // Voxels at opposite corners of the index range: the brick directory's box with margins is 3 × 2^20 bricks a side,
        // whose cell count wrapped a long to a negative number that passed the size check; the directory was then built
        // with no cells and every later voxel threw IndexOutOfRangeException. Now the directory stays small and the
        // hash table finds the far bricks.
        var map = new OccupancyMap(1.0);
        int lo = OccupancyMap.MinVoxelIndex, hi = OccupancyMap.MaxVoxelIndex;
        var keys = new List<VoxelKey>
        {
            new(lo, lo, lo), new(hi, hi, hi), new(0, 0, 0), new(lo, hi, 0), new(hi / 2, lo / 2, hi / 3),
            new(7_076_450, -7_076_337, 7_076_450), new(741, -20, -67), new(742, -20, -67),
        };
        foreach (VoxelKey key in keys)
        {
            map.UpdateVoxel(key, occupied: true);
        }

        foreach (VoxelKey key in keys)
        {
            Assert.Equal(map.SensorModel.HitLogOdds, map.GetLogOdds(key));
        }

        Assert.True(float.IsNaN(map.GetLogOdds(new VoxelKey(743, -20, -67))));
        Assert.Equal(keys.Count, map.CountVoxels().Known);
    }

    [Fact]
    public void Bricks_the_directory_cannot_hold_are_found_in_the_hash_table_added_once_and_released()
    {
        // At 1 m, a brick 2^22 voxels away cannot share a directory with the bricks near the origin: the directory holds
        // the near ones, the hash table the far one (and only it: the directory still grows around the near ones).
        var map = new OccupancyMap(1.0);
        var near = new VoxelKey(3, 4, 5);
        var near2 = new VoxelKey(40, -12, 9);
        var far = new VoxelKey(1 << 22, 1 << 22, 1 << 22);
        map.UpdateVoxel(near, occupied: true);
        map.UpdateVoxel(far, occupied: true);
        map.UpdateVoxel(near2, occupied: false);
        Assert.Equal(3, map.BrickCount);
        Assert.Equal(1, map.HashedBricks);

        // Each brick again: found where it went, not added a second time.
        map.UpdateVoxel(far, occupied: true);
        map.UpdateVoxel(near, occupied: true);
        map.UpdateVoxel(new VoxelKey(far.X + 1, far.Y, far.Z), occupied: false);
        Assert.Equal(3, map.BrickCount);
        Assert.Equal(1, map.HashedBricks);
        Assert.Equal(2 * map.SensorModel.HitLogOdds, map.GetLogOdds(far));
        Assert.Equal(2 * map.SensorModel.HitLogOdds, map.GetLogOdds(near));
        Assert.Equal(map.SensorModel.MissLogOdds, map.GetLogOdds(near2));
        Assert.Equal(VoxelState.Occupied, map.GetState(map.CenterOf(far)));

        // The near bricks released, the directory rebuilt around the far one: the far brick is in both, found, and
        // released from both.
        Assert.Equal(2, map.ClearRegion(new Aabb(new System.Numerics.Vector3(-100), new System.Numerics.Vector3(100))));
        Assert.Equal(1, map.BrickCount);
        map.CompactDirectory();
        Assert.Equal(2 * map.SensorModel.HitLogOdds, map.GetLogOdds(far));
        Assert.Equal(2, map.ClearRegion(new Aabb(map.CenterOf(far) - new System.Numerics.Vector3(4), map.CenterOf(far) + new System.Numerics.Vector3(4))));
        Assert.Equal(0, map.BrickCount);
        Assert.Equal(0, map.HashedBricks);
        Assert.True(float.IsNaN(map.GetLogOdds(far)));

        // Added again, it goes to the directory that now covers it.
        map.UpdateVoxel(far, occupied: false);
        Assert.Equal(1, map.BrickCount);
        Assert.Equal(0, map.HashedBricks);
        Assert.Equal(map.SensorModel.MissLogOdds, map.GetLogOdds(far));
        Assert.Equal(1, map.CountVoxels().Known);
    }

    [Fact]
    public void Threads_adding_bricks_the_directory_cannot_hold_add_each_once()
    {
        // Scans near the origin and 3 600 km away, at 1 m: the directory holds the near bricks, the hash table the far
        // ones. Threads that reach a new far brick together race to add it; the one that comes second must find it (in
        // the table, under the map's lock) rather than add it again. The maps must equal a one-thread build's.
        var random = new Random(19);
        Vector3 near = new(0.5f, 0.5f, 1.5f), far = new(3_000_000.5f, -2_000_000.5f, 1.5f);
        Vector3[] Cloud(Vector3 origin)
        {
            var points = new Vector3[4000];
            for (int i = 0; i < points.Length; i++)
            {
                var direction = Vector3.Normalize(new Vector3((float)((random.NextDouble() * 2) - 1), (float)((random.NextDouble() * 2) - 1), (float)((random.NextDouble() * 0.6) - 0.3)));
                points[i] = origin + (direction * (float)(5 + (random.NextDouble() * 25)));
            }

            return points;
        }

        Vector3[] nearCloud = Cloud(near), farCloud = Cloud(far);
        OccupancyMap Build(int threads)
        {
            var map = new OccupancyMap(1.0);
            var integrator = new PointCloudIntegrator(map) { MaxDegreeOfParallelism = threads };
            for (int i = 0; i < 3; i++)
            {
                integrator.IntegrateWorldFrame(nearCloud, near);
                integrator.IntegrateWorldFrame(farCloud, far);
            }

            return map;
        }

        OccupancyMap one = Build(1);
        Assert.True(one.HashedBricks > 50 && one.HashedBricks < one.BrickCount, $"{one.HashedBricks} of {one.BrickCount} bricks hashed");
        for (int run = 0; run < 4; run++)
        {
            OccupancyMap many = Build(4);
            Assert.Equal(one.BrickCount, many.BrickCount);
            Assert.Equal(one.HashedBricks, many.HashedBricks);
            Assert.Equal(one.CountVoxels(), many.CountVoxels());
            foreach (VoxelInfo v in one.EnumerateVoxels())
            {
                Assert.Equal(v.LogOdds, many.GetLogOdds(v.Key));
            }
        }
    }
}
