using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Map;

public class QueryTests
{
    /// <summary>A random map: each voxel of a 24³ block is unknown, free or occupied with equal chance.</summary>
    private static OccupancyMap RandomMap(int seed, out Dictionary<VoxelKey, VoxelState> truth)
    {
        var random = new Random(seed);
        var map = new OccupancyMap(0.1);
        truth = [];
        for (int x = -12; x < 12; x++)
        {
            for (int y = -12; y < 12; y++)
            {
                for (int z = -12; z < 12; z++)
                {
                    int kind = random.Next(6);
                    var key = new VoxelKey(x, y, z);
                    if (kind == 0)
                    {
                        map.UpdateVoxel(key, occupied: true);
                        truth[key] = VoxelState.Occupied;
                    }
                    else if (kind <= 2)
                    {
                        map.UpdateVoxel(key, occupied: false);
                        truth[key] = VoxelState.Free;
                    }
                }
            }
        }

        return map;
    }

    [Fact]
    public void States_from_log_odds_equal_the_scalar_rule_for_special_values_and_every_tail()
    {
        // The vector conversion (four at a time from two compares) against "NaN unknown, at or above the threshold
        // occupied, else free", for values at the threshold, either side of it, zeros, infinities and NaN.
        float threshold = SensorModel.Default.OccupiedLogOdds;
        float[] pool = [float.NaN, threshold, MathF.BitDecrement(threshold), MathF.BitIncrement(threshold), 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, -2f, 3.5f, float.MaxValue, -float.Epsilon];
        var random = new Random(12);
        for (int length = 0; length <= 13; length++)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = pool[random.Next(pool.Length)];
            }

            foreach (KernelWidth width in KernelFamilies.Lookups.Supported)
            {
                var states = new VoxelState[length];
                OccupancyMap.ToStates(values, threshold, states, width);
                for (int i = 0; i < length; i++)
                {
                    VoxelState expected = float.IsNaN(values[i]) ? VoxelState.Unknown : values[i] >= threshold ? VoxelState.Occupied : VoxelState.Free;
                    Assert.Equal(expected, states[i]);
                }
            }
        }
    }

    [Fact]
    public void Single_lookups_classify_bits_as_the_float_rule_does()
    {
        // The branch-free state of one lookup (integer compares of the bits) against "NaN unknown, at or above the
        // threshold occupied, else free", for thresholds of either sign and zero of either sign, on special values
        // and random bit patterns (every kind of NaN included).
        var random = new Random(31);
        float[] thresholds = [SensorModel.Default.OccupiedLogOdds, 0f, -0f, -1.5f, float.Epsilon, -float.Epsilon];
        foreach (float threshold in thresholds)
        {
            int key = OccupancyMap.OrderedBits(BitConverter.SingleToInt32Bits(threshold));
            float[] pool = [float.NaN, -float.NaN, threshold, MathF.BitDecrement(threshold), MathF.BitIncrement(threshold), 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, -2f, 3.5f];
            for (int i = 0; i < pool.Length + 100_000; i++)
            {
                int bits = i < pool.Length ? BitConverter.SingleToInt32Bits(pool[i]) : random.Next(int.MinValue, int.MaxValue);
                float value = BitConverter.Int32BitsToSingle(bits);
                VoxelState expected = float.IsNaN(value) ? VoxelState.Unknown : value >= threshold ? VoxelState.Occupied : VoxelState.Free;
                Assert.True(expected == OccupancyMap.StateOfBits(bits, key), $"bits 0x{bits:X8} ({value}) against threshold {threshold}");
            }
        }
    }

    [Fact]
    public void Single_lookups_answer_without_a_brick_in_the_first_slot()
    {
        // A lookup of an absent brick reads the first slot's cell and masks it: an empty map has no such cell, nor has
        // a map whose first brick was released; both answer as the map holds.
        var map = new OccupancyMap(0.1);
        Assert.Equal(VoxelState.Unknown, map.GetState(new Vector3(0.05f, 0.05f, 0.05f)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(3, 4, 5)));
        map.UpdateVoxel(new VoxelKey(0, 0, 0), occupied: true); // slot 0
        map.UpdateVoxel(new VoxelKey(40, 0, 0), occupied: false); // slot 1
        Assert.Equal(VoxelState.Occupied, map.GetState(new Vector3(0.05f, 0.05f, 0.05f)));
        Assert.Equal(VoxelState.Free, map.GetState(new VoxelKey(40, 0, 0)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(41, 0, 0)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(-100, 0, 0)));
        Assert.Equal(1, map.ClearRegion(new Aabb(new Vector3(-0.05f), new Vector3(0.85f)))); // brick 0's one voxel
        Assert.Equal(1, map.BrickCount); // and with it the brick: slot 0 is empty
        Assert.Equal(VoxelState.Unknown, map.GetState(new Vector3(0.05f, 0.05f, 0.05f)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(-100, 0, 0)));
        Assert.Equal(VoxelState.Free, map.GetState(new VoxelKey(40, 0, 0)));
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(OccupancyMap.MaxVoxelIndex + 1, 0, 0)));
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(50_003)] // split over the cores in slices, the last one partial
    public void Point_and_batch_queries_match_the_stored_states(int count)
    {
        OccupancyMap map = RandomMap(1, out Dictionary<VoxelKey, VoxelState> truth);
        var random = new Random(2);
        var points = new Vector3[count];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = new Vector3((random.NextSingle() - 0.5f) * 3, (random.NextSingle() - 0.5f) * 3, (random.NextSingle() - 0.5f) * 3);
        }

        points[7] = new Vector3(float.NaN, 0, 0);
        points[8] = new Vector3(0, float.PositiveInfinity, 0);
        points[9] = new Vector3(1e7f, 0, 0); // outside the map
        points[10] = new Vector3(0.05f, 0.05f, 0.05f); // a voxel boundary
        for (int i = 11; i < 400; i += 3)
        {
            points[i] = new Vector3(500 + i, -300, 2); // in the map, far outside the brick directory
        }

        map.UpdateVoxel(map.KeyOf(points[11]), occupied: true); // one brick out there, found through the hash table
        truth[map.KeyOf(points[11])] = VoxelState.Occupied;
        var states = new VoxelState[points.Length];
        var logOdds = new float[points.Length];
        map.GetStates(points, states);
        map.GetLogOdds(points, logOdds);
        for (int i = 0; i < points.Length; i++)
        {
            VoxelState expected = map.TryGetKey(points[i], out VoxelKey key) && truth.TryGetValue(key, out VoxelState s) ? s : VoxelState.Unknown;
            Assert.Equal(expected, states[i]);
            Assert.Equal(expected, map.GetState(points[i]));
            Assert.Equal(expected == VoxelState.Unknown, float.IsNaN(logOdds[i]));
            Assert.Equal(map.TryGetKey(points[i], out VoxelKey k2) ? map.GetLogOdds(k2) : float.NaN, logOdds[i]);
        }

        Assert.Equal("states", Assert.Throws<ArgumentException>(() => map.GetStates(points, new VoxelState[3])).ParamName);
        Assert.Equal("logOdds", Assert.Throws<ArgumentException>(() => map.GetLogOdds(points, new float[3])).ParamName);
    }

    [Fact]
    public void Counts_and_region_enumeration_match_brute_force()
    {
        OccupancyMap map = RandomMap(3, out Dictionary<VoxelKey, VoxelState> truth);
        VoxelCounts counts = map.CountVoxels();
        int occupied = 0;
        foreach (VoxelState s in truth.Values)
        {
            occupied += s == VoxelState.Occupied ? 1 : 0;
        }

        Assert.Equal(occupied, counts.Occupied);
        Assert.Equal(truth.Count - occupied, counts.Free);

        var region = new Aabb(new Vector3(-0.42f, -0.1f, 0.33f), new Vector3(0.61f, 0.9f, 0.77f));
        var expected = new HashSet<VoxelKey>();
        foreach ((VoxelKey key, VoxelState s) in truth)
        {
            if (s == VoxelState.Occupied && region.Contains(map.CenterOf(key)))
            {
                expected.Add(key);
            }
        }

        var actual = new HashSet<VoxelKey>();
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(region, VoxelState.Occupied))
        {
            Assert.Equal(VoxelState.Occupied, v.State);
            Assert.True(actual.Add(v.Key));
        }

        Assert.Equal(expected, actual);
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => map.EnumerateVoxelsIn(region, VoxelState.Unknown)).ParamName);
    }

    [Fact]
    public void Ray_casts_match_a_brute_force_march_on_random_maps()
    {
        OccupancyMap map = RandomMap(4, out Dictionary<VoxelKey, VoxelState> truth);
        var random = new Random(5);
        for (int i = 0; i < 500; i++)
        {
            var origin = new Vector3((random.NextSingle() - 0.5f) * 2, (random.NextSingle() - 0.5f) * 2, (random.NextSingle() - 0.5f) * 2);
            var direction = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f));
            float length = 0.2f + (random.NextSingle() * 2);
            foreach (UnknownPolicy policy in new[] { UnknownPolicy.TreatAsFree, UnknownPolicy.TreatAsOccupied, UnknownPolicy.Report })
            {
                RayCastResult result = map.CastRay(origin, direction, length, policy);
                // Oracle: march in steps of 1/2000 voxel and stop at the first voxel that stops the ray.
                (RayCastOutcome outcome, VoxelKey key) = March(map, truth, origin, direction, length, policy);
                if (outcome != result.Outcome || (outcome != RayCastOutcome.NoHit && key != result.Key))
                {
                    // The march may step over a voxel the ray only clips; accept only if the cast's voxel is next to it.
                    Assert.True(Math.Abs(key.X - result.Key.X) + Math.Abs(key.Y - result.Key.Y) + Math.Abs(key.Z - result.Key.Z) <= 2, $"ray {i} {policy}: cast {result}, march {outcome} {key}");
                    continue;
                }

                if (outcome != RayCastOutcome.NoHit)
                {
                    // The reported point lies on (or in) the reported voxel.
                    Vector3 lo = map.CenterOf(result.Key) - new Vector3(0.05f + 1e-4f), hi = map.CenterOf(result.Key) + new Vector3(0.05f + 1e-4f);
                    Assert.True(new Aabb(lo, hi).Contains(result.Point), $"point {result.Point} is not on voxel {result.Key}");
                    Assert.Equal(Vector3.Distance(origin, result.Point), result.Distance, 3);
                }
            }
        }
    }

    [Fact]
    public void Ray_casts_through_sparse_maps_match_the_march()
    {
        // A few occupied and free voxels scattered over 12 m: rays mostly cross unobserved bricks, which are skipped whole.
        var random = new Random(8);
        var map = new OccupancyMap(0.05);
        var truth = new Dictionary<VoxelKey, VoxelState>();
        for (int i = 0; i < 3000; i++)
        {
            var key = new VoxelKey(random.Next(-120, 120), random.Next(-120, 120), random.Next(-20, 20));
            bool occupied = random.Next(3) == 0;
            if (truth.TryAdd(key, occupied ? VoxelState.Occupied : VoxelState.Free))
            {
                map.UpdateVoxel(key, occupied);
            }
        }

        int hits = 0;
        for (int i = 0; i < 400; i++)
        {
            var origin = new Vector3((random.NextSingle() - 0.5f) * 8, (random.NextSingle() - 0.5f) * 8, (random.NextSingle() - 0.5f) * 1.5f);
            var direction = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, (random.NextSingle() - 0.5f) * 0.2f));
            if (i % 7 == 0)
            {
                direction = i % 2 == 0 ? Vector3.UnitX : -Vector3.UnitY; // axis-parallel: two axes never step
            }

            RayCastResult result = map.CastRay(origin, direction, 6f, UnknownPolicy.TreatAsFree);
            (RayCastOutcome outcome, VoxelKey key) = March(map, truth, origin, direction, 6f, UnknownPolicy.TreatAsFree);
            Assert.Equal(outcome, result.Outcome);
            if (outcome == RayCastOutcome.Hit)
            {
                hits++;
                Assert.Equal(key, result.Key);
                Vector3 lo = map.CenterOf(result.Key) - new Vector3(0.025f + 1e-4f), hi = map.CenterOf(result.Key) + new Vector3(0.025f + 1e-4f);
                Assert.True(new Aabb(lo, hi).Contains(result.Point), $"point {result.Point} is not on voxel {result.Key}");
            }
            else
            {
                Assert.Equal(map.KeyOf(origin + (direction * 6f)), result.Key); // the walk reached the end voxel
            }
        }

        Assert.True(hits > 20, $"only {hits} rays hit");
    }

    private static (RayCastOutcome, VoxelKey) March(OccupancyMap map, Dictionary<VoxelKey, VoxelState> truth, Vector3 origin, Vector3 direction, float length, UnknownPolicy policy)
    {
        int steps = (int)(length / map.Resolution * 2000);
        for (int s = 0; s <= steps; s++)
        {
            VoxelKey key = map.KeyOf(origin + (direction * (length * s / steps)));
            VoxelState state = truth.TryGetValue(key, out VoxelState v) ? v : VoxelState.Unknown;
            if (state == VoxelState.Occupied || (state == VoxelState.Unknown && policy == UnknownPolicy.TreatAsOccupied))
            {
                return (RayCastOutcome.Hit, key);
            }

            if (state == VoxelState.Unknown && policy == UnknownPolicy.Report)
            {
                return (RayCastOutcome.Unknown, key);
            }
        }

        return (RayCastOutcome.NoHit, default);
    }

    [Fact]
    public void Ray_casts_see_changes_to_bricks_they_skipped_before()
    {
        // A row of free voxels: the first cast skips their bricks as holding nothing occupied.
        var map = new OccupancyMap(0.1);
        var integrator = new PointCloudIntegrator(map);
        integrator.IntegrateWorldFrame([new Vector3(5.05f, 0.05f, 0.05f)], new Vector3(0.05f, 0.05f, 0.05f));
        RayCastResult before = map.CastRay(new Vector3(0.05f, 0.05f, 0.05f), Vector3.UnitX, 4f, UnknownPolicy.TreatAsFree);
        Assert.Equal(RayCastOutcome.NoHit, before.Outcome);

        // One voxel in the middle becomes occupied (by an update, then by an integration): the cast must stop there.
        map.UpdateVoxel(new VoxelKey(20, 0, 0), occupied: true);
        map.UpdateVoxel(new VoxelKey(20, 0, 0), occupied: true);
        Assert.Equal(new VoxelKey(20, 0, 0), map.CastRay(new Vector3(0.05f, 0.05f, 0.05f), Vector3.UnitX, 4f, UnknownPolicy.TreatAsFree).Key);
        integrator.IntegrateWorldFrame([new Vector3(1.25f, 0.05f, 0.05f)], new Vector3(0.05f, 0.05f, 0.05f));
        RayCastResult after = map.CastRay(new Vector3(0.05f, 0.05f, 0.05f), Vector3.UnitX, 4f, UnknownPolicy.TreatAsFree);
        Assert.Equal(RayCastOutcome.Hit, after.Outcome);
        Assert.Equal(new VoxelKey(12, 0, 0), after.Key);
        Assert.Equal(1.15f, after.Distance, 4);
    }

    [Fact]
    public void Ray_cast_rejects_bad_input_by_name()
    {
        var map = new OccupancyMap(0.1);
        Assert.Equal("origin", Assert.Throws<ArgumentException>(() => map.CastRay(new Vector3(float.NaN), Vector3.UnitX, 1, UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentException>(() => map.CastRay(Vector3.Zero, Vector3.Zero, 1, UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentException>(() => map.CastRay(Vector3.Zero, new Vector3(float.NaN), 1, UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("maxDistance", Assert.Throws<ArgumentOutOfRangeException>(() => map.CastRay(Vector3.Zero, Vector3.UnitX, 0, UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("maxDistance", Assert.Throws<ArgumentException>(() => map.CastRay(Vector3.Zero, Vector3.UnitX, 1e7f, UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("unknown", Assert.Throws<ArgumentOutOfRangeException>(() => map.CastRay(Vector3.Zero, Vector3.UnitX, 1, (UnknownPolicy)9)).ParamName);
    }

    [Fact]
    public void Clearing_forgets_voxels_and_reuses_or_returns_their_memory()
    {
        var map = new OccupancyMap(0.1);
        var integrator = new PointCloudIntegrator(map);
        integrator.IntegrateWorldFrame([new Vector3(3, 0.05f, 0.05f), new Vector3(-3, 0.05f, 0.05f)], new Vector3(0.05f, 0.05f, 0.05f));
        long full = map.MemoryBytes;
        int bricks = map.BrickCount;
        long cleared = map.ClearRegion(new Aabb(new Vector3(0, -1, -1), new Vector3(4, 1, 1)));
        Assert.Equal(31, cleared); // voxels 0..29 free and voxel 30 hit, on +x
        Assert.True(map.BrickCount < bricks);
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(5, 0, 0)));
        Assert.Equal(VoxelState.Free, map.GetState(new VoxelKey(-5, 0, 0)));

        // Released bricks' memory serves the next bricks: the same scan again costs nothing more, and its voxels come
        // back all unknown before the scan updates them (the released cells were reset).
        int left = map.BrickCount;
        integrator.IntegrateWorldFrame([new Vector3(3, 0.05f, 0.05f)], new Vector3(0.05f, 0.05f, 0.05f));
        Assert.Equal(bricks, map.BrickCount);
        Assert.Equal(full, map.MemoryBytes);
        Assert.Equal(map.SensorModel.HitLogOdds, map.GetLogOdds(new VoxelKey(30, 0, 0)));
        Assert.Equal(map.SensorModel.MissLogOdds, map.GetLogOdds(new VoxelKey(29, 0, 0)));
        Assert.True(float.IsNaN(map.GetLogOdds(new VoxelKey(31, 0, 0))));
        Assert.True(left < bricks);

        map.Clear();
        Assert.Equal(0, map.BrickCount);
        Assert.Equal(0, map.CountVoxels().Known);
        Assert.True(map.MemoryBytes < full); // Clear returns the voxels' memory

        // The map keeps working after clearing: slots are reused.
        integrator.IntegrateWorldFrame([new Vector3(1, 0.05f, 0.05f)], new Vector3(0.05f, 0.05f, 0.05f));
        Assert.Equal(VoxelState.Occupied, map.GetState(new VoxelKey(10, 0, 0)));
    }
}
