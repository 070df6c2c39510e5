using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// The soak: integrates many frames of the standard room from jittered poses through every integrator (depth in metres
/// and in millimetres, a two-camera rig both ways, point clouds exact and discretized), making and dropping integrators
/// at random as a careless program would, with a reader thread querying all along. Every 1 000 frames it prints the
/// process's resident memory, the managed heap after a full collection and the map's own memory. It fails when, after
/// the first report (the room seen once), the heap grows by more than 32 MiB or the resident memory by more than 64 MiB
/// (the map itself grows only where jittered poses see new voxels, and is printed beside them).
/// </summary>
public static class Soak
{
    public static int Run(int frames)
    {
        var random = new Random(20261206);
        Scene room = StandardRoom.CreateScene();
        PinholeIntrinsics k = StandardRoom.Intrinsics;
        var map = new OccupancyMap(StandardRoom.Resolution);
        var rig = new CameraRig([
            new RigCamera("left", k, new Pose3(new Vector3(0, 0.1f, 0), Quaternion.Identity)),
            new RigCamera("right", k, new Pose3(new Vector3(0, -0.1f, 0), Quaternion.CreateFromAxisAngle(Vector3.UnitY, 0.3f))),
        ]);
        var depth = new float[k.PixelCount];
        var second = new float[k.PixelCount];
        var millimetres = new ushort[k.PixelCount];
        var cloud = new Vector3[k.PixelCount];
        DepthImageIntegrator? depthIntegrator = null;
        PointCloudIntegrator? cloudIntegrator = null;
        using var done = new CancellationTokenSource();
        long queries = 0;
        var reader = Task.Run(() =>
        {
            var points = new Vector3[20_000];
            var states = new VoxelState[points.Length];
            var r = new Random(7);
            for (int i = 0; i < points.Length; i++)
            {
                points[i] = new Vector3((r.NextSingle() * 10) - 5, (r.NextSingle() * 10) - 5, r.NextSingle() * 3);
            }

            while (!done.IsCancellationRequested)
            {
                map.GetStates(points, states);
                _ = map.CastRay(Vector3.Zero + new Vector3(0, 0, 1.2f), new Vector3(r.NextSingle() - 0.5f, r.NextSingle() - 0.5f, -0.1f), 8f, UnknownPolicy.TreatAsFree);
                Interlocked.Increment(ref queries);
            }
        });

        Console.WriteLine("frames   resident MiB   managed heap MiB   map MiB   bricks   integrators made   seconds");
        var clock = Stopwatch.StartNew();
        long firstHeap = 0, firstResident = 0, worstHeap = 0, worstResident = 0;
        int made = 0;
        for (int frame = 1; frame <= frames; frame++)
        {
            int f = random.Next(StandardRoom.FrameCount);
            Pose3 p = StandardRoom.CameraPose(f);
            var jitter = new Vector3((random.NextSingle() - 0.5f) * 0.2f, (random.NextSingle() - 0.5f) * 0.2f, (random.NextSingle() - 0.5f) * 0.1f);
            var turn = Quaternion.CreateFromYawPitchRoll((random.NextSingle() - 0.5f) * 0.1f, (random.NextSingle() - 0.5f) * 0.1f, (random.NextSingle() - 0.5f) * 0.05f);
            var pose = new Pose3(p.Position + jitter, Quaternion.Normalize(p.Rotation * turn));
            if (depthIntegrator is null || random.Next(50) == 0)
            {
                depthIntegrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
                made++;
            }

            if (cloudIntegrator is null || random.Next(50) == 0)
            {
                cloudIntegrator = new PointCloudIntegrator(map, StandardRoom.MaxRange, random.Next(2) == 0 ? PointCloudMode.Exact : PointCloudMode.Discretized);
                made++;
            }

            DepthRenderer.Render(room, k, pose, depth);
            switch (frame % 6)
            {
                case 0:
                    depthIntegrator.Integrate(depth, k, pose);
                    break;
                case 1:
                    for (int i = 0; i < depth.Length; i++)
                    {
                        millimetres[i] = float.IsFinite(depth[i]) ? (ushort)Math.Clamp(depth[i] * 1000, 0, 65535) : (ushort)0;
                    }

                    depthIntegrator.Integrate(millimetres, 0.001f, k, pose);
                    break;
                case 2:
                case 3:
                {
                    int n = DepthProjection.BackProject(depth, k, pose, cloud);
                    cloudIntegrator.IntegrateWorldFrame(cloud.AsSpan(0, n), pose.Position);
                    break;
                }

                default:
                {
                    DepthRenderer.Render(room, k, rig.CameraPose(1, pose), second);
                    ReadOnlyMemory<float>[] images = [depth, second];
                    if (frame % 6 == 4)
                    {
                        depthIntegrator.Integrate(rig, pose, images);
                    }
                    else
                    {
                        cloudIntegrator.Integrate(rig, pose, images);
                    }

                    break;
                }
            }

            if (frame % 1000 == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                long heap = GC.GetTotalMemory(forceFullCollection: true);
                long resident = Environment.WorkingSet;
                if (frame == 1000)
                {
                    (firstHeap, firstResident) = (heap, resident);
                }

                worstHeap = Math.Max(worstHeap, heap - firstHeap);
                worstResident = Math.Max(worstResident, resident - firstResident);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{frame,6}   {resident / 1048576.0,12:F1}   {heap / 1048576.0,16:F1}   {map.MemoryBytes / 1048576.0,7:F1}   {map.BrickCount,6}   {made,16}   {clock.Elapsed.TotalSeconds,7:F0}"));
            }
        }

        done.Cancel();
        reader.Wait();
        bool flat = worstHeap <= 32L << 20 && worstResident <= 64L << 20;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak {(flat ? "passed" : "FAILED")}: {frames} frames, {made} integrators made, {queries} reader rounds; after frame 1000 the heap grew at most {worstHeap / 1048576.0:F1} MiB (limit 32), resident memory at most {worstResident / 1048576.0:F1} MiB (limit 64)"));
        return flat ? 0 : 1;
    }
}
