using System.Diagnostics;
using System.Numerics;

namespace Occupancy.Race;

/// <summary>
/// Exact against discretized ray casting, side by side (`discretize SCAN.bin... [-r ROUNDS]`): for each scan file
/// (`export` or `export-lidar`) and for one thread and all cores, builds as the race times them (a new map and
/// integrator, made and the last build collected before the clock starts, then every frame integrated) with the two
/// modes taking turns build by build, so that a slow phase of a noisy machine falls on both; then the same in steady
/// state (one integrator per mode, its map already holding the scans, the scans integrated again). Prints per scene the
/// distinct endpoint voxels against points, and per thread count each mode's median and minimum milliseconds a frame
/// and the ratio exact / discretized of the medians (at least 1: discretized no slower).
/// </summary>
internal static class Discretize
{
    public static int Run(string[] args)
    {
        int rounds = 41;
        var paths = new List<string>();
        for (int a = 0; a < args.Length; a++)
        {
            if (args[a] == "-r" && a + 1 < args.Length)
            {
                rounds = int.Parse(args[++a], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                paths.Add(args[a]);
            }
        }

        int cores = Environment.ProcessorCount;
        int[] threadCounts = cores > 1 ? [1, cores] : [1];
        Console.WriteLine($"{rounds} rounds a row, modes taking turns; ms a frame: median (min); ratio: exact / discretized medians");
        Console.WriteLine($"{"scene",-34} {"points",7} {"voxels",7} {"thr",3} {"build: exact",16} {"discretized",16} {"ratio",6} {"steady: exact",16} {"discretized",16} {"ratio",6}");
        foreach (string path in paths)
        {
            ScanFile scans = ScanFile.Read(path);
            float maxRange = scans.MaxRange > 0 ? (float)scans.MaxRange : float.PositiveInfinity;
            (long points, long voxels) = DistinctEndpoints(scans);
            foreach (int threads in threadCounts)
            {
                (List<double> exact, List<double> discretized) = Builds(scans, maxRange, threads, rounds);
                (List<double> exactSteady, List<double> discretizedSteady) = Steady(scans, maxRange, threads, rounds);
                Console.WriteLine($"{Path.GetFileName(path).Replace(".scan.bin", "", StringComparison.Ordinal),-34} {points,7} {voxels,7} {threads,3} " +
                    $"{Text(exact),16} {Text(discretized),16} {Program.Median(exact) / Program.Median(discretized),6:F3} " +
                    $"{Text(exactSteady),16} {Text(discretizedSteady),16} {Program.Median(exactSteady) / Program.Median(discretizedSteady),6:F3}");
            }
        }

        return 0;
    }

    private static string Text(List<double> ms) => $"{Program.Median(ms):F3} ({ms.Min():F3})";

    /// <summary>Points in the map over all frames, and distinct endpoint voxels summed over frames.</summary>
    private static (long Points, long Voxels) DistinctEndpoints(ScanFile scans)
    {
        var map = new OccupancyMap(scans.Resolution);
        long points = 0, voxels = 0;
        var seen = new HashSet<VoxelKey>();
        foreach ((Vector3 _, Vector3[] cloud) in scans.Frames)
        {
            seen.Clear();
            foreach (Vector3 p in cloud)
            {
                if (map.TryGetKey(p, out VoxelKey key))
                {
                    points++;
                    seen.Add(key);
                }
            }

            voxels += seen.Count;
        }

        return (points, voxels);
    }

    /// <summary>Builds as the race times them (Program.TimeBuilds), exact and discretized taking turns.</summary>
    private static (List<double> Exact, List<double> Discretized) Builds(ScanFile scans, float maxRange, int threads, int rounds) =>
        TakeTurns(rounds, scans.Frames.Count, mode =>
        {
            Func<OccupancyMap> build = Program.PrepareClouds(scans, maxRange, mode == 0 ? PointCloudMode.Exact : PointCloudMode.Discretized, threads);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long start = Stopwatch.GetTimestamp();
            build();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        });

    /// <summary>The scans integrated again by one integrator per mode whose map already holds them, taking turns.</summary>
    private static (List<double> Exact, List<double> Discretized) Steady(ScanFile scans, float maxRange, int threads, int rounds)
    {
        Func<OccupancyMap>[] builds =
        [
            Program.PrepareClouds(scans, maxRange, PointCloudMode.Exact, threads),
            Program.PrepareClouds(scans, maxRange, PointCloudMode.Discretized, threads),
        ];
        return TakeTurns(rounds, scans.Frames.Count, mode =>
        {
            long start = Stopwatch.GetTimestamp();
            builds[mode]();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        });
    }

    /// <summary>
    /// Mode 0 (exact) and 1 (discretized) taking turns, the order alternating round by round; warm-up rounds first until
    /// tiered compilation has settled (at least three and one second), then <paramref name="rounds"/> measured rounds.
    /// </summary>
    private static (List<double> Exact, List<double> Discretized) TakeTurns(int rounds, int frames, Func<int, double> timeMs)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int w = 0; w < 3 || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 1; w++)
        {
            timeMs(w & 1);
            timeMs(1 - (w & 1));
        }

        var ms = new[] { new List<double>(), new List<double>() };
        for (int r = 0; r < rounds; r++)
        {
            for (int m = 0; m < 2; m++)
            {
                int mode = (m + r) & 1;
                ms[mode].Add(timeMs(mode) / frames);
            }
        }

        return (ms[0], ms[1]);
    }
}
