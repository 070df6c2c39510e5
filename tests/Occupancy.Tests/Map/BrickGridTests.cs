using System.Collections.Generic;
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
}
