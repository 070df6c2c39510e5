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
/// `scene` times our exact and discretized integrators on it (one thread and all cores taking turns, as the room's
/// rows), compares them voxel for voxel with OctoMap's builds, and appends the scene's rows (targets: exact 25x
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

    public static int Run(string name, string scanPath, string octomapPrefix, int repetitions, string raceJson, string? bonxaiPath)
    {
        ScanFile scans = ScanFile.Read(scanPath);
        JsonNode octomap = JsonNode.Parse(File.ReadAllText(octomapPrefix + ".json"))!;
        JsonNode? bonxai = bonxaiPath is not null && File.Exists(bonxaiPath) ? JsonNode.Parse(File.ReadAllText(bonxaiPath)) : null;
        Dictionary<(int, int, int), byte> octomapFull = VoxelFile.Read(octomapPrefix + ".voxels.bin");
        Dictionary<(int, int, int), byte> octomapDiscretized = VoxelFile.Read(octomapPrefix + ".discretized.voxels.bin");
        float maxRange = scans.MaxRange > 0 ? (float)scans.MaxRange : float.PositiveInfinity;
        int frames = scans.Frames.Count;
        int cores = Environment.ProcessorCount;
        int[] threadCounts = cores > 1 ? [1, cores] : [1];

        var modes = new JsonObject();
        var medians = new Dictionary<(string, int), double>();
        foreach ((string mode, PointCloudMode pointMode, Dictionary<(int, int, int), byte> peer) in new[]
        {
            ("exact", PointCloudMode.Exact, octomapFull),
            ("discretized", PointCloudMode.Discretized, octomapDiscretized),
        })
        {
            (List<double>[] ms, OccupancyMap map) = Program.TimeBuilds(threads => Program.PrepareClouds(scans, maxRange, pointMode, threads), threadCounts, repetitions, MinMeasureSeconds, frames);

            var entry = new JsonObject();
            for (int t = 0; t < threadCounts.Length; t++)
            {
                medians[(mode, threadCounts[t])] = Program.Median(ms[t]);
                entry[$"threads_{threadCounts[t]}"] = new JsonObject { ["builds"] = ms[t].Count, ["ms_per_frame"] = Program.ToJson(ms[t]), ["median_ms_per_frame"] = Program.Median(ms[t]) };
            }

            VoxelCounts counts = map.CountVoxels();
            entry["memory_bytes"] = (double)map.MemoryBytes;
            entry["known_voxels"] = (double)counts.Known;
            entry["occupied_voxels"] = (double)counts.Occupied;
            entry["agreement_with_octomap"] = Program.Agreement(map, peer);
            modes[mode] = entry;
        }

        double octoFull = octomap["insert_full"]!["median_ms_per_frame"]!.GetValue<double>();
        double octoDiscretized = octomap["insert_discretized"]!["median_ms_per_frame"]!.GetValue<double>();
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
            double bonxaiMs = bonxai["insert"]!["median_ms_per_frame"]!.GetValue<double>();
            rows.Add(("exact (default) vs Bonxai, all cores (x faster)", bonxaiMs / Ms("exact", cores), 2, "x"));
            rows.Add(("exact (default) vs Bonxai, 1 thread (x faster)", bonxaiMs / Ms("exact", 1), 1, "x"));
            rows.Add(("discretized vs Bonxai, all cores (x faster)", bonxaiMs / Ms("discretized", cores), 0, "x"));
            rows.Add(("discretized vs Bonxai, 1 thread (x faster)", bonxaiMs / Ms("discretized", 1), 0, "x"));
        }

        long points = scans.Frames.Sum(f => (long)f.Points.Length);
        Console.WriteLine($"{name}: {points} points, {scans.Resolution} m, range {(scans.MaxRange > 0 ? $"{scans.MaxRange} m" : "unlimited")}; " +
            $"OctoMap {octoFull:F1} / {octoDiscretized:F1} ms (full / discretize), ours exact {Ms("exact", cores):F2} ({Ms("exact", 1):F2} on 1), discretized {Ms("discretized", cores):F2} ({Ms("discretized", 1):F2} on 1)" +
            (bonxai is null ? "" : $", Bonxai {bonxai["insert"]!["median_ms_per_frame"]!.GetValue<double>():F2} ms") +
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
