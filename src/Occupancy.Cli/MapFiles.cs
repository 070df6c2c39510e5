using System;
using System.IO;
using Occupancy.Files;

namespace Occupancy.Cli;

/// <summary>Maps in and out by file extension: .occ, .bt and .ot read and written; .ply written only.</summary>
internal static class MapFiles
{
    public static string Format(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".occ" => "Occupancy map (.occ)",
        ".bt" => "OctoMap binary tree (.bt)",
        ".ot" => "OctoMap full tree (.ot)",
        ".ply" => "PLY",
        ".graph" => "OctoMap scan graph (.graph)",
        ".xyz" or ".txt" => "x y z text",
        _ => "unknown",
    };

    /// <summary>Loads a map (and the semantic layer of an .occ that has one).</summary>
    public static OccupancyMap Load(string path, out SemanticLayer? labels)
    {
        labels = null;
        if (!File.Exists(path))
        {
            throw CliException.Input($"{path}: no such file");
        }

        try
        {
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".occ" => OccupancyFile.Load(path, out labels),
                ".bt" or ".ot" => OctoMapFile.Load(path),
                _ => throw CliException.Input($"{path}: not a map this tool reads (.occ, .bt, .ot)"),
            };
        }
        catch (InvalidDataException e)
        {
            throw CliException.Input($"{path}: {e.Message}");
        }
    }

    /// <summary>Saves a map by the extension of <paramref name="path"/>, atomically.</summary>
    public static void Save(OccupancyMap map, SemanticLayer? labels, string path, bool cubes, string coloring)
    {
        try
        {
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".occ":
                    OccupancyFile.Save(map, path, labels);
                    break;
                case ".bt" or ".ot":
                    OctoMapFile.Save(map, path);
                    break;
                case ".ply":
                    bool byClass = coloring == "class";
                    if (byClass && labels is null)
                    {
                        throw CliException.Input($"{path}: --color class needs a map with a semantic layer (.occ)");
                    }

                    PlyFile.SaveVoxels(map, path, new PlyExportOptions
                    {
                        Geometry = cubes ? PlyGeometry.Cubes : PlyGeometry.Points,
                        Coloring = byClass ? PlyColoring.Class : PlyColoring.Height,
                        Labels = byClass ? labels : null,
                    });
                    break;
                default:
                    throw CliException.Input($"{path}: not a format this tool writes (.occ, .bt, .ot, .ply)");
            }
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw CliException.Input($"{path}: {e.Message}");
        }
        catch (IOException e)
        {
            throw CliException.Input($"{path}: {e.Message}");
        }
    }
}
