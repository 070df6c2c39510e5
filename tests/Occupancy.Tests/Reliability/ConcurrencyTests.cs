using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Reliability;

/// <summary>
/// The thread-safety contract (docs/threads.md) under stress: readers on many threads, readers beside one writer,
/// two writers. Each test stands for a way concurrent use once crashed the process or corrupted a map. Seeded; set
/// OCCUPANCY_SOAK=1 for long runs.
/// </summary>
[Collection(nameof(Integration.RunsAlone))]
public class ConcurrencyTests
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("OCCUPANCY_SOAK") == "1";

    private static OccupancyMap Room(int frames)
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        for (int i = 0; i < frames; i++)
        {
            integrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
        }

        return map;
    }

    private static Vector3[] RandomPoints(int count, int seed)
    {
        var random = new Random(seed);
        var points = new Vector3[count];
        for (int i = 0; i < count; i++)
        {
            points[i] = new Vector3((random.NextSingle() * 11) - 5.5f, (random.NextSingle() * 11) - 5.5f, (random.NextSingle() * 3.4f) - 0.2f);
        }

        return points;
    }

    [Fact]
    public void Two_threads_calling_batched_lookups_get_the_single_thread_answers()
    {
        // Batches of 16 384 points and more are split over the worker pool; they shared one job object per map whose
        // pointers were set outside the pool's lock: two threads died with AccessViolationException.
        OccupancyMap map = Room(10);
        Vector3[] a = RandomPoints(20_000, 1), b = RandomPoints(30_000, 2);
        var expectedA = new VoxelState[a.Length];
        var expectedB = new VoxelState[b.Length];
        map.GetStates(a, expectedA);
        map.GetStates(b, expectedB);
        int rounds = Long ? 20_000 : 300;
        Parallel.Invoke(
            () => Repeat(a, expectedA),
            () => Repeat(b, expectedB),
            () => RepeatLogOdds(b));

        void Repeat(Vector3[] points, VoxelState[] expected)
        {
            var states = new VoxelState[points.Length];
            for (int r = 0; r < rounds; r++)
            {
                map.GetStates(points, states);
                Assert.Equal(expected, states);
            }
        }

        void RepeatLogOdds(Vector3[] points)
        {
            var values = new float[points.Length];
            for (int r = 0; r < rounds; r++)
            {
                map.GetLogOdds(points, values);
                for (int i = 0; i < points.Length; i += 97)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(map.GetLogOdds(map.TryGetKey(points[i], out VoxelKey k) ? k : default)), BitConverter.SingleToInt32Bits(values[i]));
                }
            }
        }
    }

    [Fact]
    public void Threads_that_only_cast_rays_get_the_single_thread_answers()
    {
        // The per-brick summaries were resized by readers without coordination: IndexOutOfRangeException. Each round a
        // fresh map, so that the rays compute (and size) the summaries as they go, on more threads than cores.
        (Vector3[] origins, Vector3[] directions) = Rays(1500, 3);
        int threads = Math.Max(8, 2 * Environment.ProcessorCount);
        RayCastResult[] expected = CastAll(Room(2), origins, directions);
        for (int round = 0; round < (Long ? 2000 : 60); round++)
        {
            OccupancyMap map = Room(2);
            var results = new RayCastResult[threads][];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => results[t] = CastAll(map, origins, directions));
            foreach (RayCastResult[] r in results)
            {
                Assert.Equal(expected, r);
            }
        }
    }

    [Fact]
    public async Task Rays_cast_after_a_writer_finished_equal_a_fresh_maps_answers()
    {
        // The change marker was bumped at the start of a frame: a ray cast during the frame cached a brick's "holds no
        // occupied voxel" summary under the final version, and after the writer finished some rays passed through the floor.
        (Vector3[] origins, Vector3[] directions) = Rays(3000, 5);
        int trials = Long ? 200 : 4;
        for (int trial = 0; trial < trials; trial++)
        {
            var map = new OccupancyMap(StandardRoom.Resolution);
            var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange) { MaxDegreeOfParallelism = 1 };
            using var done = new CancellationTokenSource();
            int frames = 8 + (trial % 4);
            Task reader = Task.Run(
                () =>
                {
                    while (!done.IsCancellationRequested)
                    {
                        CastAll(map, origins, directions);
                    }
                },
                TestContext.Current.CancellationToken);
            for (int i = 0; i < frames; i++)
            {
                integrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
            }

            await done.CancelAsync();
            await reader;
            Assert.Equal(CastAll(Room(frames), origins, directions), CastAll(map, origins, directions));
        }
    }

    [Fact]
    public async Task Readers_beside_one_writer_see_whole_voxels_and_the_map_ends_as_a_single_threaded_build()
    {
        // One writer integrates the room's frames (depth, then point clouds) while readers query every way; every value a
        // reader sees is a clamped log-odds or unknown, the known voxels a reader counts never fall (integration only adds
        // them) nor exceed the final map's, nothing crashes, and the final map equals a build on one thread.
        int frames = Long ? 60 : 20;
        var map = new OccupancyMap(StandardRoom.Resolution);
        var depth = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        var cloud = new PointCloudIntegrator(map, StandardRoom.MaxRange, PointCloudMode.Discretized);
        Vector3[] points = RandomPoints(20_000, 7);
        (Vector3[] origins, Vector3[] directions) = Rays(500, 8);
        using var done = new CancellationTokenSource();
        long reads = 0, mostKnown = 0;
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            long lastKnown = 0;
            var states = new VoxelState[points.Length];
            var values = new float[points.Length];
            while (!done.IsCancellationRequested)
            {
                map.GetStates(points, states);
                map.GetLogOdds(points, values);
                for (int i = r; i < points.Length; i += 53)
                {
                    float v = values[i];
                    Assert.True(float.IsNaN(v) || (v >= map.SensorModel.ClampMinLogOdds && v <= map.SensorModel.ClampMaxLogOdds), $"torn value {v}");
                    _ = map.GetState(points[i]);
                }

                CastAll(map, origins, directions);
                VoxelCounts counts = map.CountVoxels();
                Assert.True(counts.Known >= lastKnown, $"known voxels fell from {lastKnown} to {counts.Known}");
                lastKnown = counts.Known;
                InterlockedMax(ref mostKnown, lastKnown);
                long seen = 0;
                foreach (VoxelInfo v in map.EnumerateVoxelsIn(new Aabb(new Vector3(-1, -1, 0), new Vector3(1, 1, 2))))
                {
                    Assert.False(float.IsNaN(v.LogOdds));
                    Assert.Equal(v.State, v.LogOdds >= 0 ? VoxelState.Occupied : VoxelState.Free);
                    seen++;
                }

                Interlocked.Add(ref reads, seen + 1);
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        var oracle = new OccupancyMap(StandardRoom.Resolution);
        var oracleDepth = new DepthImageIntegrator(oracle, StandardRoom.MaxRange) { MaxDegreeOfParallelism = 1 };
        var oracleCloud = new PointCloudIntegrator(oracle, StandardRoom.MaxRange, PointCloudMode.Discretized) { MaxDegreeOfParallelism = 1 };
        for (int i = 0; i < frames; i++)
        {
            int f = i % StandardRoom.FrameCount;
            if (i % 2 == 0)
            {
                depth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
                oracleDepth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
            }
            else
            {
                Vector3[] scan = TestData.RoomCloud(f);
                cloud.IntegrateWorldFrame(scan, StandardRoom.CameraPose(f).Position);
                oracleCloud.IntegrateWorldFrame(scan, StandardRoom.CameraPose(f).Position);
            }
        }

        await done.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(reads > 0);
        Assert.InRange(mostKnown, 0, map.CountVoxels().Known);
        TestData.AssertSameMap(TestData.Snapshot(oracle), TestData.Snapshot(map));
    }

    [Fact]
    public async Task Readers_beside_removals_see_whole_voxels_and_the_map_ends_as_a_single_threaded_build()
    {
        // The writer clears a box (releasing whole bricks: the removal path and its slot reuse) and integrates a frame,
        // again and again, while readers look up (batched and one at a time), cast, count and enumerate: no crash, every value a clamped log-odds
        // or unknown, every enumerated voxel known, and the final map equals the same steps on one thread.
        int rounds = Long ? 80 : 16;
        OccupancyMap map = Room(4), oracle = Room(4);
        var depth = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        var oracleDepth = new DepthImageIntegrator(oracle, StandardRoom.MaxRange) { MaxDegreeOfParallelism = 1 };
        Vector3[] points = RandomPoints(20_000, 11);
        (Vector3[] origins, Vector3[] directions) = Rays(300, 12);
        var whole = new Aabb(new Vector3(-6, -6, -1), new Vector3(6, 6, 4));
        using var done = new CancellationTokenSource();
        long reads = 0;
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var states = new VoxelState[points.Length];
            var values = new float[points.Length];
            while (!done.IsCancellationRequested)
            {
                map.GetStates(points, states);
                map.GetLogOdds(points, values);
                for (int i = r; i < points.Length; i += 37)
                {
                    float v = map.TryGetKey(points[i], out VoxelKey key) ? map.GetLogOdds(key) : float.NaN;
                    Assert.True(float.IsNaN(v) || (v >= map.SensorModel.ClampMinLogOdds && v <= map.SensorModel.ClampMaxLogOdds), $"torn value {v}");
                    Assert.True(float.IsNaN(values[i]) || (values[i] >= map.SensorModel.ClampMinLogOdds && values[i] <= map.SensorModel.ClampMaxLogOdds), $"torn value {values[i]}");
                }

                // Single lookups read slot 0's cell for absent bricks, masked: slot 0 is released and reused here.
                for (int i = r; i < points.Length; i += 7)
                {
                    VoxelState s = map.GetState(points[i]);
                    Assert.True(s is VoxelState.Unknown or VoxelState.Free or VoxelState.Occupied, $"state {(int)s}");
                }

                CastAll(map, origins, directions);
                _ = map.CountVoxels(); // reads every brick: must not crash beside removals
                foreach (VoxelInfo v in map.EnumerateVoxelsIn(whole))
                {
                    Assert.False(float.IsNaN(v.LogOdds));
                    Assert.Equal(v.State, v.LogOdds >= 0 ? VoxelState.Occupied : VoxelState.Free);
                }

                Interlocked.Increment(ref reads);
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        var random = new Random(13);
        long cleared = 0;
        for (int i = 0; i < rounds; i++)
        {
            var corner = new Vector3((random.NextSingle() * 8) - 5, (random.NextSingle() * 8) - 5, -0.5f);
            var box = new Aabb(corner, corner + new Vector3(2, 2, 4));
            int f = i % StandardRoom.FrameCount;
            cleared += map.ClearRegion(box);
            oracle.ClearRegion(box);
            depth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
            oracleDepth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
        }

        await done.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(reads > 0);
        Assert.True(cleared > 10_000, $"only {cleared} voxels cleared: the removals were not exercised");
        TestData.AssertSameMap(TestData.Snapshot(oracle), TestData.Snapshot(map));
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (long seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    [Fact]
    public void Two_writers_in_far_apart_places_give_each_place_its_own_build()
    {
        // Writers take turns; here two of them map the room twice, 100 m apart, at the same time, so that the result has
        // one right answer: each half equal to a build of its own, bit for bit.
        int frames = Long ? 60 : 12;
        var shift = new Vector3(100f, 0, 0);
        var map = new OccupancyMap(StandardRoom.Resolution);
        var near = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        var far = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        var farCloud = new PointCloudIntegrator(map, StandardRoom.MaxRange);
        Parallel.Invoke(
            () =>
            {
                for (int i = 0; i < frames; i++)
                {
                    int f = i % StandardRoom.FrameCount;
                    near.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
                }
            },
            () =>
            {
                for (int i = 0; i < frames; i++)
                {
                    int f = i % StandardRoom.FrameCount;
                    Pose3 p = StandardRoom.CameraPose(f);
                    if (i % 3 == 2)
                    {
                        Vector3[] scan = TestData.RoomCloud(f).Select(q => q + shift).ToArray();
                        farCloud.IntegrateWorldFrame(scan, p.Position + shift);
                    }
                    else
                    {
                        far.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, new Pose3(p.Position + shift, p.Rotation));
                    }
                }
            });

        var nearOracle = new OccupancyMap(StandardRoom.Resolution);
        var farOracle = new OccupancyMap(StandardRoom.Resolution);
        var nearIntegrator = new DepthImageIntegrator(nearOracle, StandardRoom.MaxRange);
        var farIntegrator = new DepthImageIntegrator(farOracle, StandardRoom.MaxRange);
        var farCloudIntegrator = new PointCloudIntegrator(farOracle, StandardRoom.MaxRange);
        for (int i = 0; i < frames; i++)
        {
            int f = i % StandardRoom.FrameCount;
            Pose3 p = StandardRoom.CameraPose(f);
            nearIntegrator.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, p);
            if (i % 3 == 2)
            {
                farCloudIntegrator.IntegrateWorldFrame(TestData.RoomCloud(f).Select(q => q + shift).ToArray(), p.Position + shift);
            }
            else
            {
                farIntegrator.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, new Pose3(p.Position + shift, p.Rotation));
            }
        }

        Dictionary<VoxelKey, float> expected = TestData.Snapshot(nearOracle);
        foreach ((VoxelKey k, float v) in TestData.Snapshot(farOracle))
        {
            expected.Add(k, v);
        }

        var keys = new HashSet<VoxelKey>();
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            Assert.True(keys.Add(v.Key), $"voxel {v.Key} enumerated twice");
        }

        TestData.AssertSameMap(expected, TestData.Snapshot(map));
        Assert.Equal(nearOracle.BrickCount + farOracle.BrickCount, map.BrickCount);
    }

    [Fact]
    public void Two_writers_in_one_room_corrupt_nothing()
    {
        // Two depth integrators on one map, the room's even frames on one thread and its odd frames on another: each
        // added bricks it had found absent, so bricks were added twice (duplicate voxel keys, BrickCount and Known too
        // high, updates lost). The order of the frames decides the log-odds; what they observed does not: the voxels
        // known, the bricks, and every key once.
        int frames = Long ? 60 : StandardRoom.FrameCount;
        for (int round = 0; round < (Long ? 20 : 3); round++)
        {
            var map = new OccupancyMap(StandardRoom.Resolution);
            var even = new DepthImageIntegrator(map, StandardRoom.MaxRange);
            var odd = new DepthImageIntegrator(map, StandardRoom.MaxRange);
            Parallel.Invoke(
                () => Run(even, 0),
                () => Run(odd, 1));

            var oracle = new OccupancyMap(StandardRoom.Resolution);
            var serial = new DepthImageIntegrator(oracle, StandardRoom.MaxRange);
            for (int i = 0; i < frames; i++)
            {
                serial.Integrate(TestData.RoomFrames[i % StandardRoom.FrameCount], StandardRoom.Intrinsics, StandardRoom.CameraPose(i % StandardRoom.FrameCount));
            }

            var keys = new HashSet<VoxelKey>();
            foreach (VoxelInfo v in map.EnumerateVoxels())
            {
                Assert.True(keys.Add(v.Key), $"voxel {v.Key} enumerated twice");
            }

            Assert.Equal(TestData.Snapshot(oracle).Keys.OrderBy(k => (k.X, k.Y, k.Z)), keys.OrderBy(k => (k.X, k.Y, k.Z)));
            Assert.Equal(oracle.BrickCount, map.BrickCount);
            Assert.Equal(oracle.CountVoxels().Known, map.CountVoxels().Known);
        }

        void Run(DepthImageIntegrator integrator, int parity)
        {
            for (int i = parity; i < frames; i += 2)
            {
                int f = i % StandardRoom.FrameCount;
                integrator.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
            }
        }
    }

    private static (Vector3[] Origins, Vector3[] Directions) Rays(int count, int seed)
    {
        var random = new Random(seed);
        var origins = new Vector3[count];
        var directions = new Vector3[count];
        for (int i = 0; i < count; i++)
        {
            float a = random.NextSingle() * 2 * MathF.PI;
            origins[i] = new Vector3(2.5f * MathF.Cos(a), 2.5f * MathF.Sin(a), 0.3f + (random.NextSingle() * 2));
            directions[i] = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, -0.2f - random.NextSingle()));
        }

        return (origins, directions);
    }

    private static RayCastResult[] CastAll(OccupancyMap map, Vector3[] origins, Vector3[] directions)
    {
        var results = new RayCastResult[origins.Length];
        for (int i = 0; i < origins.Length; i++)
        {
            results[i] = map.CastRay(origins[i], directions[i], 8f, UnknownPolicy.TreatAsFree);
        }

        return results;
    }
}
