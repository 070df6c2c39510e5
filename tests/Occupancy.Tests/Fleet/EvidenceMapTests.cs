using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using CsCheck;
using Occupancy.Fleet;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Fleet;

/// <summary>Evidence maps: merges against a brute-force sum, order independence, and one map that saw every scan.</summary>
public class EvidenceMapTests
{
    /// <summary>
    /// A map of random hits and misses in a 40-voxel cube around the origin (bricks shared between maps), every other
    /// one in a 6-voxel core, where voxels take many updates and reach the clamps.
    /// </summary>
    internal static OccupancyMap RandomMap(int seed, int updates = 3000)
    {
        var random = new Random(seed);
        var map = new OccupancyMap(0.1);
        for (int i = 0; i < updates; i++)
        {
            int r = i % 2 == 0 ? 20 : 3;
            map.UpdateVoxel(new VoxelKey(random.Next(-r, r), random.Next(-r, r), random.Next(-r, r)), random.Next(i % 2 == 0 ? 3 : 2) == 0);
        }

        return map;
    }

    private static EvidenceMap EvidenceOf(OccupancyMap map)
    {
        var e = new EvidenceMap(map.Resolution);
        e.Add(map);
        return e;
    }

    private static EvidenceMap MergeTree(IReadOnlyList<EvidenceMap> leaves, Random random)
    {
        if (leaves.Count == 1)
        {
            var copy = new EvidenceMap(leaves[0].Resolution);
            copy.Add(leaves[0]);
            return copy;
        }

        int split = random.Next(1, leaves.Count);
        EvidenceMap left = MergeTree(leaves.Take(split).ToList(), random), right = MergeTree(leaves.Skip(split).ToList(), random);
        var merged = new EvidenceMap(left.Resolution);
        // Either side first: the sum cannot tell.
        (EvidenceMap a, EvidenceMap b) = random.Next(2) == 0 ? (left, right) : (right, left);
        merged.Add(a);
        merged.Add(b);
        return merged;
    }

    [Fact]
    public void Merges_give_the_same_bits_whatever_the_order_and_grouping()
    {
        // CsCheck draws the maps and the trees; each case has its own fixed seed, so the test is the same every run.
        Gen<(int Maps, int Seed)> cases = Gen.Select(Gen.Int[2, 7], Gen.Int[0, 1_000_000]);
        for (ulong n = 0; n < 24; n++)
        {
            cases.Sample(c =>
            {
                EvidenceMap[] leaves = Enumerable.Range(0, c.Maps).Select(i => EvidenceOf(RandomMap(c.Seed + i, 500 + (i * 700)))).ToArray();
                var fold = new EvidenceMap(0.1);
                foreach (EvidenceMap e in leaves)
                {
                    fold.Add(e);
                }

                byte[] expected = fold.ToBytes();
                var random = new Random(c.Seed);
                for (int tree = 0; tree < 4; tree++)
                {
                    EvidenceMap[] order = leaves.OrderBy(_ => random.Next()).ToArray();
                    EvidenceMap merged = MergeTree(order, random);
                    Assert.True(fold.ContentEquals(merged));
                    Assert.Equal(expected, merged.ToBytes());
                }
            }, seed: new PCG(3, n).ToString(), iter: 1, threads: 1);
        }
    }

    [Fact]
    public void Merged_evidence_is_each_voxels_fixed_point_sum_clamped_once_when_read()
    {
        OccupancyMap[] maps = [RandomMap(1), RandomMap(2), RandomMap(3)];
        var merged = new EvidenceMap(0.1);
        foreach (OccupancyMap m in maps)
        {
            merged.Add(m);
        }

        // Brute force: every voxel any map knows, its log-odds rounded to 2^-16 and summed.
        var sums = new Dictionary<VoxelKey, long>();
        foreach (OccupancyMap m in maps)
        {
            foreach (VoxelInfo v in m.EnumerateVoxels())
            {
                sums[v.Key] = sums.GetValueOrDefault(v.Key) + (long)Math.Round(v.LogOdds * 65536.0, MidpointRounding.ToEven);
            }
        }

        OccupancyMap read = merged.ToMap();
        SensorModel model = read.SensorModel;
        int occupied = 0;
        foreach ((VoxelKey key, long sum) in sums)
        {
            Assert.True(merged.TryGetLogOdds(key, out float l));
            Assert.Equal(sum / 65536f, l);
            float clamped = Math.Clamp(sum / 65536f, model.ClampMinLogOdds, model.ClampMaxLogOdds);
            Assert.Equal(clamped, read.GetLogOdds(key));
            occupied += read.GetState(key) == VoxelState.Occupied ? 1 : 0;
        }

        Assert.Equal(sums.Count, TestData.Snapshot(read).Count);
        Assert.InRange(occupied, 100, sums.Count - 100);
        Assert.False(merged.TryGetLogOdds(new VoxelKey(500, 0, 0), out _));
        Assert.Contains(sums.Values, s => s / 65536f > model.ClampMaxLogOdds); // the clamp was exercised
    }

    [Fact]
    public void Where_no_clamp_is_reached_the_merge_of_two_agents_equals_one_map_that_integrated_both_agents_scans()
    {
        // Clamps far away (±9.2): four scans cannot reach them, so every update counts in both.
        var model = new SensorModel(clampMinProbability: 0.0001, clampMaxProbability: 0.9999);
        OccupancyMap a = new(0.05, model), b = new(0.05, model), single = new(0.05, model);
        int[] frames = [0, 5, 10, 15];
        for (int i = 0; i < frames.Length; i++)
        {
            Vector3 origin = StandardRoom.CameraPose(frames[i]).Position;
            Vector3[] cloud = TestData.RoomCloud(frames[i]);
            new PointCloudIntegrator(i % 2 == 0 ? a : b).IntegrateWorldFrame(cloud, origin);
            new PointCloudIntegrator(single).IntegrateWorldFrame(cloud, origin);
        }

        var merged = new EvidenceMap(0.05);
        merged.Add(a);
        merged.Add(b);
        OccupancyMap read = merged.ToMap(model);
        int voxels = 0, same = 0;
        foreach (VoxelInfo v in single.EnumerateVoxels())
        {
            voxels++;
            float m = read.GetLogOdds(v.Key);
            Assert.InRange(m - v.LogOdds, -1e-4f, 1e-4f); // two contributions of at most 2^-17 each, plus float rounding
            same += read.GetState(v.Key) == single.GetState(v.Key) ? 1 : 0;
        }

        Assert.Equal(voxels, TestData.Snapshot(read).Count);
        Assert.Equal(voxels, same);
        Assert.True(voxels > 100_000);
    }

    [Fact]
    public void A_region_of_the_merge_holds_the_bricks_that_meet_it()
    {
        EvidenceMap e = EvidenceOf(RandomMap(4));
        var box = new Aabb(new Vector3(0, 0, 0), new Vector3(0.75f, 2, 2));
        OccupancyMap part = e.ToMap(region: box), all = e.ToMap();
        Assert.True(part.BrickCount is > 0 and < 64);
        Assert.Equal(all.BrickCount, e.BrickCount);
        foreach (VoxelInfo v in all.EnumerateVoxels())
        {
            bool inside = v.Key.X >> 3 >= 0 && v.Key.X >> 3 <= 0 && v.Key.Y >> 3 >= 0 && v.Key.Y >> 3 <= 2 && v.Key.Z >> 3 >= 0 && v.Key.Z >> 3 <= 2;
            Assert.Equal(inside ? v.LogOdds : float.NaN, part.GetLogOdds(v.Key));
        }
    }

    [Fact]
    public void A_copy_holds_the_same_evidence_and_changes_alone()
    {
        EvidenceMap e = EvidenceOf(RandomMap(6, 20_000)); // more than one storage chunk
        EvidenceMap copy = e.Clone();
        Assert.True(e.BrickCount > 64);
        Assert.True(e.ContentEquals(copy));
        Assert.Equal(e.ToBytes(), copy.ToBytes());
        byte[] before = e.ToBytes();
        copy.Add(e);
        copy.Add(RandomMap(7));
        Assert.Equal(before, e.ToBytes());
        Assert.False(e.ContentEquals(copy));
    }

    [Fact]
    public void Maps_of_another_resolution_are_refused_before_anything_changes()
    {
        EvidenceMap e = EvidenceOf(RandomMap(5));
        byte[] before = e.ToBytes();
        ArgumentException x = Assert.Throws<ArgumentException>(() => e.Add(new OccupancyMap(0.2)));
        Assert.Contains("0.2", x.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => e.Add(new EvidenceMap(0.05)));
        Assert.Equal(before, e.ToBytes());
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvidenceMap(0));
    }
}
