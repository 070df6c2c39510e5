using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;

namespace Occupancy.Files;

/// <summary>
/// Reads OctoMap's scan graphs (.graph, the binary format of OctoMap's recorded datasets, as ScanGraph::writeBinary
/// writes it): a node count, then each node's point cloud (sensor frame) and 6-DoF pose, then the edges (read, checked,
/// not returned). Coordinates: world frame metres, z up; points in the sensor's frame.
/// </summary>
/// <remarks>
/// Every count is checked against the bytes that follow before anything is allocated for it (where the stream can tell
/// its length; otherwise memory grows only with bytes read). Damage is an <see cref="InvalidDataException"/> naming the
/// byte offset. Threads: the methods share nothing.
/// </remarks>
public static class ScanGraphFile
{
    /// <summary>The file extension, with its dot.</summary>
    public const string Extension = ".graph";

    private const string Name = ".graph";
    private const int VectorBytes = 4 + (3 * 8);
    private const int QuaternionBytes = 4 + (4 * 8);
    private const int PoseBytes = VectorBytes + QuaternionBytes;
    private const int EdgeBytes = 4 + 4 + PoseBytes + 8;

    /// <summary>Loads the nodes of a scan graph file.</summary>
    /// <param name="path">The .graph file.</param>
    /// <returns>The nodes in file order.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid scan graph.</exception>
    public static IReadOnlyList<ScanNode> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return Read(stream);
    }

    /// <summary>Reads the nodes of a scan graph from a stream.</summary>
    /// <param name="stream">A readable stream at the graph's first byte.</param>
    /// <returns>The nodes in file order.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid scan graph.</exception>
    public static IReadOnlyList<ScanNode> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new Reader(stream);
        uint count = reader.UInt32("the node count");
        reader.Require((long)count * (4 + PoseBytes + 4), $"{count} nodes");
        var nodes = new List<ScanNode>((int)Math.Min(count, 1024));
        for (uint n = 0; n < count; n++)
        {
            uint points = reader.UInt32("a point count");
            reader.Require((long)points * VectorBytes, $"{points} points");
            if (points > Array.MaxLength)
            {
                throw FileErrors.At(Name, reader.Offset - 4, $"{points} points are more than one array holds");
            }

            // Grown as points arrive: a stream that cannot tell its length gets no allocation from a count alone.
            var cloud = new List<Vector3>((int)Math.Min(points, 1 << 16));
            for (uint i = 0; i < points; i++)
            {
                cloud.Add(reader.Vector(finite: false));
            }

            Vector3 translation = reader.Vector(finite: true);
            (float u, float x, float y, float z) = reader.Quaternion();
            uint id = reader.UInt32("a node id");
            nodes.Add(new ScanNode(id, new OctoMapPose(translation, u, x, y, z), [.. cloud]));
        }

        uint edges = reader.UInt32("the edge count");
        reader.Require((long)edges * EdgeBytes, $"{edges} edges");
        for (uint e = 0; e < edges; e++)
        {
            reader.UInt32("an edge's first node");
            reader.UInt32("an edge's second node");
            reader.Vector(finite: true);
            reader.Quaternion();
            reader.Double("an edge's weight");
        }

        return nodes;
    }

    /// <summary>Little-endian fields with offsets for the errors.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _at, _end;
        private long _offset;

        public long Offset => _offset;

        public uint UInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

        public double Double(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

        /// <summary>A Vector3 as OctoMap writes it: int32 3, then x, y, z as doubles (narrowed to float as OctoMap does).</summary>
        public Vector3 Vector(bool finite)
        {
            long at = _offset;
            ReadOnlySpan<byte> b = Take(VectorBytes, "a vector");
            if (BinaryPrimitives.ReadInt32LittleEndian(b) != 3)
            {
                throw FileErrors.At(Name, at, $"a vector must start with its size 3, not {BinaryPrimitives.ReadInt32LittleEndian(b)}");
            }

            var v = new Vector3((float)BinaryPrimitives.ReadDoubleLittleEndian(b[4..]), (float)BinaryPrimitives.ReadDoubleLittleEndian(b[12..]), (float)BinaryPrimitives.ReadDoubleLittleEndian(b[20..]));
            if (finite && !(float.IsFinite(v.X) && float.IsFinite(v.Y) && float.IsFinite(v.Z)))
            {
                throw FileErrors.At(Name, at, $"a pose's translation {v} is not finite");
            }

            return v;
        }

        /// <summary>A quaternion as OctoMap writes it: int32 4, then u (w), x, y, z as doubles; finite and not zero.</summary>
        public (float U, float X, float Y, float Z) Quaternion()
        {
            long at = _offset;
            ReadOnlySpan<byte> b = Take(QuaternionBytes, "a quaternion");
            if (BinaryPrimitives.ReadInt32LittleEndian(b) != 4)
            {
                throw FileErrors.At(Name, at, $"a quaternion must start with its size 4, not {BinaryPrimitives.ReadInt32LittleEndian(b)}");
            }

            float u = (float)BinaryPrimitives.ReadDoubleLittleEndian(b[4..]), x = (float)BinaryPrimitives.ReadDoubleLittleEndian(b[12..]);
            float y = (float)BinaryPrimitives.ReadDoubleLittleEndian(b[20..]), z = (float)BinaryPrimitives.ReadDoubleLittleEndian(b[28..]);
            float norm = (u * u) + (x * x) + (y * y) + (z * z);
            if (!float.IsFinite(norm) || norm < 1e-6f)
            {
                throw FileErrors.At(Name, at, $"a pose's rotation ({u}, {x}, {y}, {z}) is not a finite, non-zero quaternion");
            }

            return (u, x, y, z);
        }

        /// <summary>Throws unless the stream can hold <paramref name="bytes"/> more (only where it can tell its length).</summary>
        public void Require(long bytes, string what)
        {
            if (stream.CanSeek && bytes > (stream.Length - stream.Position) + (_end - _at))
            {
                throw FileErrors.At(Name, _offset - 4, $"{what} need {bytes} bytes, more than the {(stream.Length - stream.Position) + (_end - _at)} that follow");
            }
        }

        private ReadOnlySpan<byte> Take(int n, string what)
        {
            if (_end - _at < n)
            {
                Buffer.BlockCopy(_buffer, _at, _buffer, 0, _end - _at);
                _end -= _at;
                _at = 0;
                _end += stream.ReadAtLeast(_buffer.AsSpan(_end), n - _end, throwOnEndOfStream: false);
                if (_end < n)
                {
                    throw FileErrors.At(Name, _offset + _end, $"the file ends inside {what}");
                }
            }

            ReadOnlySpan<byte> span = _buffer.AsSpan(_at, n);
            _at += n;
            _offset += n;
            return span;
        }
    }
}
