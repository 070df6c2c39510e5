using System.Globalization;
using System.IO;

namespace Occupancy.Cli;

/// <summary><c>convert IN OUT</c>: a map from one format to another, chosen by the extensions.</summary>
internal static class ConvertVerb
{
    public static void Run(Arguments a, TextWriter output)
    {
        a.ExpectPositional(2, "IN OUT [--cubes] [--color height|class]");
        string color = a.Text("color") ?? "height";
        if (color is not ("height" or "class"))
        {
            throw CliException.UsageError($"convert: --color must be height or class, but was '{color}'");
        }

        OccupancyMap map = MapFiles.Load(a.Positional[0], out SemanticLayer? labels);
        MapFiles.Save(map, labels, a.Positional[1], a.Flag("cubes"), color);
        VoxelCounts c = map.CountVoxels();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Positional[0]} -> {a.Positional[1]}: {c.Known} known voxels ({c.Occupied} occupied), {new FileInfo(a.Positional[1]).Length} bytes"));
    }
}
