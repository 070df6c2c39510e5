using System.Diagnostics;
using System.Numerics;

namespace Occupancy.Race;

/// <summary>
/// Exact against discretized ray casting, side by side (`discretize SCAN.bin... [-r ROUNDS]`): for each scan file
/// (`export` or `export-lidar`) and for one thread and all cores, builds as the race times them (a new map and
/// integrator, made and the last build collected before the clock starts, then every frame integrated), then the same in
/// steady state (one integrator per mode, its map already holding the scans, the scans integrated again). Three modes
/// take turns build by build, so that a slow phase of a noisy machine falls on all of them: exact, discretized, and
/// exact casting to each frame's distinct endpoint voxel centres computed beforehand ("centres"): discretized's rays
/// without the cost of finding them, the least any discretized implementation could take. Prints per scene the distinct
/// endpoint voxels against points, and per thread count each mode's median and minimum milliseconds a frame and the
/// ratios exact / discretized and exact / centres of the medians.
/// </summary>
internal static class Discretize
{
    private const int Modes = 3;

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
        Console.WriteLine($"{rounds} rounds a row, modes taking turns; ms a frame: median (min); ratios: exact / discretized and exact / centres medians");
        Console.WriteLine($"{"scene",-30} {"points",7} {"voxels",7} {"thr",3} {"",6} {"exact",16} {"discretized",16} {"centres",16} {"x disc",6} {"x cent",6}");
        foreach (string path in paths)
        {
            ScanFile scans = ScanFile.Read(path);
            float maxRange = scans.MaxRange > 0 ? (float)scans.MaxRange : float.PositiveInfinity;
            (long points, long voxels, ScanFile centres) = DistinctCentres(scans);
            string name = Path.GetFileName(path).Replace(".scan.bin", "", StringComparison.Ordinal);
            foreach (int threads in threadCounts)
            {
                Print(name, points, voxels, threads, "build", Builds(scans, centres, maxRange, threads, rounds));
                Print(name, points, voxels, threads, "steady", Steady(scans, centres, maxRange, threads, rounds));
            }
        }

        return 0;
    }

    private static void Print(string name, long points, long voxels, int threads, string what, List<double>[] ms) =>
        Console.WriteLine($"{name,-30} {points,7} {voxels,7} {threads,3} {what,6} {Text(ms[0]),16} {Text(ms[1]),16} {Text(ms[2]),16} " +
            $"{Program.Median(ms[0]) / Program.Median(ms[1]),6:F3} {Program.Median(ms[0]) / Program.Median(ms[2]),6:F3}");

    private static string Text(List<double> ms) => $"{Program.Median(ms):F3} ({ms.Min():F3})";

    /// <summary>
    /// Points in the map over all frames, distinct endpoint voxels summed over frames, and the scans with each frame's
    /// points replaced by its distinct voxels' centres (OccupancyMap.CenterOf, as the discretized mode casts them) in
    /// scan order; points outside the map stay, as the discretized mode keeps them.
    /// </summary>
    private static (long Points, long Voxels, ScanFile Centres) DistinctCentres(ScanFile scans)
    {
        var map = new OccupancyMap(scans.Resolution);
        long points = 0, voxels = 0;
        var seen = new HashSet<VoxelKey>();
        var centres = new ScanFile { Resolution = scans.Resolution, MaxRange = scans.MaxRange };
        foreach ((Vector3 origin, Vector3[] cloud) in scans.Frames)
        {
            seen.Clear();
            var ends = new List<Vector3>();
            foreach (Vector3 p in cloud)
            {
                if (!map.TryGetKey(p, out VoxelKey key))
                {
                    ends.Add(p);
                    continue;
                }

                points++;
                if (seen.Add(key))
                {
                    ends.Add(map.CenterOf(key));
                }
            }

            voxels += seen.Count;
            centres.Frames.Add((origin, [.. ends]));
        }

        return (points, voxels, centres);
    }

    /// <summary>A new map and integrator per mode (mode 2: exact on the centres); the returned build integrates every frame.</summary>
    private static Func<OccupancyMap> Prepare(int mode, ScanFile scans, ScanFile centres, float maxRange, int threads) =>
        Program.PrepareClouds(mode == 2 ? centres : scans, maxRange, mode == 1 ? PointCloudMode.Discretized : PointCloudMode.Exact, threads);

    /// <summary>Builds as the race times them (Program.TimeBuilds), the modes taking turns.</summary>
    private static List<double>[] Builds(ScanFile scans, ScanFile centres, float maxRange, int threads, int rounds) =>
        TakeTurns(rounds, scans.Frames.Count, mode =>
        {
            Func<OccupancyMap> build = Prepare(mode, scans, centres, maxRange, threads);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long start = Stopwatch.GetTimestamp();
            build();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        });

    /// <summary>The scans integrated again by one integrator per mode whose map already holds them, the modes taking turns.</summary>
    private static List<double>[] Steady(ScanFile scans, ScanFile centres, float maxRange, int threads, int rounds)
    {
        var builds = new Func<OccupancyMap>[Modes];
        for (int m = 0; m < Modes; m++)
        {
            builds[m] = Prepare(m, scans, centres, maxRange, threads);
        }

        return TakeTurns(rounds, scans.Frames.Count, mode =>
        {
            long start = Stopwatch.GetTimestamp();
            builds[mode]();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        });
    }

    /// <summary>
    /// The modes taking turns, the first of each round rotating so that none always follows another; warm-up rounds
    /// first until tiered compilation has settled (at least three and one second), then <paramref name="rounds"/>
    /// measured rounds. Milliseconds a frame per mode.
    /// </summary>
    private static List<double>[] TakeTurns(int rounds, int frames, Func<int, double> timeMs)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int w = 0; w < 3 || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 1; w++)
        {
            for (int m = 0; m < Modes; m++)
            {
                timeMs((m + w) % Modes);
            }
        }

        var ms = new List<double>[Modes];
        for (int m = 0; m < Modes; m++)
        {
            ms[m] = [];
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int m = 0; m < Modes; m++)
            {
                int mode = (m + r) % Modes;
                ms[mode].Add(timeMs(mode) / frames);
            }
        }

        return ms;
    }
}
