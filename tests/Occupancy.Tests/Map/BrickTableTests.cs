using System;
using System.Collections.Generic;
using Xunit;

namespace Occupancy.Tests.Map;

public class BrickTableTests
{
    [Fact]
    public void Matches_a_dictionary_under_random_adds_and_removes()
    {
        var random = new Random(11);
        var table = new BrickTable(16);
        var oracle = new Dictionary<long, int>();
        for (int step = 0; step < 200_000; step++)
        {
            // Small coordinate range so that keys collide and removals hit existing entries often.
            long key = VoxelKey.PackBrick(random.Next(-40, 40), random.Next(-40, 40), random.Next(-4, 4));
            if (random.Next(3) == 0)
            {
                int expected = oracle.Remove(key, out int slot) ? slot : -1;
                Assert.Equal(expected, table.Remove(key));
            }
            else if (!oracle.ContainsKey(key))
            {
                oracle[key] = step;
                table.Add(key, step);
            }

            Assert.Equal(oracle.Count, table.Count);
        }

        foreach ((long key, int slot) in oracle)
        {
            Assert.Equal(slot, table.Find(key));
        }

        Assert.Equal(-1, table.Find(VoxelKey.PackBrick(1000, 1000, 1000)));
    }
}
