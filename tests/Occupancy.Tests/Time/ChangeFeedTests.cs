using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Time;

/// <summary>
/// The change feed against a brute-force diff: after random writes of every kind (depth frames, point clouds, single
/// updates, cleared boxes, decay), the bricks reported changed and removed since a version cover exactly what a
/// comparison of the two states finds, and a replica kept only from the feed equals the map bit for bit.
/// </summary>
public class ChangeFeedTests
{
    private static Dictionary<BrickKey, float[]> Bricks(OccupancyMap map)
    {
        var bricks = new Dictionary<BrickKey, float[]>();
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            var b = BrickKey.Of(v.Key);
            if (!bricks.TryGetValue(b, out float[]? voxels))
            {
                voxels = new float[512];
                Array.Fill(voxels, float.NaN);
                bricks.Add(b, voxels);
            }

            VoxelKey min = b.MinVoxel;
            voxels[(v.Key.X - min.X) | ((v.Key.Y - min.Y) << 3) | ((v.Key.Z - min.Z) << 6)] = v.LogOdds;
        }

        return bricks;
    }

    private static bool SameBits(float[] a, float[] b) =>
        a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits));

    [Fact]
    public void Changed_and_removed_bricks_cover_a_brute_force_diff_and_keep_a_replica_equal()
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var depth = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        var cloud = new PointCloudIntegrator(map, StandardRoom.MaxRange);
        var decay = DecayPolicy.Exponential(halfLife: 0.5);
        var random = new Random(17);
        var replica = new Dictionary<BrickKey, float[]>();
        long version = 0;
        int resets = 0, removals = 0, changes = 0;
        for (int step = 0; step < 40; step++)
        {
            Dictionary<BrickKey, float[]> before = Bricks(map);
            int f = step % StandardRoom.FrameCount;
            switch (random.Next(6))
            {
                case 0:
                    depth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
                    break;
                case 1:
                    Vector3[] points = TestData.RoomCloud(f).Where((_, i) => i % 7 == 0).ToArray();
                    cloud.IntegrateWorldFrame(points, StandardRoom.CameraPose(f).Position);
                    break;
                case 2:
                    map.UpdateVoxel(new VoxelKey(random.Next(-60, 60), random.Next(-60, 60), random.Next(0, 40)), random.Next(2) == 0);
                    break;
                case 3:
                    var corner = new Vector3((random.NextSingle() * 8) - 5, (random.NextSingle() * 8) - 5, -0.5f);
                    map.ClearRegion(new Aabb(corner, corner + new Vector3(2, 2, 4)));
                    break;
                case 4:
                    decay.Apply(map, step * 0.1);
                    break;
                default:
                    if (random.Next(4) == 0)
                    {
                        map.Clear();
                    }

                    break;
            }

            if (step == 25)
            {
                map.Clear();
                depth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
            }

            Dictionary<BrickKey, float[]> after = Bricks(map);
            var changed = new List<BrickKey>();
            var removed = new List<BrickKey>();
            MapChanges answer = map.GetChangesSince(version, changed, removed);
            Assert.Equal(map.Version, answer.Version);
            Assert.Equal(changed.Count, changed.Distinct().Count());
            if (answer.Reset)
            {
                // Everything is listed after a reset.
                resets++;
                Assert.Empty(removed);
                replica.Clear();
            }
            else
            {
                // The brute-force diff: every brick whose voxels differ, appeared or went is reported.
                foreach ((BrickKey b, float[] now) in after)
                {
                    if (!before.TryGetValue(b, out float[]? then) || !SameBits(then, now))
                    {
                        Assert.Contains(b, changed);
                    }
                }

                foreach (BrickKey b in before.Keys.Where(b => !after.ContainsKey(b)))
                {
                    Assert.True(removed.Contains(b) || changed.Contains(b), $"{b} disappeared unreported");
                }
            }

            // Removed bricks are gone; changed bricks are allocated now (they may have no known voxel left only if
            // allocated and not yet written, which no public write leaves).
            Assert.All(removed, b => Assert.DoesNotContain(b, changed));
            removals += removed.Count;
            changes += changed.Count;
            foreach (BrickKey b in removed)
            {
                replica.Remove(b);
            }

            foreach (BrickKey b in changed)
            {
                if (after.TryGetValue(b, out float[]? voxels))
                {
                    replica[b] = (float[])voxels.Clone();
                }
                else
                {
                    replica.Remove(b); // allocated with nothing known
                }
            }

            Assert.Equal(after.Count, replica.Count);
            Assert.All(after, kv => Assert.True(SameBits(kv.Value, replica[kv.Key]), $"replica differs at {kv.Key}"));
            version = answer.Version;
        }

        Assert.True(resets > 0 && removals > 0 && changes > 1000, $"resets {resets}, removals {removals}, changes {changes}: not every path ran");
    }

    [Fact]
    public void Nothing_changes_between_writes_and_a_version_from_before_a_clear_resets()
    {
        var map = new OccupancyMap(0.1);
        long v0 = map.Version;
        map.UpdateVoxel(new VoxelKey(1, 2, 3), true);
        map.UpdateVoxel(new VoxelKey(100, 2, 3), true);
        var changed = new List<BrickKey>();
        MapChanges first = map.GetChangesSince(v0, changed);
        Assert.False(first.Reset);
        Assert.Equal(new[] { new BrickKey(0, 0, 0), new BrickKey(12, 0, 0) }, changed.OrderBy(b => b.X));

        changed.Clear();
        MapChanges second = map.GetChangesSince(first.Version, changed);
        Assert.Empty(changed);
        Assert.Equal(first.Version, second.Version);

        map.UpdateVoxel(new VoxelKey(101, 2, 3), false);
        changed.Clear();
        Assert.False(map.GetChangesSince(first.Version, changed).Reset);
        Assert.Equal(new[] { new BrickKey(12, 0, 0) }, changed);

        map.Clear();
        map.UpdateVoxel(new VoxelKey(-1, 0, 0), true);
        changed.Clear();
        var removed = new List<BrickKey>();
        MapChanges afterClear = map.GetChangesSince(first.Version, changed, removed);
        Assert.True(afterClear.Reset);
        Assert.Equal(new[] { new BrickKey(-1, 0, 0) }, changed);
        Assert.Empty(removed);
        Assert.Throws<ArgumentNullException>(() => map.GetChangesSince(0, null!));

        // A brick's box: 8 voxels an edge, negative indices below zero.
        Aabb box = new BrickKey(-1, 0, 2).Bounds(0.1);
        Assert.Equal(new Vector3(-0.8f, 0, 1.6f), box.Min);
        Assert.Equal(new Vector3(0, 0.8f, 2.4f), box.Max);
        Assert.Equal(new VoxelKey(-8, 0, 16), new BrickKey(-1, 0, 2).MinVoxel);
        Assert.True(new BrickKey(-1, 0, 2).Contains(new VoxelKey(-1, 7, 23)));
        Assert.Equal(new BrickKey(-1, 0, 2), BrickKey.Of(new VoxelKey(-1, 7, 23)));
        Assert.Equal("resolution", Assert.Throws<ArgumentOutOfRangeException>(() => new BrickKey(0, 0, 0).Bounds(0)).ParamName);
    }

    [Fact]
    public void The_clock_only_runs_forward_and_bricks_remember_when_they_were_observed()
    {
        var map = new OccupancyMap(0.1);
        Assert.Equal(double.NegativeInfinity, map.Time);
        map.UpdateVoxel(new VoxelKey(0, 0, 0), true);
        Assert.True(double.IsNaN(map.GetLastObserved(new VoxelKey(0, 0, 0)))); // no timed write yet
        map.AdvanceTime(10.5);
        map.UpdateVoxel(new VoxelKey(1, 0, 0), true);
        Assert.Equal(10.5, map.GetLastObserved(new VoxelKey(7, 7, 7))); // the brick's time
        var cloud = new PointCloudIntegrator(map);
        cloud.IntegrateWorldFrame([new Vector3(3.05f, 0.05f, 0.05f)], new Vector3(2.05f, 0.05f, 0.05f), timestamp: 12);
        Assert.Equal(12, map.Time);
        Assert.Equal(12, map.GetLastObserved(new VoxelKey(30, 0, 0)));
        Assert.Equal(10.5, map.GetLastObserved(new VoxelKey(0, 0, 0)));
        Assert.True(double.IsNaN(map.GetLastObserved(new VoxelKey(500, 0, 0))));

        long version = map.Version;
        var backwards = Assert.Throws<ArgumentOutOfRangeException>(() => map.AdvanceTime(11));
        Assert.Equal("time", backwards.ParamName);
        Assert.Contains("11", backwards.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => map.AdvanceTime(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => DecayPolicy.Exponential(1).Apply(map, 11.9));
        Assert.Equal("timestamp", Assert.Throws<ArgumentOutOfRangeException>(() => cloud.IntegrateWorldFrame([new Vector3(5, 0, 0)], Vector3.Zero, timestamp: 11)).ParamName);
        var depth = new DepthImageIntegrator(map, 5);
        var k = new PinholeIntrinsics(4, 4, 4, 4, 1.5f, 1.5f);
        float[] wall = Enumerable.Repeat(2f, 16).ToArray();
        Assert.Equal("timestamp", Assert.Throws<ArgumentOutOfRangeException>(() => depth.Integrate(wall, k, Pose3.Identity, double.PositiveInfinity)).ParamName);
        Assert.Equal(12, map.Time);
        Assert.Equal(version, map.Version);
        Assert.True(double.IsNaN(map.GetLastObserved(new VoxelKey(0, 0, 40))));

        // A timed depth frame (optical z forward: the wall 2 m ahead is world z = 2 m with the identity pose).
        depth.Integrate(wall, k, Pose3.Identity, 13.5);
        Assert.Equal(13.5, map.GetLastObserved(new VoxelKey(0, 0, 20)));
        Assert.Equal(12, map.GetLastObserved(new VoxelKey(30, 0, 0)));
    }
}

/// <summary>The change feed read beside a writer: nothing is missed, and a replica kept from it ends equal to the map.</summary>
public class ChangeFeedConcurrencyTests
{
    [Fact]
    public async Task A_consumer_beside_a_writer_misses_nothing()
    {
        bool soak = Environment.GetEnvironmentVariable("OCCUPANCY_SOAK") == "1";
        var map = new OccupancyMap(StandardRoom.Resolution);
        var depth = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        var decay = DecayPolicy.Exponential(halfLife: 0.3, halfLifeInView: 1);
        var replica = new Dictionary<BrickKey, bool>(); // the bricks the consumer believes exist
        long version = 0;
        int polls = 0;
        using var done = new CancellationTokenSource();

        void Poll()
        {
            var changed = new List<BrickKey>();
            var removed = new List<BrickKey>();
            MapChanges answer = map.GetChangesSince(version, changed, removed);
            if (answer.Reset)
            {
                replica.Clear();
            }

            removed.ForEach(b => replica.Remove(b));
            changed.ForEach(b => replica[b] = true);
            version = answer.Version;
            polls++;
        }

        Task consumer = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                Poll();
            }
        }, TestContext.Current.CancellationToken);

        var random = new Random(23);
        int frames = soak ? 400 : 60;
        for (int i = 0; i < frames; i++)
        {
            int f = i % StandardRoom.FrameCount;
            decay.Apply(map, i * 0.1);
            depth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
            if (random.Next(5) == 0)
            {
                var corner = new Vector3((random.NextSingle() * 8) - 5, (random.NextSingle() * 8) - 5, -0.5f);
                map.ClearRegion(new Aabb(corner, corner + new Vector3(2, 2, 4)));
            }
        }

        await done.CancelAsync();
        await consumer;
        Poll(); // once more after the last write

        var bricks = new HashSet<BrickKey>();
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            bricks.Add(BrickKey.Of(v.Key));
        }

        Assert.True(polls > 10, $"only {polls} polls ran beside the writer");
        Assert.Equal(bricks.OrderBy(b => (b.X, b.Y, b.Z)), replica.Keys.Where(bricks.Contains).OrderBy(b => (b.X, b.Y, b.Z)));
        Assert.Equal(map.BrickCount, replica.Count); // allocated bricks, each once: none missed, none left over
    }
}
