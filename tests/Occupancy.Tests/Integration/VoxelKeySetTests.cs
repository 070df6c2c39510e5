using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(-1000, 37, 5)]
    [InlineData(OccupancyMap.MaxVoxelIndex, OccupancyMap.MinVoxelIndex, 0)] // the window reaches past the map's index range
    public void A_window_and_the_table_together_agree_with_a_hash_set(int cx, int cy, int cz)
    {
        // Keys within 150 voxels of the centre: most fall in the window (bits), the rest in the table; the window
        // moves between rounds (up to 150 voxels off the keys' centre), and every round's answers must be HashSet's.
        var rng = new Random(23);
        var set = new VoxelKeySet();
        int inside = 0;
        for (int round = 0; round < 4; round++)
        {
            var centre = new VoxelKey(cx + (round * 50), cy - (round * 50), cz);
            set.Recenter(centre);
            var oracle = new HashSet<VoxelKey>();
            for (int i = 0; i < 20_000; i++)
            {
                var key = new VoxelKey(Near(rng, cx), Near(rng, cy), Near(rng, cz));
                inside += InWindow(key, centre) ? 1 : 0;
                Assert.Equal(oracle.Add(key), set.Add(key));
            }

            Assert.Equal(oracle.Count, set.Count);
            for (int i = 0; i < 5000; i++)
            {
                var key = new VoxelKey(Near(rng, cx), Near(rng, cy), Near(rng, cz));
                Assert.Equal(oracle.Contains(key), set.Contains(key));
            }

            Assert.Throws<InvalidOperationException>(() => set.Recenter(centre)); // not empty
            set.Clear();
            Assert.Equal(0, set.Count);
            foreach (VoxelKey key in oracle)
            {
                Assert.False(set.Contains(key));
            }
        }

        Assert.InRange(inside, 4000, 76_000); // of 80 000 adds: both halves of the set were used

        static int Near(Random rng, int c) => Math.Clamp(c + rng.Next(-150, 151), OccupancyMap.MinVoxelIndex, OccupancyMap.MaxVoxelIndex);
    }

    [Fact]
    public void Present8_reports_exactly_the_valid_lanes_whose_key_the_window_holds()
    {
        // Queries drawn from a pool of keys half of which were added (inside and outside the window, and beyond it in
        // z), a quarter of the lanes switched off, keys there included: Present8 must report exactly the switched-on
        // lanes whose key is in the window and in the set.
        Assert.SkipUnless(Avx2.IsSupported, "no AVX2 on this leg: the scalar Add is the only path");
        var rng = new Random(29);
        var set = new VoxelKeySet();
        var centre = new VoxelKey(40, -60, 3);
        set.Recenter(centre);
        var pool = new VoxelKey[4000];
        for (int i = 0; i < pool.Length; i++)
        {
            pool[i] = RandomKey(rng, centre);
            if (i % 2 == 0)
            {
                set.Add(pool[i]);
            }
        }

        var xs = new int[8];
        var ys = new int[8];
        var zs = new int[8];
        var valid = new int[8];
        int reported = 0, offAndPresent = 0;
        for (int round = 0; round < 2000; round++)
        {
            uint expected = 0;
            for (int lane = 0; lane < 8; lane++)
            {
                VoxelKey key = pool[rng.Next(pool.Length)];
                (xs[lane], ys[lane], zs[lane]) = (key.X, key.Y, key.Z);
                valid[lane] = rng.Next(4) == 0 ? 0 : -1;
                bool present = InWindow(key, centre) && set.Contains(key);
                offAndPresent += present && valid[lane] == 0 ? 1 : 0;
                expected |= present && valid[lane] != 0 ? 1u << lane : 0;
            }

            uint actual = set.Present8(Vector256.Create(xs), Vector256.Create(ys), Vector256.Create(zs), Vector256.Create(valid));
            Assert.Equal(expected, actual);
            reported += BitOperations.PopCount(actual);
        }

        Assert.InRange(reported, 2000, 12_000); // about a third of the 12 000 switched-on lanes
        Assert.True(offAndPresent > 500, $"{offAndPresent}");

        // Outside the window Present8 says nothing even for keys the table holds.
        var far = new VoxelKey(centre.X + 500, centre.Y, centre.Z);
        set.Add(far);
        Assert.Equal(0u, set.Present8(Vector256.Create(far.X), Vector256.Create(far.Y), Vector256.Create(far.Z), Vector256.Create(-1)));

        static VoxelKey RandomKey(Random rng, VoxelKey c) => new(c.X + rng.Next(-140, 140), c.Y + rng.Next(-140, 140), c.Z + rng.Next(-80, 80));
    }

    [Fact]
    public void Keys_on_and_around_the_window_faces_are_not_confused()
    {
        // Every combination of keys on, just inside and just outside each face of the window (128 voxels either side of
        // the centre along x and y, 64 along z): a key just outside whose bits were taken as inside would alias a key
        // inside (256 = 1 << 8 is the next axis's bit). Half of them added, in random order, four times; Add, Contains
        // and Present8 answer as HashSet does.
        int[] offsets = [-129, -128, -127, -2, -1, 0, 1, 126, 127, 128, 129];
        int[] heights = [-65, -64, -63, -1, 0, 1, 62, 63, 64, 65, 129];
        var centre = new VoxelKey(7, -3, 100);
        var keys = new List<VoxelKey>();
        foreach (int dx in offsets)
        {
            foreach (int dy in offsets)
            {
                foreach (int dz in heights)
                {
                    keys.Add(new VoxelKey(centre.X + dx, centre.Y + dy, centre.Z + dz));
                }
            }
        }

        var rng = new Random(31);
        var set = new VoxelKeySet();
        for (int round = 0; round < 4; round++)
        {
            set.Recenter(centre);
            var oracle = new HashSet<VoxelKey>();
            VoxelKey[] order = keys.ToArray();
            rng.Shuffle(order);
            foreach (VoxelKey key in order.AsSpan(0, order.Length / 2))
            {
                Assert.Equal(oracle.Add(key), set.Add(key));
            }

            for (int i = 0; i + 8 <= keys.Count; i += 8)
            {
                uint expected = 0;
                for (int lane = 0; lane < 8; lane++)
                {
                    VoxelKey key = keys[i + lane];
                    Assert.Equal(oracle.Contains(key), set.Contains(key));
                    expected |= oracle.Contains(key) && InWindow(key, centre) ? 1u << lane : 0;
                }

                if (Avx2.IsSupported)
                {
                    List<VoxelKey> lanes = keys.GetRange(i, 8);
                    uint present = set.Present8(
                        Vector256.Create(lanes.ConvertAll(k => k.X).ToArray()),
                        Vector256.Create(lanes.ConvertAll(k => k.Y).ToArray()),
                        Vector256.Create(lanes.ConvertAll(k => k.Z).ToArray()),
                        Vector256.Create(-1));
                    Assert.Equal(expected, present);
                }
            }

            set.Clear();
        }
    }

    private static bool InWindow(VoxelKey key, VoxelKey centre) =>
        key.X - centre.X is >= -128 and < 128 && key.Y - centre.Y is >= -128 and < 128 && key.Z - centre.Z is >= -64 and < 64;
}
