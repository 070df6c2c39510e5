using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Occupancy.Files;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// Our side of the race against OctoMap (see benchmarks/compare-octomap.sh):
///   export SCAN.bin                      writes the standard room's 20 scans, query points and rays
///   run SCAN.bin OCTOMAP_PREFIX REPS OUT.json [BONXAI.json]   integrates the same scans, times everything, measures agreement
///   export-lidar SCAN.bin vlp16|hdl64 RES RANGE   one LiDAR scan of the street (RANGE 0: unlimited) (LidarScenes.cs)
///   scene NAME SCAN.bin OCTOMAP_PREFIX REPS RACE.json [BONXAI.json]   a LiDAR scene's rows, appended to race.json
///   files SCAN.bin [MAP]                 the file rows only (our side), on the exact map of the scans; saves it
///   ghosts [HALF_LIFE IN_VIEW]           ghost trails of a person crossing the room, without and with decay
///   flow [tune | explain|trace SEED [0] | SEED...] occupancy flow and forecasts on the street with traffic
///   rolling [BUDGET]                     the rolling window on a 1 km drive: memory against the budget, eviction cost
///   scaling [THREADS...]                 integration time per frame by thread count (for many-core machines)
///   soak [FRAMES]                        every integrator over many jittered frames: memory must stay flat (Soak.cs)
///   discretize SCAN.bin... [-r ROUNDS]   exact against discretized ray casting, taking turns (Discretize.cs)
///   stereo OUT_DIR [ROUNDS [BLOCK]]      our SGM against OpenCV's StereoSGBM on the street's four pairs (Stereo.cs)
/// </summary>
public static class Program
{
    private const int QueryCount = 100_000;
    private const int RayCount = 10_000;

    public static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 2 && args[0] == "export")
        {
            Export(args[1]);
            return 0;
        }

        if (args.Length is 5 or 6 && args[0] == "run")
        {
            return Run(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), args[4], args.Length == 6 ? args[5] : null);
        }

        if (args.Length == 5 && args[0] == "export-lidar")
        {
            return LidarScenes.Export(args[1], args[2], double.Parse(args[3], CultureInfo.InvariantCulture), double.Parse(args[4], CultureInfo.InvariantCulture));
        }

        if (args.Length >= 5 && args[0] == "scenes")
        {
            return LidarScenes.RunAll(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3], args[4..]);
        }

        if (args.Length >= 1 && args[0] == "scaling")
        {
            int[] threads = args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1, 2, 4, 8, 16];
            return Scaling.Run(threads);
        }

        if (args.Length is 2 or 3 && args[0] == "files")
        {
            // The file rows alone, on the exact map of the scans (for quick iterations on the readers and writers);
            // with a third argument, the map is also saved there (.occ, .bt or .ot).
            ScanFile scans = ScanFile.Read(args[1]);
            OccupancyMap map = PrepareClouds(scans, (float)scans.MaxRange, PointCloudMode.Exact, Environment.ProcessorCount)();
            TimeFiles(map);
            if (args.Length == 3)
            {
                if (args[2].EndsWith(".occ", StringComparison.OrdinalIgnoreCase))
                {
                    OccupancyFile.Save(map, args[2]);
                }
                else
                {
                    OctoMapFile.Save(map, args[2]);
                }
            }

            return 0;
        }

        if (args.Length is 4 or 5 && args[0] == "disagree")
        {
            return Disagree.Run(args[1], args[2], args[3], args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 5);
        }

        if (args.Length is 1 or 3 && args[0] == "ghosts")
        {
            return Ghosts.Run(args.Length == 3 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 8, args.Length == 3 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0.25);
        }

        if (args.Length >= 1 && args[0] == "flow")
        {
            return Flow.Run(args[1..]);
        }

        if (args.Length is 1 or 2 && args[0] == "rolling")
        {
            return Rolling.Run(args.Length == 2 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 8L << 20);
        }

        if (args.Length >= 2 && args[0] == "discretize")
        {
            return Discretize.Run(args[1..]);
        }

        if (args.Length is >= 2 and <= 4 && args[0] == "stereo")
        {
            return Stereo.Run(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7, args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : Stereo.BlockSize);
        }

        if (args.Length >= 1 && args[0] == "soak")
        {
            return Soak.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000);
        }

        Console.Error.WriteLine("usage: export SCAN.bin | run SCAN.bin OCTOMAP_PREFIX REPETITIONS OUT.json | export-lidar SCAN.bin vlp16|hdl64 RESOLUTION RANGE | scenes DIR REPETITIONS OUT.json NAME... | files SCAN.bin [MAP.occ|.bt|.ot] | scaling [THREADS...] | soak [FRAMES] | discretize SCAN.bin... [-r ROUNDS] | stereo OUT_DIR [ROUNDS [BLOCK_SIZE]] | ghosts [HALF_LIFE HALF_LIFE_IN_VIEW] | rolling [BUDGET_BYTES] | flow [tune | explain|trace SEED [0] | SEED...]");
        return 2;
    }

    private static float[][] RenderRoom() => StandardRoom.RenderAllDepth(StandardRoom.CreateScene());

    private static void Export(string path)
    {
        float[][] depth = RenderRoom();
        var file = new ScanFile { Resolution = StandardRoom.Resolution, MaxRange = StandardRoom.MaxRange, Queries = new Vector3[QueryCount], Rays = new (Vector3, Vector3, float)[RayCount] };
        var buffer = new Vector3[StandardRoom.Intrinsics.PixelCount];
        for (int i = 0; i < depth.Length; i++)
        {
            int n = DepthProjection.BackProject(depth[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i), buffer);
            file.Frames.Add((StandardRoom.CameraPose(i).Position, buffer.AsSpan(0, n).ToArray()));
        }

        var random = new Random(42);
        for (int i = 0; i < QueryCount; i++)
        {
            file.Queries[i] = new Vector3((random.NextSingle() * 10) - 5, (random.NextSingle() * 10) - 5, random.NextSingle() * 3);
        }

        for (int i = 0; i < RayCount; i++)
        {
            float a = random.NextSingle() * 2 * MathF.PI;
            var origin = new Vector3(StandardRoom.PathRadius * MathF.Cos(a), StandardRoom.PathRadius * MathF.Sin(a), 0.5f + (random.NextSingle() * 2));
            var direction = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, (random.NextSingle() - 0.5f) * 0.5f));
            file.Rays[i] = (origin, direction, 10f);
        }

        file.Write(path);
        Console.WriteLine($"wrote {path}: {file.Frames.Count} frames, {file.Frames.Sum(f => (long)f.Points.Length)} points, {QueryCount} queries, {RayCount} rays");
    }

    /// <summary>Each integration mode is measured for at least this long (all thread counts together).</summary>
    private const double MinMeasureSeconds = 2;

    private static int Run(string scanPath, string octomapPrefix, int repetitions, string outPath, string? bonxaiPath)
    {
        ScanFile scans = ScanFile.Read(scanPath);
        JsonNode octomap = JsonNode.Parse(File.ReadAllText(octomapPrefix + ".json"))!;
        JsonNode? bonxai = bonxaiPath is not null && File.Exists(bonxaiPath) ? JsonNode.Parse(File.ReadAllText(bonxaiPath)) : null;
        string octomapVoxels = octomapPrefix + ".voxels.bin";
        string octomapDiscretizedVoxels = octomapPrefix + ".discretized.voxels.bin";
        float[][] depth = RenderRoom();
        float maxRange = (float)scans.MaxRange;
        int frames = scans.Frames.Count;
        var results = new JsonObject();
        var table = new List<(string What, double Ours, double Theirs, string Unit, double Target, bool HigherIsBetter)>();

        // Integration: each repetition builds a fresh map from all frames; the median of the repetitions is reported.
        // Each build: a new map and integrator, made before the clock starts, then every frame integrated into it (timed),
        // as the OctoMap harness makes a new tree (freeing the last) before its clock starts and times the inserts.
        var modes = new (string Name, Func<int, Func<OccupancyMap>> Prepare)[]
        {
            ("exact", threads => PrepareClouds(scans, maxRange, PointCloudMode.Exact, threads)),
            ("discretized", threads => PrepareClouds(scans, maxRange, PointCloudMode.Discretized, threads)),
            ("first-point", threads => PrepareClouds(scans, maxRange, PointCloudMode.FirstPointPerVoxel, threads)),
            ("projective", threads => PrepareDepth(depth, scans.Resolution, maxRange, threads)),
        };
        var maps = new Dictionary<string, OccupancyMap>();
        double octoFull = octomap["insert_full"]!["median_ms_per_frame"]!.GetValue<double>();
        double octoDiscrete = octomap["insert_discretized"]!["median_ms_per_frame"]!.GetValue<double>();
        foreach ((string name, Func<int, Func<OccupancyMap>> prepare) in modes)
        {
            var mode = new JsonObject();
            int[] threadCounts = Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

            (List<double>[] ms, OccupancyMap map) = TimeBuilds(prepare, threadCounts, repetitions, MinMeasureSeconds, frames);

            for (int t = 0; t < threadCounts.Length; t++)
            {
                mode[$"threads_{threadCounts[t]}"] = new JsonObject { ["builds"] = ms[t].Count, ["ms_per_frame"] = ToJson(ms[t]), ["median_ms_per_frame"] = Median(ms[t]) };
            }

            maps[name] = map;
            if (threadCounts.Length > 1)
            {
                mode["speedup_all_cores_vs_one"] = Median(ms[0]) / Median(ms[1]);
            }

            mode["allocated_bytes_per_frame_steady_state"] = SteadyStateAllocation(name, scans, depth, maxRange);
            mode["memory_bytes"] = maps[name].MemoryBytes;
            VoxelCounts counts = maps[name].CountVoxels();
            mode["known_voxels"] = counts.Known;
            mode["occupied_voxels"] = counts.Occupied;
            mode["agreement_with_octomap_full"] = VoxelFile.Agreement(octomapVoxels, maps[name]);
            mode["agreement_with_octomap_discretized"] = VoxelFile.Agreement(octomapDiscretizedVoxels, maps[name]);
            results[name] = mode;
        }

        // Queries on the exact map (the one that matches OctoMap's full insertPointCloud).
        OccupancyMap exactMap = maps["exact"];
        var states = new VoxelState[scans.Queries.Length];
        double lookupNs = TimePerItem(() => exactMap.GetStates(scans.Queries, states), scans.Queries.Length);
        // The same batches below the size that is split over the cores: what one core does.
        double lookupOneCoreNs = TimePerItem(() =>
        {
            for (int start = 0; start < scans.Queries.Length; start += 8192)
            {
                int n = Math.Min(8192, scans.Queries.Length - start);
                exactMap.GetStates(scans.Queries.AsSpan(start, n), states.AsSpan(start, n));
            }
        }, scans.Queries.Length);
        double singleNs = TimePerItem(() =>
        {
            int occupied = 0;
            foreach (Vector3 q in scans.Queries)
            {
                occupied += exactMap.GetState(q) == VoxelState.Occupied ? 1 : 0;
            }

            GC.KeepAlive(occupied);
        }, scans.Queries.Length);
        int rayHits = 0;
        double rayNs = TimePerItem(() =>
        {
            rayHits = 0;
            foreach ((Vector3 o, Vector3 d, float r) in scans.Rays)
            {
                rayHits += exactMap.CastRay(o, d, r, UnknownPolicy.TreatAsFree).IsHit ? 1 : 0;
            }
        }, scans.Rays.Length);
        JsonObject files = TimeFiles(exactMap);
        results["files"] = files;
        results["lookup_batched_ns"] = lookupNs;
        results["lookup_batched_1_thread_ns"] = lookupOneCoreNs;
        results["lookup_single_ns"] = singleNs;
        results["cast_ray_ns"] = rayNs;
        results["cast_ray_hits"] = rayHits;

        double octoLookup = octomap["lookup"]!["median_ns_per_lookup"]!.GetValue<double>();
        double octoRay = octomap["raycast"]!["median_ns_per_ray"]!.GetValue<double>();
        double octoMemory = octomap["map_full"]!["memory_usage_bytes"]!.GetValue<double>();
        string all = $"threads_{Environment.ProcessorCount}";
        double Ms(string mode, string threads) => results[mode]![threads]!["median_ms_per_frame"]!.GetValue<double>();
        table.Add(("point cloud, exact vs OctoMap insertPointCloud (ms/frame)", Ms("exact", all), octoFull, "x faster", 20, true));
        table.Add(("point cloud, exact, 1 thread (ms/frame)", Ms("exact", "threads_1"), octoFull, "x faster", 0, true));
        table.Add(("point cloud, discretized vs OctoMap discretized (ms/frame)", Ms("discretized", all), octoDiscrete, "x faster", 20, true));
        table.Add(("point cloud, discretized, 1 thread (ms/frame)", Ms("discretized", "threads_1"), octoDiscrete, "x faster", 0, true));
        table.Add(("point cloud, first point per voxel vs OctoMap discretized (ms/frame)", Ms("first-point", all), octoDiscrete, "x faster", 0, true));
        table.Add(("depth image, projective vs OctoMap full (ms/frame)", Ms("projective", all), octoFull, "x faster", 500, true));
        table.Add(("depth image, projective, 1 thread (ms/frame)", Ms("projective", "threads_1"), octoFull, "x faster", 0, true));
        table.Add(("point lookup, batched vs search (ns)", lookupNs, octoLookup, "x faster", 20, true));
        table.Add(("point lookup, batched, 1 thread (ns)", lookupOneCoreNs, octoLookup, "x faster", 0, true));
        table.Add(("point lookup, one call each vs search (ns)", singleNs, octoLookup, "x faster", 20, true));
        table.Add(("ray cast to first occupied vs castRay (ns)", rayNs, octoRay, "x faster", 10, true));
        table.Add(("memory of the exact map vs memoryUsage() (MiB)", exactMap.MemoryBytes / 1048576.0, octoMemory / 1048576.0, "x smaller", 1, true));
        JsonNode octoFiles = octomap["files"]!;
        double F(JsonNode n, string key) => n[key]!.GetValue<double>();
        table.Add((".bt write vs writeBinary, in memory (ms)", F(files, "bt_write_ms"), F(octoFiles, "bt_write_ms"), "x faster", 5, true));
        table.Add((".bt read vs readBinary, in memory (ms)", F(files, "bt_read_ms"), F(octoFiles, "bt_read_ms"), "x faster", 5, true));
        table.Add((".ot write vs write, in memory (ms)", F(files, "ot_write_ms"), F(octoFiles, "ot_write_ms"), "x faster", 5, true));
        table.Add((".ot read vs read, in memory (ms)", F(files, "ot_read_ms"), F(octoFiles, "ot_read_ms"), "x faster", 5, true));
        table.Add((".occ save vs OctoMap's lossless write (.ot) (ms)", F(files, "occ_save_ms"), F(octoFiles, "ot_write_ms"), "x faster", 0, true));
        table.Add((".occ load vs OctoMap's lossless read (.ot) (ms)", F(files, "occ_load_ms"), F(octoFiles, "ot_read_ms"), "x faster", 0, true));

        var ratios = new JsonArray();
        Console.WriteLine();
        Console.WriteLine($"{"what",-62} {"Occupancy",12} {"OctoMap",12} {"ratio",14} {"target",8}");
        foreach ((string what, double ours, double theirs, string unit, double target, _) in table)
        {
            double ratio = theirs / ours;
            string verdict = target <= 0 ? "" : ratio >= target ? "met" : "MISSED";
            Console.WriteLine($"{what,-62} {ours,12:F3} {theirs,12:F3} {ratio,8:F1} {unit,-9} {(target > 0 ? $">= {target}" : ""),-6} {verdict}");
            ratios.Add(new JsonObject { ["what"] = what, ["occupancy"] = ours, ["octomap"] = theirs, ["ratio"] = ratio, ["unit"] = unit, ["target"] = target, ["met"] = target <= 0 || ratio >= target });
        }

        // Absolute targets of our own format: payload bytes (the map's bytes before compression) a second, in memory
        // (the format's cost, LZ4 by default) and through a file (the atomic save's flush to disk included: this
        // machine's disk, not the format).
        var absolute = new JsonArray();
        Console.WriteLine();
        foreach ((string what, string key, double target) in new[]
        {
            (".occ save, in memory (GB/s)", "occ_save_gb_per_s", 1.0), (".occ load, in memory (GB/s)", "occ_load_gb_per_s", 1.0),
            (".occ save, uncompressed, in memory (GB/s)", "occ_uncompressed_save_gb_per_s", 0.0), (".occ load, uncompressed, in memory (GB/s)", "occ_uncompressed_load_gb_per_s", 0.0),
            (".occ save to a file, atomic, flushed to disk (GB/s)", "occ_file_save_gb_per_s", 0.0), (".occ load from a file (GB/s)", "occ_file_load_gb_per_s", 0.0),
        })
        {
            double value = F(files, key);
            string verdict = target <= 0 ? "" : value >= target ? "met" : "MISSED";
            Console.WriteLine($"{what,-62} {value,12:F3} {"",12} {"",14} {(target > 0 ? $">= {target}" : ""),-6} {verdict}");
            absolute.Add(new JsonObject { ["what"] = what, ["value"] = value, ["target"] = target, ["met"] = target <= 0 || value >= target });
        }

        // Agreement: share of the voxels known to either map classified alike, against the OctoMap build the mode
        // follows; and the discretized mode is never slower than the exact one.
        var agreement = new JsonArray();
        Console.WriteLine();
        foreach ((string what, string mode, string key, double target) in new[]
        {
            ("agreement, exact with OctoMap's full insert (%)", "exact", "agreement_with_octomap_full", 99.9),
            ("agreement, discretized with OctoMap's discretize (%)", "discretized", "agreement_with_octomap_discretized", 99.99),
            ("agreement, first point per voxel with OctoMap's full insert (%)", "first-point", "agreement_with_octomap_full", 99.0),
            ("agreement, discretized with OctoMap's full insert (%)", "discretized", "agreement_with_octomap_full", 0),
            ("agreement, projective with OctoMap's full insert (%)", "projective", "agreement_with_octomap_full", 0),
        })
        {
            double value = 100 * results[mode]![key]!.GetValue<double>();
            string verdict = target <= 0 ? "" : value >= target ? "met" : "MISSED";
            Console.WriteLine($"{what,-62} {value,12:F3} {"",12} {"",14} {(target > 0 ? $">= {target}" : ""),-6} {verdict}");
            agreement.Add(new JsonObject { ["what"] = what, ["value"] = value, ["target"] = target, ["met"] = target <= 0 || value >= target });
        }

        double exactOverDiscretized = Ms("exact", all) / Ms("discretized", all);
        string slower = exactOverDiscretized >= 1 ? "met" : "MISSED";
        Console.WriteLine($"{"discretized vs exact, both cores (x faster)",-62} {exactOverDiscretized,12:F3} {"",12} {"",14} {">= 1",-6} {slower}");
        agreement.Add(new JsonObject { ["what"] = "discretized vs exact, both cores (x faster)", ["value"] = exactOverDiscretized, ["target"] = 1.0, ["met"] = exactOverDiscretized >= 1 });

        Console.WriteLine();
        foreach (string mode in new[] { "exact", "discretized", "first-point", "projective" })
        {
            JsonNode m = results[mode]!;
            Console.WriteLine($"{mode,-12}: cores speed-up {m["speedup_all_cores_vs_one"]?.GetValue<double>() ?? 1:F2}x   steady-state allocation {m["allocated_bytes_per_frame_steady_state"]!.GetValue<double>():F0} B/frame");
        }

        // Bonxai's ProbabilisticMap (single-threaded, OctoMap's sensor model) on the same scans: our default
        // integrator (exact ray casting) on all cores at least twice as fast, and on one thread no slower; each
        // side's known voxels beside its time (Bonxai's ray iterator visits fewer voxels than an exact traversal).
        var bonxaiRows = new JsonArray();
        Console.WriteLine();
        if (bonxai is null)
        {
            Console.WriteLine("Bonxai: no results (build them with BONXAI_DIR set to a Bonxai checkout); rows skipped");
        }
        else
        {
            double bonxaiMs = bonxai["insert"]!["median_ms_per_frame"]!.GetValue<double>();
            long bonxaiKnown = bonxai["map"]!["known_voxels"]!.GetValue<long>();
            double bonxaiMemory = bonxai["map"]!["mem_usage_bytes"]!.GetValue<double>();
            Console.WriteLine($"{"what",-62} {"Occupancy",12} {"Bonxai",12} {"ratio",14} {"target",8}   known voxels: Occupancy / Bonxai");
            foreach ((string what, string mode, string threads, double target) in new[]
            {
                ("point cloud, exact (default), all cores vs Bonxai (ms/frame)", "exact", all, 2.0),
                ("point cloud, exact (default), 1 thread vs Bonxai (ms/frame)", "exact", "threads_1", 1.0),
                ("point cloud, discretized, all cores vs Bonxai (ms/frame)", "discretized", all, 0),
                ("point cloud, discretized, 1 thread vs Bonxai (ms/frame)", "discretized", "threads_1", 0),
            })
            {
                double ours = Ms(mode, threads), ratio = bonxaiMs / ours;
                long known = results[mode]!["known_voxels"]!.GetValue<long>();
                string verdict = target <= 0 ? "" : ratio >= target ? "met" : "MISSED";
                Console.WriteLine($"{what,-62} {ours,12:F3} {bonxaiMs,12:F3} {ratio,8:F1} {"x faster",-9} {(target > 0 ? $">= {target}" : ""),-6} {verdict,-6}   {known} / {bonxaiKnown}");
                bonxaiRows.Add(new JsonObject
                {
                    ["what"] = what, ["occupancy"] = ours, ["bonxai"] = bonxaiMs, ["ratio"] = ratio, ["unit"] = "x faster", ["target"] = target,
                    ["met"] = target <= 0 || ratio >= target, ["known_voxels_occupancy"] = known, ["known_voxels_bonxai"] = bonxaiKnown,
                });
            }

            double ourMemory = exactMap.MemoryBytes;
            Console.WriteLine($"{"memory of the exact map vs Bonxai's memUsage() (MiB)",-62} {ourMemory / 1048576.0,12:F3} {bonxaiMemory / 1048576.0,12:F3} {bonxaiMemory / ourMemory,8:F1} {"x smaller",-9}");
            bonxaiRows.Add(new JsonObject { ["what"] = "memory of the exact map vs Bonxai's memUsage() (MiB)", ["occupancy"] = ourMemory / 1048576.0, ["bonxai"] = bonxaiMemory / 1048576.0, ["ratio"] = bonxaiMemory / ourMemory, ["unit"] = "x smaller", ["target"] = 0.0, ["met"] = true });
        }

        var summary = new JsonObject
        {
            ["date_utc"] = DateTime.UtcNow.ToString("O"),
            ["machine"] = Machine(),
            ["scan_file"] = scanPath,
            ["repetitions"] = repetitions,
            ["min_measure_seconds_per_mode"] = MinMeasureSeconds,
            ["frames"] = frames,
            ["points"] = scans.Frames.Sum(f => (long)f.Points.Length),
            ["resolution"] = scans.Resolution,
            ["max_range"] = scans.MaxRange,
            ["occupancy"] = results,
            ["octomap"] = octomap.DeepClone(),
            ["ratios"] = ratios,
            ["absolute"] = absolute,
            ["agreement"] = agreement,
            ["bonxai"] = bonxai?.DeepClone(),
            ["bonxai_rows"] = bonxaiRows,
        };
        File.WriteAllText(outPath, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\nwrote {outPath}");
        return 0;
    }

    /// <summary>
    /// Times builds of a mode, milliseconds a frame per thread count, and returns the last map. Warm-up first, until
    /// tiered compilation has settled (methods move to optimised code after 30 calls and a 100 ms delay; a build may be
    /// a few frames): at least two builds for each thread count, and one second for all of them. Then the thread counts take turns,
    /// build by build, so that both are measured under the same conditions (this machine's second core has slow phases
    /// lasting seconds; measured one after the other, a phase that fell on one of them alone moved the cores' speed-up
    /// by a third): at least <paramref name="repetitions"/> rounds, and rounds until <paramref name="minSeconds"/> have
    /// passed, so that a fast mode's median is not taken over a few tens of milliseconds.
    /// </summary>
    internal static (List<double>[] Ms, OccupancyMap Map) TimeBuilds(Func<int, Func<OccupancyMap>> prepare, int[] threadCounts, int repetitions, double minSeconds, int frames)
    {
        (List<double>[][] ms, OccupancyMap[] maps) = TimeModes([prepare], threadCounts, repetitions, minSeconds, frames);
        return (ms[0], maps[0]);
    }

    /// <summary>
    /// <see cref="TimeBuilds"/> for several modes at once, taking turns build by build over every mode and thread count,
    /// so that modes compared with each other (discretized against exact) are measured under the same conditions:
    /// measured one after the other, a slow phase of this machine that fell on one alone decided the comparison.
    /// Milliseconds a frame per mode and thread count, and each mode's last map; <paramref name="minSeconds"/> is per mode.
    /// The warm-up's second (<paramref name="warmUpSeconds"/>) may be 0 where the process has run these modes already:
    /// two builds for each thread count remain.
    /// </summary>
    internal static (List<double>[][] Ms, OccupancyMap[] Maps) TimeModes(IReadOnlyList<Func<int, Func<OccupancyMap>>> prepares, int[] threadCounts, int repetitions, double minSeconds, int frames, double warmUpSeconds = 1)
    {
        foreach (Func<int, Func<OccupancyMap>> prepare in prepares)
        {
            long warmStart = Stopwatch.GetTimestamp();
            for (int w = 0; w < 2 || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < warmUpSeconds; w++)
            {
                foreach (int threads in threadCounts)
                {
                    prepare(threads)();
                }
            }
        }

        var ms = prepares.Select(_ => threadCounts.Select(_ => new List<double>()).ToArray()).ToArray();
        var maps = new OccupancyMap[prepares.Count];
        long measureStart = Stopwatch.GetTimestamp();
        for (int r = 0; r < repetitions || Stopwatch.GetElapsedTime(measureStart).TotalSeconds < minSeconds * prepares.Count; r++)
        {
            for (int m = 0; m < prepares.Count; m++)
            {
                for (int t = 0; t < threadCounts.Length; t++)
                {
                    Func<OccupancyMap> build = prepares[m](threadCounts[t]);
                    // The last build's map and integrator collected before the clock starts, as OctoMap's harness frees its
                    // last tree before its clock starts: left to the background collector, collecting them competed with
                    // the timed build for this machine's two cores. The last map's finalizer gives its slabs to the next
                    // map (SlabPool), as a program that makes maps often gets them.
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    long start = Stopwatch.GetTimestamp();
                    maps[m] = build();
                    ms[m][t].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / frames);
                }
            }
        }

        return (ms, maps);
    }

    /// <summary>A new map and point-cloud integrator; the returned build integrates every scan into them.</summary>
    internal static Func<OccupancyMap> PrepareClouds(ScanFile scans, float maxRange, PointCloudMode mode, int threads)
    {
        var map = new OccupancyMap(scans.Resolution);
        var integrator = new PointCloudIntegrator(map, maxRange, mode) { MaxDegreeOfParallelism = threads };
        return () =>
        {
            foreach ((Vector3 origin, Vector3[] points) in scans.Frames)
            {
                integrator.IntegrateWorldFrame(points, origin);
            }

            return map;
        };
    }

    /// <summary>A new map and depth-image integrator; the returned build integrates every frame into them.</summary>
    private static Func<OccupancyMap> PrepareDepth(float[][] depth, double resolution, float maxRange, int threads)
    {
        var map = new OccupancyMap(resolution);
        var integrator = new DepthImageIntegrator(map, maxRange) { MaxDegreeOfParallelism = threads };
        return () =>
        {
            for (int i = 0; i < depth.Length; i++)
            {
                integrator.Integrate(depth[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
            }

            return map;
        };
    }

    /// <summary>Bytes allocated per frame when the map already holds the room (all threads, all frames once more).</summary>
    private static double SteadyStateAllocation(string mode, ScanFile scans, float[][] depth, float maxRange)
    {
        var map = new OccupancyMap(scans.Resolution);
        Action<int> integrate;
        if (mode == "projective")
        {
            var d = new DepthImageIntegrator(map, maxRange);
            integrate = i => d.Integrate(depth[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
        }
        else
        {
            PointCloudMode cloudMode = mode switch { "exact" => PointCloudMode.Exact, "discretized" => PointCloudMode.Discretized, _ => PointCloudMode.FirstPointPerVoxel };
            var p = new PointCloudIntegrator(map, maxRange, cloudMode);
            integrate = i => p.IntegrateWorldFrame(scans.Frames[i].Points, scans.Frames[i].Origin);
        }

        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < depth.Length; i++)
            {
                integrate(i);
            }
        }

        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < depth.Length; i++)
        {
            integrate(i);
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)depth.Length;
    }

    /// <summary>
    /// Our side of the file rows, on the exact map (the one OctoMap's full insert agrees with): .bt and .ot written to and
    /// read from memory as OctoMap's are, and .occ in memory and through a file (atomic save, flushed to disk).
    /// </summary>
    private static JsonObject TimeFiles(OccupancyMap map)
    {
        var bt = new MemoryStream();
        OctoMapFile.WriteBinary(map, bt);
        var ot = new MemoryStream();
        OctoMapFile.Write(map, ot);
        var occ = new MemoryStream();
        OccupancyFile.Save(map, occ);
        var plain = new MemoryStream();
        OccupancyFile.Save(map, plain, null, OccupancyCompression.None);
        byte[] btBytes = bt.ToArray(), otBytes = ot.ToArray(), occBytes = occ.ToArray(), plainBytes = plain.ToArray();
        var sink = new MemoryStream(occBytes.Length * 2);
        double Ms(Action action) => TimePerItem(action, 1) / 1e6;
        double btWrite = Ms(() => { sink.SetLength(0); OctoMapFile.WriteBinary(map, sink); });
        double btRead = TimeLoad(() => OctoMapFile.ReadBinary(new MemoryStream(btBytes)));
        double btReadInARow = TimeLoadsInARow(() => OctoMapFile.ReadBinary(new MemoryStream(btBytes)));
        double otWrite = Ms(() => { sink.SetLength(0); OctoMapFile.Write(map, sink); });
        double otRead = TimeLoad(() => OctoMapFile.Read(new MemoryStream(otBytes)));
        double occSave = Ms(() => { sink.SetLength(0); OccupancyFile.Save(map, sink); });
        double occLoad = TimeLoad(() => OccupancyFile.Load(new MemoryStream(occBytes)));
        double plainSave = Ms(() => { sink.SetLength(0); OccupancyFile.Save(map, sink, null, OccupancyCompression.None); });
        double plainLoad = TimeLoad(() => OccupancyFile.Load(new MemoryStream(plainBytes)));
        string path = Path.Combine(Path.GetTempPath(), $"race-{Environment.ProcessId}.occ");
        double fileSave = Ms(() => OccupancyFile.Save(map, path));
        double fileLoad = TimeLoad(() => OccupancyFile.Load(path));
        File.Delete(path);
        // Payload: the map's bytes as the format holds them before compression (the uncompressed file's size).
        double GBps(double ms) => plainBytes.Length / (ms / 1e3) / 1e9;
        Console.WriteLine($"files: .bt {btBytes.Length} B, .ot {otBytes.Length} B, .occ {occBytes.Length} B (LZ4; {plainBytes.Length} B as is); .occ in memory save {occSave:F2} ms ({GBps(occSave):F2} GB/s), load {occLoad:F2} ms ({GBps(occLoad):F2} GB/s); uncompressed save {plainSave:F2} ms, load {plainLoad:F2} ms; file save {fileSave:F2} ms, load {fileLoad:F2} ms; .bt write {btWrite:F2} ms, read {btRead:F2} ms ({btReadInARow:F2} ms each in a row, {(System.Runtime.GCSettings.IsServerGC ? "server" : System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "non-concurrent" : "concurrent")} GC); .ot write {otWrite:F2} ms, read {otRead:F2} ms");
        return new JsonObject
        {
            ["bt_bytes"] = btBytes.Length, ["ot_bytes"] = otBytes.Length, ["occ_bytes"] = occBytes.Length, ["occ_payload_bytes"] = plainBytes.Length,
            ["occ_uncompressed_save_ms"] = plainSave, ["occ_uncompressed_load_ms"] = plainLoad,
            ["occ_uncompressed_save_gb_per_s"] = GBps(plainSave), ["occ_uncompressed_load_gb_per_s"] = GBps(plainLoad),
            ["bt_write_ms"] = btWrite, ["bt_read_ms"] = btRead, ["bt_read_in_a_row_ms"] = btReadInARow, ["ot_write_ms"] = otWrite, ["ot_read_ms"] = otRead,
            ["occ_save_ms"] = occSave, ["occ_load_ms"] = occLoad, ["occ_file_save_ms"] = fileSave, ["occ_file_load_ms"] = fileLoad,
            ["occ_save_gb_per_s"] = GBps(occSave), ["occ_load_gb_per_s"] = GBps(occLoad),
            ["occ_file_save_gb_per_s"] = GBps(fileSave), ["occ_file_load_gb_per_s"] = GBps(fileLoad),
        };
    }

    /// <summary>
    /// Milliseconds of a call that builds a new map (a read or a load), the median of single calls (at least 15, and
    /// calls for at least a second), each with the last call's map collected before the clock starts: OctoMap's harness
    /// destroys the tree it read outside its timed region, and so the collector's work on the last map is not counted
    /// here either. A collection the new map's own allocations cause inside the call is counted.
    /// </summary>
    private static double TimeLoad(Func<OccupancyMap> load)
    {
        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 500)
        {
            GC.KeepAlive(load());
        }

        var samples = new List<double>();
        long begin = Stopwatch.GetTimestamp();
        while (samples.Count < 15 || Stopwatch.GetElapsedTime(begin).TotalSeconds < 1)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long start = Stopwatch.GetTimestamp();
            OccupancyMap map = load();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            GC.KeepAlive(map);
        }

        return Median(samples);
    }

    /// <summary>
    /// Milliseconds a load, loads one after another with nothing collected between them (a process that loads many maps
    /// in a row): the mean over at least 2 s, after half a second of warm-up.
    /// </summary>
    private static double TimeLoadsInARow(Func<OccupancyMap> load)
    {
        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 500)
        {
            GC.KeepAlive(load());
        }

        int loads = 0;
        long begin = Stopwatch.GetTimestamp();
        while (loads < 20 || Stopwatch.GetElapsedTime(begin).TotalSeconds < 2)
        {
            GC.KeepAlive(load());
            loads++;
        }

        return Stopwatch.GetElapsedTime(begin).TotalMilliseconds / loads;
    }

    private static double TimePerItem(Action action, int items)
    {
        // Warm up for half a second so that tiered compilation has produced the optimised code before timing.
        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 500)
        {
            action();
        }

        var samples = new List<double>();
        for (int r = 0; r < 5; r++)
        {
            int passes = 0;
            long start = Stopwatch.GetTimestamp();
            do
            {
                action();
                passes++;
            }
            while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 50);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / ((double)passes * items));
        }

        return Median(samples);
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    internal static JsonArray ToJson(List<double> values) => new(values.Select(v => (JsonNode)v).ToArray());

    internal static JsonObject Machine()
    {
        string cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        return new JsonObject
        {
            ["cpu"] = cpu,
            ["logical_cores"] = Environment.ProcessorCount,
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["avx2"] = System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            ["kernels"] = Kernels.Describe(),
        };
    }
}
