using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// The race's LiDAR scenes: one scan of the street (<see cref="StreetScene.CreateScene"/>) from a spinning LiDAR on the
/// standing ego car's roof, 1.9 m above the road (a VLP-16 or a 64-beam <see cref="SpinningLidar.Hdl64"/>, seeded range
/// noise), at a resolution and a range (unlimited or 30 m). `export-lidar` writes the scan file both peers read;
/// `scene` times our exact and discretized integrators on it (both modes on one thread and on all cores, taking turns
/// build by build), compares them voxel for voxel with OctoMap's builds, and appends the scene's rows (targets: exact 25x
/// OctoMap's insertPointCloud with 100.000% agreement, discretized never slower than exact, memory no more than
/// OctoMap's, and against Bonxai 2x on all cores and no slower on one) to race.json.
/// </summary>
internal static class LidarScenes
{
    // A scene is one scan: each mode is measured for at least a second (thread counts together; Program.TimeBuilds), so
    // that the eight scenes keep the whole race under five minutes.
    private const double MinMeasureSeconds = 1;

    public static int Export(string path, string sensor, double resolution, double maxRange)
    {
        SpinningLidar lidar = sensor switch
        {
            "vlp16" => SpinningLidar.Vlp16(),
            "hdl64" => SpinningLidar.Hdl64(),
            _ => throw new ArgumentException($"unknown sensor {sensor} (vlp16 or hdl64)", nameof(sensor)),
        };
        var pose = new Pose3(StreetScene.EgoPose.Position + new Vector3(0, 0, 1.9f), Quaternion.Identity);
        var points = new Vector3[lidar.MaxPoints];
        int n = lidar.Scan(StreetScene.CreateScene(), pose, points, new Random(7));
        var file = new ScanFile { Resolution = resolution, MaxRange = maxRange };
        file.Frames.Add((pose.Position, points.AsSpan(0, n).ToArray()));
        file.Write(path);
        Console.WriteLine($"wrote {path}: {sensor} on the street, {n} points, {resolution} m, range {(maxRange > 0 ? $"{maxRange} m" : "unlimited")}");
        return 0;
    }

    /// <summary>
    /// Every named scene of a folder in one process (DIR/NAME.scan.bin, DIR/NAME.octomap.json and its voxel files, and
    /// DIR/NAME.bonxai.json where Bonxai ran): the first scene warms up for a second as the room does, the later ones
    /// for two builds a mode and thread count only, as the code they run is compiled and optimised by then (eight
    /// processes each warmed up afresh, a tenth of the race).
    /// </summary>
    public static int RunAll(string dir, int repetitions, string raceJson, IReadOnlyList<string> names)
    {
        for (int i = 0; i < names.Count; i++)
        {
            string prefix = Path.Combine(dir, names[i]);
            string bonxai = prefix + ".bonxai.json";
            int status = Run(names[i], prefix + ".scan.bin", prefix + ".octomap", repetitions, raceJson, File.Exists(bonxai) ? bonxai : null, warmUpSeconds: i == 0 ? 1 : 0);
            if (status != 0)
            {
                return status;
            }
        }

        return 0;
    }

    /// <summary>
    /// A peer's time for a scene: the least of its repetitions (milliseconds a frame). A scene is one scan, and the
    /// peers' builds of the 5 cm scans take seconds each, so they run fewer times than ours (LIDAR_REPS in
    /// compare-octomap.sh, two by default); the least of them is the peer's best, which leaves our ratios on the
    /// cautious side.
    /// </summary>
    private static double Best(JsonNode timing) => timing["ms_per_frame"]!.AsArray().Min(v => v!.GetValue<double>());

    private static int Run(string name, string scanPath, string octomapPrefix, int repetitions, string raceJson, string? bonxaiPath, double warmUpSeconds)
    {
        ScanFile scans = ScanFile.Read(scanPath);
        JsonNode octomap = JsonNode.Parse(File.ReadAllText(octomapPrefix + ".json"))!;
        JsonNode? bonxai = bonxaiPath is not null && File.Exists(bonxaiPath) ? JsonNode.Parse(File.ReadAllText(bonxaiPath)) : null;
        float maxRange = scans.MaxRange > 0 ? (float)scans.MaxRange : float.PositiveInfinity;
        int frames = scans.Frames.Count;
        int cores = Environment.ProcessorCount;
        int[] threadCounts = cores > 1 ? [1, cores] : [1];

        var modes = new JsonObject();
        var medians = new Dictionary<(string, int), double>();
        (string Name, PointCloudMode Mode, string Peer)[] compared =
        [
            ("exact", PointCloudMode.Exact, octomapPrefix + ".voxels.bin"),
            ("discretized", PointCloudMode.Discretized, octomapPrefix + ".discretized.voxels.bin"),
        ];

        // Both modes take turns build by build (Program.TimeModes): the row "discretized vs exact" compares them.
        (List<double>[][] ms, OccupancyMap[] maps) = Program.TimeModes(
            compared.Select(c => (Func<int, Func<OccupancyMap>>)(threads => Program.PrepareClouds(scans, maxRange, c.Mode, threads))).ToArray(),
            threadCounts, repetitions, MinMeasureSeconds, frames, warmUpSeconds);
        for (int m = 0; m < compared.Length; m++)
        {
            (string mode, _, string peer) = compared[m];
            var entry = new JsonObject();
            for (int t = 0; t < threadCounts.Length; t++)
            {
                medians[(mode, threadCounts[t])] = Program.Median(ms[m][t]);
                entry[$"threads_{threadCounts[t]}"] = new JsonObject { ["builds"] = ms[m][t].Count, ["ms_per_frame"] = Program.ToJson(ms[m][t]), ["median_ms_per_frame"] = Program.Median(ms[m][t]) };
            }

            OccupancyMap map = maps[m];
            VoxelCounts counts = map.CountVoxels();
            entry["memory_bytes"] = (double)map.MemoryBytes;
            entry["known_voxels"] = (double)counts.Known;
            entry["occupied_voxels"] = (double)counts.Occupied;
            entry["agreement_with_octomap"] = VoxelFile.Agreement(peer, map);
            modes[mode] = entry;
        }

        double octoFull = Best(octomap["insert_full"]!);
        double octoDiscretized = Best(octomap["insert_discretized"]!);
        double octoMemory = octomap["map_full"]!["memory_usage_bytes"]!.GetValue<double>();
        double Ms(string mode, int threads) => medians[(mode, threads)];
        double Mode(string mode, string key) => modes[mode]![key]!.GetValue<double>();
        var rows = new List<(string What, double Value, double Target, string Unit)>
        {
            ("exact vs OctoMap insertPointCloud, all cores (x faster)", octoFull / Ms("exact", cores), 25, "x"),
            ("exact vs OctoMap insertPointCloud, 1 thread (x faster)", octoFull / Ms("exact", 1), 0, "x"),
            ("agreement, exact with OctoMap's full insert (%)", 100 * Mode("exact", "agreement_with_octomap"), 99.9995, "%"),
            ("discretized vs OctoMap discretize, all cores (x faster)", octoDiscretized / Ms("discretized", cores), 20, "x"),
            ("agreement, discretized with OctoMap's discretize (%)", 100 * Mode("discretized", "agreement_with_octomap"), 99.99, "%"),
            ("discretized vs exact, all cores (x faster)", Ms("exact", cores) / Ms("discretized", cores), 1, "x"),
            ("discretized vs exact, 1 thread (x faster)", Ms("exact", 1) / Ms("discretized", 1), 1, "x"),
            ("memory of the exact map vs memoryUsage() (x smaller)", octoMemory / Mode("exact", "memory_bytes"), 1, "x"),
        };
        if (bonxai is not null)
        {
            double bonxaiMs = Best(bonxai["insert"]!);
            rows.Add(("exact (default) vs Bonxai, all cores (x faster)", bonxaiMs / Ms("exact", cores), 2, "x"));
            rows.Add(("exact (default) vs Bonxai, 1 thread (x faster)", bonxaiMs / Ms("exact", 1), 1, "x"));
            rows.Add(("discretized vs Bonxai, all cores (x faster)", bonxaiMs / Ms("discretized", cores), 0, "x"));
            rows.Add(("discretized vs Bonxai, 1 thread (x faster)", bonxaiMs / Ms("discretized", 1), 0, "x"));
        }

        long points = scans.Frames.Sum(f => (long)f.Points.Length);
        Console.WriteLine($"{name}: {points} points, {scans.Resolution} m, range {(scans.MaxRange > 0 ? $"{scans.MaxRange} m" : "unlimited")}; " +
            $"OctoMap {octoFull:F1} / {octoDiscretized:F1} ms (full / discretize, best of its runs), ours exact {Ms("exact", cores):F2} ({Ms("exact", 1):F2} on 1), discretized {Ms("discretized", cores):F2} ({Ms("discretized", 1):F2} on 1)" +
            (bonxai is null ? "" : $", Bonxai {Best(bonxai["insert"]!):F2} ms") +
            $"; known voxels: ours {Mode("exact", "known_voxels"):F0}, OctoMap {octomap["map_full"]!["known_voxels"]!}" +
            (bonxai is null ? "" : $", Bonxai {bonxai["map"]!["known_voxels"]!}"));
        var json = new JsonArray();
        foreach ((string what, double value, double target, string unit) in rows)
        {
            bool met = target <= 0 || value >= target;
            Console.WriteLine($"  {what,-60} {value,10:F3} {(target > 0 ? $">= {target.ToString(CultureInfo.InvariantCulture)}" : ""),-10} {(target > 0 ? met ? "met" : "MISSED" : "")}");
            json.Add(new JsonObject { ["what"] = what, ["value"] = value, ["unit"] = unit, ["target"] = target, ["met"] = met });
        }

        var scene = new JsonObject
        {
            ["name"] = name,
            ["scan_file"] = scanPath,
            ["points"] = points,
            ["resolution"] = scans.Resolution,
            ["max_range"] = scans.MaxRange,
            ["occupancy"] = modes,
            ["peers_time"] = "least of the peer's repetitions (ms_per_frame); ours: medians",
            ["octomap"] = octomap.DeepClone(),
            ["bonxai"] = bonxai?.DeepClone(),
            ["rows"] = json,
        };
        JsonNode race = JsonNode.Parse(File.ReadAllText(raceJson))!;
        if (race["scenes"] is not JsonArray scenes)
        {
            scenes = [];
            race["scenes"] = scenes;
        }

        scenes.Add(scene);
        File.WriteAllText(raceJson, race.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
