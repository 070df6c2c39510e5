using System.Globalization;
using System.IO;
using System.Numerics;

namespace Occupancy.Cli;

/// <summary><c>info FILE</c>: what a map or cloud file holds.</summary>
internal static class InfoVerb
{
    public static void Run(Arguments a, TextWriter output)
    {
        a.ExpectPositional(1, "FILE");
        string path = a.Positional[0];
        if (!File.Exists(path))
        {
            throw CliException.Input($"{path}: no such file");
        }

        output.WriteLine($"file        {path} ({new FileInfo(path).Length} bytes)");
        output.WriteLine($"format      {MapFiles.Format(path)}");
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".graph" or ".ply" or ".xyz" or ".txt")
        {
            (int scans, Vector3[][] clouds) = PointClouds.Load(path);
            long points = 0;
            foreach (Vector3[] c in clouds)
            {
                points += c.Length;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"points      {points} in {scans} scan{(scans == 1 ? "" : "s")}"));
            return;
        }

        OccupancyMap map = MapFiles.Load(path, out SemanticLayer? labels);
        VoxelCounts counts = map.CountVoxels();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"resolution  {map.Resolution} m"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"voxels      {counts.Known} known: {counts.Free} free, {counts.Occupied} occupied"));
        if (Bounds.Of(map) is { } box)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bounds      x {box.Min.X:F3}..{box.Max.X:F3}  y {box.Min.Y:F3}..{box.Max.Y:F3}  z {box.Min.Z:F3}..{box.Max.Z:F3} m (known voxels)"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bricks      {map.BrickCount} (8x8x8 voxels)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory      {map.MemoryBytes / 1048576.0:F2} MiB in memory"));
        if (labels is not null)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"labels      {labels.Count} labelled voxels"));
        }
    }
}
