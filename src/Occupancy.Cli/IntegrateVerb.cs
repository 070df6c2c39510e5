using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;
using Occupancy.Files;

namespace Occupancy.Cli;

/// <summary>
/// <c>integrate IN OUT</c>: a map from a scan graph (each node's points from its sensor origin, as graph2tree inserts
/// them) or from one PLY or xyz cloud seen from <c>--origin</c>.
/// </summary>
internal static class IntegrateVerb
{
    public static void Run(Arguments a, TextWriter output, TextWriter error)
    {
        a.ExpectPositional(2, "IN OUT [--resolution R] [--max-range M] [--mode exact|discretized|first-point] [--origin x,y,z]");
        double resolution = a.Number("resolution", 0.1, OccupancyMap.MinResolution, OccupancyMap.MaxResolution);
        double maxRange = a.Number("max-range", double.PositiveInfinity, 0.01, double.PositiveInfinity);
        PointCloudMode mode = (a.Text("mode") ?? "exact") switch
        {
            "exact" => PointCloudMode.Exact,
            "discretized" => PointCloudMode.Discretized,
            "first-point" => PointCloudMode.FirstPointPerVoxel,
            string other => throw CliException.UsageError($"integrate: --mode must be exact, discretized or first-point, but was '{other}'"),
        };
        string input = a.Positional[0];
        bool graph = Path.GetExtension(input).Equals(".graph", System.StringComparison.OrdinalIgnoreCase);
        if (graph && a.Text("origin") is not null)
        {
            throw CliException.UsageError("integrate: --origin is for clouds; a scan graph holds each node's pose");
        }

        Vector3 origin = a.Point("origin", Vector3.Zero);
        string color = a.Text("color") ?? "height";
        if (color != "height")
        {
            throw CliException.UsageError($"integrate: --color must be height (an integrated map has no classes), but was '{color}'");
        }

        string target = a.Positional[1];
        if (Path.GetExtension(target).ToLowerInvariant() is not (".occ" or ".bt" or ".ot" or ".ply"))
        {
            throw CliException.UsageError($"integrate: {target}: not a format this tool writes (.occ, .bt, .ot, .ply)");
        }

        var map = new OccupancyMap(resolution);
        if (!map.TryGetKey(origin, out _))
        {
            throw CliException.UsageError(string.Create(CultureInfo.InvariantCulture, $"integrate: --origin {origin} lies outside the map at {resolution} m"));
        }

        var integrator = new PointCloudIntegrator(map, (float)maxRange, mode);
        var clock = Stopwatch.StartNew();
        long points = 0, nonFinite = 0; // non-finite points count as no return
        int scans;
        if (graph)
        {
            System.Collections.Generic.IReadOnlyList<ScanNode> nodes;
            try
            {
                nodes = ScanGraphFile.Load(input);
            }
            catch (InvalidDataException e)
            {
                throw CliException.Input($"{input}: {e.Message}");
            }

            var progress = new ProgressBar(error, nodes.Count, "integrating");
            for (int i = 0; i < nodes.Count; i++)
            {
                IntegrationStats stats = integrator.IntegrateWorldFrame(nodes[i].ToWorld(), nodes[i].SensorOrigin);
                points += nodes[i].Points.Length;
                nonFinite += stats.NoReturn;
                progress.Report(i + 1);
            }

            scans = nodes.Count;
        }
        else
        {
            (scans, Vector3[][] clouds) = PointClouds.Load(input);
            IntegrationStats stats = integrator.IntegrateWorldFrame(clouds[0], origin);
            points = clouds[0].Length;
            nonFinite = stats.NoReturn;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        MapFiles.Save(map, null, target, a.Flag("cubes"), color);
        VoxelCounts c = map.CountVoxels();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"integrated {scans} scan{(scans == 1 ? "" : "s")}, {points} points ({nonFinite} no return) at {resolution} m, {(double.IsPositiveInfinity(maxRange) ? "unlimited range" : $"range {maxRange} m")}, {mode.ToString().ToLowerInvariant()}, in {seconds:F2} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Positional[1]}: {c.Known} known voxels ({c.Free} free, {c.Occupied} occupied)"));
    }
}
