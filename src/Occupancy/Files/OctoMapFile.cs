using System;
using System.Globalization;
using System.IO;

namespace Occupancy.Files;

/// <summary>
/// OctoMap's octree files, as OctoMap 1.9.7 writes and reads them: <c>.bt</c> (the maximum-likelihood tree, 2 bits a
/// node: what <c>writeBinary</c> and octomap_server's saved maps hold) and <c>.ot</c> (every node's float log-odds: what
/// <c>write</c> holds). OctoMap's key is this library's voxel index plus 32,768, so the voxel grids coincide: voxel
/// (i, j, k) covers [i·r, (i+1)·r) on x and so on, world frame, metres, z up.
/// </summary>
/// <remarks>
/// <para>Writing: the tree is fully pruned (OctoMap's pruning carried to the end), as liboctomap's own trees built by
/// inserting scans are, so <c>edit_octree</c> rewrites a .bt of ours byte for byte. Only voxels with indices −32,768..32,767 an axis fit OctoMap's 16-bit keys; a map with known voxels beyond is
/// refused. Saves to a path are atomic (see <see cref="OccupancyFile"/>).</para>
/// <para>Reading: every voxel loads with the log-odds OctoMap's <c>search</c> gives it, the voxels under a pruned node
/// included; a .bt's free and occupied leaves take the clamping log-odds of the sensor model given for the new map. A
/// pruned node near the root covers very many voxels, and a scattered tree touches many bricks, so the bricks the leaves
/// touch (512 voxels of storage each) are counted against a limit before the map is filled. Damage is an <see cref="InvalidDataException"/> naming the byte offset.</para>
/// <para>Threads: a write holds off the map's writers while it reads the map; loads share nothing.</para>
/// </remarks>
public static class OctoMapFile
{
    /// <summary>The extension of OctoMap's binary (maximum-likelihood) trees.</summary>
    public const string BinaryExtension = ".bt";

    /// <summary>The extension of OctoMap's full trees (float log-odds).</summary>
    public const string FullExtension = ".ot";

    /// <summary>The default limit on the voxel storage a loaded tree may fill, 512 voxels a brick: 2^27 (512 MiB of log-odds).</summary>
    public const long DefaultMaxVoxels = 1L << 27;

    /// <summary>Writes a map as a .bt tree (maximum likelihood: each known voxel free or occupied).</summary>
    /// <param name="map">The map.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <exception cref="ArgumentException">The map holds known voxels outside OctoMap's key range.</exception>
    /// <exception cref="InvalidOperationException">The tree takes more than 2 GiB.</exception>
    public static void WriteBinary(OccupancyMap map, Stream stream)
    {
        CheckWrite(map, stream);
        OctoMapWriter.Write(map, stream, binary: true);
    }

    /// <summary>Writes a map as a .ot tree (every voxel's float log-odds).</summary>
    /// <param name="map">The map.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <exception cref="ArgumentException">The map holds known voxels outside OctoMap's key range.</exception>
    /// <exception cref="InvalidOperationException">The tree takes more than 2 GiB.</exception>
    public static void Write(OccupancyMap map, Stream stream)
    {
        CheckWrite(map, stream);
        OctoMapWriter.Write(map, stream, binary: false);
    }

    /// <summary>Saves a map as .bt or .ot, chosen by the path's extension, atomically.</summary>
    /// <param name="map">The map.</param>
    /// <param name="path">A path ending in .bt or .ot.</param>
    /// <exception cref="ArgumentException">The extension is neither, or the map holds voxels outside OctoMap's key range.</exception>
    public static void Save(OccupancyMap map, string path)
    {
        ArgumentNullException.ThrowIfNull(map);
        bool binary = IsBinary(path);
        AtomicFile.Write(path, stream => OctoMapWriter.Write(map, stream, binary));
    }

    /// <summary>Reads a .bt tree from a stream into a new map.</summary>
    /// <param name="stream">A readable stream at the tree's first header line; read to its end.</param>
    /// <param name="sensorModel">The new map's sensor model (OctoMap's defaults when null); its clamps are the leaves' log-odds.</param>
    /// <param name="maxVoxels">The most voxel storage the new map may allocate: every brick the tree's leaves touch counts 512.</param>
    /// <returns>The map.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid .bt tree, or need more than <paramref name="maxVoxels"/> voxels of storage.</exception>
    public static OccupancyMap ReadBinary(Stream stream, SensorModel? sensorModel = null, long maxVoxels = DefaultMaxVoxels)
    {
        CheckRead(stream, maxVoxels);
        return OctoMapReader.Read(stream, binary: true, sensorModel ?? SensorModel.Default, maxVoxels);
    }

    /// <summary>Reads a .ot tree (type OcTree) from a stream into a new map.</summary>
    /// <param name="stream">A readable stream at the tree's first header line; read to its end.</param>
    /// <param name="sensorModel">The new map's sensor model (OctoMap's defaults when null).</param>
    /// <param name="maxVoxels">The most voxel storage the new map may allocate: every brick the tree's leaves touch counts 512.</param>
    /// <returns>The map.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid .ot OcTree, or need more than <paramref name="maxVoxels"/> voxels of storage.</exception>
    public static OccupancyMap Read(Stream stream, SensorModel? sensorModel = null, long maxVoxels = DefaultMaxVoxels)
    {
        CheckRead(stream, maxVoxels);
        return OctoMapReader.Read(stream, binary: false, sensorModel ?? SensorModel.Default, maxVoxels);
    }

    /// <summary>Loads a .bt or .ot file, chosen by its extension.</summary>
    /// <param name="path">A path ending in .bt or .ot.</param>
    /// <param name="sensorModel">The new map's sensor model (OctoMap's defaults when null).</param>
    /// <param name="maxVoxels">The most voxel storage the new map may allocate: every brick the tree's leaves touch counts 512.</param>
    /// <returns>The map.</returns>
    /// <exception cref="ArgumentException">The extension is neither .bt nor .ot.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid tree, or covers more than <paramref name="maxVoxels"/>.</exception>
    public static OccupancyMap Load(string path, SensorModel? sensorModel = null, long maxVoxels = DefaultMaxVoxels)
    {
        bool binary = IsBinary(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return binary ? ReadBinary(stream, sensorModel, maxVoxels) : Read(stream, sensorModel, maxVoxels);
    }

    private static bool IsBinary(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string extension = Path.GetExtension(path);
        if (string.Equals(extension, BinaryExtension, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!string.Equals(extension, FullExtension, StringComparison.OrdinalIgnoreCase))
        {
            ThrowHelper.Argument(nameof(path), $"path must end in {BinaryExtension} or {FullExtension}, but was '{path}'.");
        }

        return false;
    }

    private static void CheckWrite(OccupancyMap map, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            ThrowHelper.Argument(nameof(stream), "stream must be writable.");
        }
    }

    private static void CheckRead(Stream stream, long maxVoxels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (maxVoxels < 1)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(maxVoxels), maxVoxels, string.Create(CultureInfo.InvariantCulture, $"maxVoxels must be at least 1, but was {maxVoxels}."));
        }
    }
}
