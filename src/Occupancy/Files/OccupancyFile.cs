using System;
using System.IO;

namespace Occupancy.Files;

/// <summary>
/// Saves and loads maps in this library's own format, <c>.occ</c>: every log-odds bit, the resolution, the sensor model
/// and the semantic layer when there is one, in checksummed chunks of bricks, LZ4-compressed by default (docs/files.md
/// has the layout; the standard room's map is 16 times smaller compressed). Voxel keys
/// and resolution are the map's: world frame, metres, z up.
/// </summary>
/// <remarks>
/// <para>Saves to a path are atomic: the map is written to a temporary file in the same folder, flushed to the disk and
/// renamed over the old file, so a crash or a failed write at any byte leaves the old file as it was.</para>
/// <para>Loads check before they allocate: no count in a file makes the reader allocate more than the bytes that follow
/// can hold, every chunk's checksum is verified before its bricks are made, and any damage is an
/// <see cref="InvalidDataException"/> naming the byte offset and what was wrong. A load makes a new map, so a failed
/// load changes no existing one.</para>
/// <para>Threads: a save holds off the map's writers while it copies the map (readers go on); it may run beside queries.
/// Loads share nothing.</para>
/// </remarks>
public static class OccupancyFile
{
    /// <summary>The file extension, with its dot.</summary>
    public const string Extension = ".occ";

    /// <summary>Writes a map to a stream.</summary>
    /// <param name="map">The map.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <exception cref="ArgumentException">The stream cannot write.</exception>
    public static void Save(OccupancyMap map, Stream stream) => Save(map, stream, null);

    /// <summary>Writes a map and its semantic layer to a stream.</summary>
    /// <param name="map">The map.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <param name="labels">The map's semantic layer, or null.</param>
    /// <exception cref="ArgumentException"><paramref name="labels"/> belongs to another map, or the stream cannot write.</exception>
    public static void Save(OccupancyMap map, Stream stream, SemanticLayer? labels)
    {
        CheckSave(map, labels);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            ThrowHelper.Argument(nameof(stream), "stream must be writable.");
        }

        OccWriter.Write(stream, map, labels, OccupancyCompression.Lz4);
    }

    /// <summary>Writes a map and its semantic layer to a stream, compressed or not.</summary>
    /// <param name="map">The map.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <param name="labels">The map's semantic layer, or null.</param>
    /// <param name="compression">LZ4 (the default of the other overloads) or none.</param>
    /// <exception cref="ArgumentException"><paramref name="labels"/> belongs to another map, or the stream cannot write.</exception>
    public static void Save(OccupancyMap map, Stream stream, SemanticLayer? labels, OccupancyCompression compression)
    {
        CheckSave(map, labels);
        ArgumentNullException.ThrowIfNull(stream);
        ThrowHelper.ThrowIfUndefined(compression, nameof(compression));
        if (!stream.CanWrite)
        {
            ThrowHelper.Argument(nameof(stream), "stream must be writable.");
        }

        OccWriter.Write(stream, map, labels, compression);
    }

    /// <summary>Saves a map to a file atomically: a temporary file beside it, flushed to disk, then renamed over it.</summary>
    /// <param name="map">The map.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="IOException">The file could not be written; the old file, if any, is unchanged.</exception>
    public static void Save(OccupancyMap map, string path) => Save(map, path, null);

    /// <summary>Saves a map and its semantic layer to a file atomically (see <see cref="Save(OccupancyMap, string)"/>).</summary>
    /// <param name="map">The map.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="labels">The map's semantic layer, or null.</param>
    /// <exception cref="ArgumentException"><paramref name="labels"/> belongs to another map, or the path is empty.</exception>
    /// <exception cref="IOException">The file could not be written; the old file, if any, is unchanged.</exception>
    public static void Save(OccupancyMap map, string path, SemanticLayer? labels)
    {
        CheckSave(map, labels);
        AtomicFile.Write(path, stream => OccWriter.Write(stream, map, labels, OccupancyCompression.Lz4));
    }

    /// <summary>Saves a map and its semantic layer to a file atomically, compressed or not.</summary>
    /// <param name="map">The map.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="labels">The map's semantic layer, or null.</param>
    /// <param name="compression">LZ4 (the default of the other overloads) or none.</param>
    /// <exception cref="ArgumentException"><paramref name="labels"/> belongs to another map, or the path is empty.</exception>
    /// <exception cref="IOException">The file could not be written; the old file, if any, is unchanged.</exception>
    public static void Save(OccupancyMap map, string path, SemanticLayer? labels, OccupancyCompression compression)
    {
        CheckSave(map, labels);
        ThrowHelper.ThrowIfUndefined(compression, nameof(compression));
        AtomicFile.Write(path, stream => OccWriter.Write(stream, map, labels, compression));
    }

    /// <summary>Reads a map from a stream positioned at its first byte; the stream is left after the map's last byte.</summary>
    /// <param name="stream">A readable stream.</param>
    /// <returns>The map, new.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid .occ map; the message names the offset and the fault.</exception>
    public static OccupancyMap Load(Stream stream) => Load(stream, out _);

    /// <summary>Reads a map and its semantic layer (null when the file has none) from a stream.</summary>
    /// <param name="stream">A readable stream.</param>
    /// <param name="labels">The semantic layer saved with the map, or null.</param>
    /// <returns>The map, new.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid .occ map; the message names the offset and the fault.</exception>
    public static OccupancyMap Load(Stream stream, out SemanticLayer? labels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return OccReader.Read(stream, out labels);
    }

    /// <summary>Loads a map from a file.</summary>
    /// <param name="path">The .occ file.</param>
    /// <returns>The map, new.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid .occ map, or has bytes after the map.</exception>
    public static OccupancyMap Load(string path) => Load(path, out _);

    /// <summary>Loads a map and its semantic layer (null when the file has none) from a file.</summary>
    /// <param name="path">The .occ file.</param>
    /// <param name="labels">The semantic layer saved with the map, or null.</param>
    /// <returns>The map, new.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid .occ map, or has bytes after the map.</exception>
    public static OccupancyMap Load(string path, out SemanticLayer? labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        OccupancyMap map = OccReader.Read(stream, out labels);
        if (stream.Position != stream.Length)
        {
            throw FileErrors.At(OccFormat.Name, stream.Position, $"{stream.Length - stream.Position} bytes follow the end of the map");
        }

        return map;
    }

    private static void CheckSave(OccupancyMap map, SemanticLayer? labels)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (labels is not null && !ReferenceEquals(labels.Map, map))
        {
            ThrowHelper.Argument(nameof(labels), "labels must be the semantic layer of the map being saved.");
        }
    }
}
