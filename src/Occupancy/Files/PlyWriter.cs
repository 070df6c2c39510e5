using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;

namespace Occupancy.Files;

/// <summary>Occupied voxels as a binary little-endian PLY: vertices (float x, y, z; uchar red, green, blue), faces for cubes.</summary>
internal static class PlyWriter
{
    public static void Check(OccupancyMap map, PlyExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(map);
        ThrowHelper.ThrowIfUndefined(options.Geometry, nameof(options));
        ThrowHelper.ThrowIfUndefined(options.Coloring, nameof(options));
        if (options.Coloring == PlyColoring.Class && (options.Labels is null || !ReferenceEquals(options.Labels.Map, map)))
        {
            ThrowHelper.Argument(nameof(options), "options.Labels must be the map's semantic layer to colour by class.");
        }
    }

    public static void Write(OccupancyMap map, Stream stream, PlyExportOptions options)
    {
        var voxels = new List<VoxelKey>();
        using (OccupancyMap.WriteScope write = map.BeginWrite())
        {
            // Writers wait while the occupied voxels are gathered, so the file holds one state of the map.
            foreach (VoxelInfo v in map.EnumerateVoxels(VoxelState.Occupied))
            {
                voxels.Add(v.Key);
            }
        }

        // A fixed order (z, y, x), so that the same map gives the same file whatever its brick layout.
        voxels.Sort(static (a, b) => a.Z != b.Z ? a.Z.CompareTo(b.Z) : a.Y != b.Y ? a.Y.CompareTo(b.Y) : a.X.CompareTo(b.X));
        bool cubes = options.Geometry == PlyGeometry.Cubes;
        long vertices = (long)voxels.Count * (cubes ? 8 : 1);
        if (vertices > int.MaxValue)
        {
            ThrowHelper.Argument(nameof(map), string.Create(CultureInfo.InvariantCulture, $"map has {voxels.Count} occupied voxels, more than a PLY file of cubes can index."));
        }

        var header = new StringBuilder();
        header.Append("ply\nformat binary_little_endian 1.0\n")
            .Append(CultureInfo.InvariantCulture, $"comment Occupancy: occupied voxels of a {map.Resolution} m map, world frame (metres, z up), {(cubes ? "cubes" : "voxel centres")}, coloured by {(options.Coloring == PlyColoring.Height ? "height" : "class")}\n")
            .Append(CultureInfo.InvariantCulture, $"element vertex {vertices}\n")
            .Append("property float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\n");
        if (cubes)
        {
            header.Append(CultureInfo.InvariantCulture, $"element face {voxels.Count * 6L}\n").Append("property list uchar int vertex_indices\n");
        }

        header.Append("end_header\n");
        stream.Write(Encoding.ASCII.GetBytes(header.ToString()));

        int zMin = int.MaxValue, zMax = int.MinValue;
        foreach (VoxelKey k in voxels)
        {
            zMin = Math.Min(zMin, k.Z);
            zMax = Math.Max(zMax, k.Z);
        }

        var output = new BufferedStream(stream, 1 << 16); // not disposed: that would close the caller's stream
        Span<byte> record = stackalloc byte[15];
        float r = (float)map.Resolution;
        foreach (VoxelKey k in voxels)
        {
            (byte red, byte green, byte blue) = options.Coloring == PlyColoring.Height
                ? HeightColor(zMax == zMin ? 0f : (k.Z - zMin) / (float)(zMax - zMin))
                : ClassColor(options.Labels!.ClassOf(k));
            record[12] = red;
            record[13] = green;
            record[14] = blue;
            if (!cubes)
            {
                WritePoint(output, record, map.CenterOf(k));
                continue;
            }

            var corner = new Vector3((float)(k.X * map.Resolution), (float)(k.Y * map.Resolution), (float)(k.Z * map.Resolution));
            for (int c = 0; c < 8; c++)
            {
                WritePoint(output, record, corner + new Vector3((c & 1) * r, ((c >> 1) & 1) * r, (c >> 2) * r));
            }
        }

        if (cubes)
        {
            // Corner c has x = bit 0, y = bit 1, z = bit 2; each face counter-clockwise seen from outside.
            ReadOnlySpan<int> faces = [0, 2, 3, 1, 4, 5, 7, 6, 0, 1, 5, 4, 2, 6, 7, 3, 0, 4, 6, 2, 1, 3, 7, 5];
            Span<byte> face = stackalloc byte[17];
            face[0] = 4;
            for (int v = 0; v < voxels.Count; v++)
            {
                for (int f = 0; f < 6; f++)
                {
                    for (int i = 0; i < 4; i++)
                    {
                        BinaryPrimitives.WriteInt32LittleEndian(face[(1 + (4 * i))..], (v * 8) + faces[(f * 4) + i]);
                    }

                    output.Write(face);
                }
            }
        }

        output.Flush();
    }

    private static void WritePoint(Stream output, Span<byte> record, Vector3 p)
    {
        BinaryPrimitives.WriteSingleLittleEndian(record, p.X);
        BinaryPrimitives.WriteSingleLittleEndian(record[4..], p.Y);
        BinaryPrimitives.WriteSingleLittleEndian(record[8..], p.Z);
        output.Write(record);
    }

    /// <summary>Blue, cyan, green, yellow, red from 0 to 1.</summary>
    internal static (byte, byte, byte) HeightColor(float t)
    {
        ReadOnlySpan<float> stops = [0, 0, 255, 0, 200, 255, 0, 200, 0, 255, 220, 0, 220, 0, 0];
        float s = Math.Clamp(t, 0f, 1f) * 4f;
        int i = Math.Min((int)s, 3);
        float f = s - i;
        return ((byte)(stops[3 * i] + ((stops[3 * (i + 1)] - stops[3 * i]) * f)),
                (byte)(stops[(3 * i) + 1] + ((stops[(3 * (i + 1)) + 1] - stops[(3 * i) + 1]) * f)),
                (byte)(stops[(3 * i) + 2] + ((stops[(3 * (i + 1)) + 2] - stops[(3 * i) + 2]) * f)));
    }

    /// <summary>One distinct colour a class; grey for none.</summary>
    internal static (byte, byte, byte) ClassColor(SemanticClass? label) => label switch
    {
        null or SemanticClass.Unlabelled => (128, 128, 128),
        SemanticClass.Ground => (140, 110, 80),
        SemanticClass.Wall => (200, 200, 190),
        SemanticClass.Ceiling => (240, 240, 250),
        SemanticClass.Furniture => (170, 90, 40),
        SemanticClass.Vehicle => (30, 80, 220),
        SemanticClass.Pedestrian => (230, 30, 60),
        SemanticClass.Vegetation => (40, 170, 40),
        SemanticClass.Pole => (250, 200, 0),
        SemanticClass.Sidewalk => (160, 160, 160),
        _ => ((byte)(37 * (int)label.Value), (byte)(91 * (int)label.Value), (byte)(151 * (int)label.Value)),
    };
}
