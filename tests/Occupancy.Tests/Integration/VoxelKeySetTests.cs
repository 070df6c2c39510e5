using System;
using System.Collections.Generic;
using Occupancy.Integration;
using Occupancy.Map;
using Xunit;

namespace Occupancy.Tests.Integration;

public class VoxelKeySetTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(40)]
    [InlineData(5000)]
    public void Add_and_Contains_agree_with_a_hash_set_across_growth_and_clears(int range)
    {
        // Keys from a small range repeat often (the cache of recent keys answers them) and collide in its 1024 entries;
        // 20 000 adds a round grow the table several times. The oracle is HashSet.
        var rng = new Random(17);
        var set = new VoxelKeySet();
        for (int round = 0; round < 4; round++)
        {
            var oracle = new HashSet<VoxelKey>();
            for (int i = 0; i < 20_000; i++)
            {
                var key = new VoxelKey(rng.Next(-range, range), rng.Next(-range, range), rng.Next(-3, 3));
                Assert.Equal(oracle.Add(key), set.Add(key));
            }

            Assert.Equal(oracle.Count, set.Count);
            foreach (VoxelKey key in oracle)
            {
                Assert.True(set.Contains(key));
            }

            Assert.False(set.Contains(new VoxelKey(range + 1, 0, 0)));
            set.Clear();
            Assert.Equal(0, set.Count);
            foreach (VoxelKey key in oracle)
            {
                Assert.False(set.Contains(key));
            }

            // After a clear, a key the cache held must be added again.
            foreach (VoxelKey key in oracle)
            {
                Assert.True(set.Add(key));
                break;
            }

            set.Clear();
        }
    }

    [Fact]
    public void A_key_evicted_from_the_cache_is_still_found_in_the_table()
    {
        var set = new VoxelKeySet();
        var first = new VoxelKey(1, 2, 3);
        Assert.True(set.Add(first));
        for (int i = 0; i < 5000; i++)
        {
            set.Add(new VoxelKey(i, -i, 7)); // overwrites every cache entry, grows the table
        }

        Assert.False(set.Add(first));
        Assert.True(set.Contains(first));
    }
}
