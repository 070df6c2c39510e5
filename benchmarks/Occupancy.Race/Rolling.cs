using System.Diagnostics;
using System.Numerics;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// The rolling window on a 1 km drive: the long street (13 segments), the front roof camera at 10 Hz at 10 m/s, a
/// memory budget; reports the map's memory at most against the budget, the cost of each Evict call (mean over the
/// frames, mean over the calls that released, the largest), and the unbounded map's memory for comparison.
/// </summary>
internal static class Rolling
{
    public static int Run(long budget)
    {
        Scene street = StreetScene.CreateLongScene(13);
        RigCamera front = StreetScene.SurroundRig().Cameras[0];
        var bounded = new OccupancyMap(StreetScene.Resolution);
        var unbounded = new OccupancyMap(StreetScene.Resolution);
        var window = new RollingWindow(bounded, budget);
        var intoBounded = new DepthImageIntegrator(bounded, StreetScene.MaxRange);
        var intoUnbounded = new DepthImageIntegrator(unbounded, StreetScene.MaxRange);
        var depth = new float[front.Intrinsics.PixelCount];
        long mostBytes = 0, evictTicks = 0, worstTicks = 0, worstLaterTicks = 0, releasingTicks = 0;
        int frames = 0, releasing = 0, over = 0;
        int gcBefore = GC.CollectionCount(0);
        for (double x = 10; x <= 1010; x += 1.0)
        {
            var body = new Pose3(new Vector3((float)x, -1.3f, StreetScene.RoadHeight), Quaternion.Identity);
            Pose3 camera = body.Compose(front.Mounting);
            DepthRenderer.Render(street, front.Intrinsics, camera, depth);
            intoBounded.Integrate(depth, front.Intrinsics, camera);
            intoUnbounded.Integrate(depth, front.Intrinsics, camera);
            long start = Stopwatch.GetTimestamp();
            int released = window.Evict(body.Position);
            long ticks = Stopwatch.GetTimestamp() - start;
            evictTicks += ticks;
            if (ticks * 1000.0 / Stopwatch.Frequency > 0.5)
            {
                over++;
            }
            worstTicks = Math.Max(worstTicks, ticks);
            if (released > 0)
            {
                worstLaterTicks = releasing > 0 ? Math.Max(worstLaterTicks, ticks) : 0;
                releasing++;
                releasingTicks += ticks;
            }

            frames++;
            mostBytes = Math.Max(mostBytes, bounded.MemoryBytes);
        }

        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine($"rolling window, 1 km drive at 10 Hz and 10 m/s ({frames} frames), front camera, 20 cm, budget {budget} B:");
        Console.WriteLine($"  memory at most {mostBytes} B ({(double)mostBytes / budget:P1} of the budget), {bounded.BrickCount} bricks at the end, {window.EvictedBricks} evicted");
        Console.WriteLine($"  Evict: {Ms(evictTicks) / frames:F4} ms a frame on average, {(releasing == 0 ? 0 : Ms(releasingTicks) / releasing):F3} ms in the {releasing} calls that released, {Ms(worstTicks):F3} ms at most, {Ms(worstLaterTicks):F3} ms at most after the first release");
        Console.WriteLine($"  calls over 0.5 ms: {over}; garbage collections during the run: {GC.CollectionCount(0) - gcBefore}");
        Console.WriteLine($"  unbounded map of the same drive: {unbounded.MemoryBytes} B, {unbounded.BrickCount} bricks");
        return 0;
    }
}
