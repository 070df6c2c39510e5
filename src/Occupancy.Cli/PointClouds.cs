using System.IO;
using System.Numerics;
using Occupancy.Files;

namespace Occupancy.Cli;

/// <summary>Point clouds in: a scan graph's nodes (world frame, each with its sensor origin) or one PLY or xyz cloud.</summary>
internal static class PointClouds
{
    /// <summary>The clouds of a file in the world frame, and the number of scans.</summary>
    public static (int Scans, Vector3[][] Clouds) Load(string path) => Load(path, out _);

    public static (int Scans, Vector3[][] Clouds) Load(string path, out Vector3[]? origins)
    {
        origins = null;
        if (!File.Exists(path))
        {
            throw CliException.Input($"{path}: no such file");
        }

        try
        {
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".graph":
                    var nodes = ScanGraphFile.Load(path);
                    var clouds = new Vector3[nodes.Count][];
                    origins = new Vector3[nodes.Count];
                    for (int i = 0; i < nodes.Count; i++)
                    {
                        clouds[i] = nodes[i].ToWorld();
                        origins[i] = nodes[i].SensorOrigin;
                    }

                    return (nodes.Count, clouds);
                case ".ply":
                    return (1, [PlyFile.LoadPoints(path)]);
                case ".xyz" or ".txt":
                    return (1, [XyzFile.Load(path)]);
                default:
                    throw CliException.Input($"{path}: not a point cloud this tool reads (.graph, .ply, .xyz)");
            }
        }
        catch (InvalidDataException e)
        {
            throw CliException.Input($"{path}: {e.Message}");
        }
    }
}
