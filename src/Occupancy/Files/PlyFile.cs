using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;

namespace Occupancy.Files;

/// <summary>
/// PLY (the Stanford polygon format): point clouds in, occupied voxels out. Reading takes the <c>x</c>, <c>y</c>,
/// <c>z</c> properties of the <c>vertex</c> element in ASCII, binary little-endian or binary big-endian files, of any
/// numeric type, skipping every other property and element. Writing (<see cref="SaveVoxels"/>) is binary
/// little-endian. Coordinates are metres in the frame the file was written in (world frame, z up, for our maps).
/// </summary>
/// <remarks>
/// Counts are checked against the bytes that follow before anything is allocated for them; damage is an
/// <see cref="InvalidDataException"/> naming the byte offset. Threads: the methods share nothing.
/// </remarks>
public static class PlyFile
{
    /// <summary>The file extension, with its dot.</summary>
    public const string Extension = ".ply";

    internal const string Name = ".ply";
    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>Loads the vertices of a PLY file as points.</summary>
    /// <param name="path">The .ply file.</param>
    /// <returns>The vertex positions in file order.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid PLY file or has no vertex x, y, z.</exception>
    public static Vector3[] LoadPoints(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return ReadPoints(stream);
    }

    /// <summary>Reads the vertices of a PLY file from a stream as points.</summary>
    /// <param name="stream">A readable stream at the file's first byte.</param>
    /// <returns>The vertex positions in file order.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a valid PLY file or have no vertex x, y, z.</exception>
    public static Vector3[] ReadPoints(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new PlyReader(stream).ReadPoints();
    }

    /// <summary>Saves the occupied voxels of a map as a binary little-endian PLY file, atomically.</summary>
    /// <param name="map">The map.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="options">Points or cubes, colours; defaults when null.</param>
    /// <exception cref="ArgumentException">Colouring by class without a semantic layer of this map.</exception>
    public static void SaveVoxels(OccupancyMap map, string path, PlyExportOptions? options = null)
    {
        options ??= new PlyExportOptions();
        PlyWriter.Check(map, options);
        AtomicFile.Write(path, stream => PlyWriter.Write(map, stream, options));
    }

    /// <summary>Writes the occupied voxels of a map as binary little-endian PLY to a stream.</summary>
    /// <param name="map">The map.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <param name="options">Points or cubes, colours; defaults when null.</param>
    /// <exception cref="ArgumentException">Colouring by class without a semantic layer of this map.</exception>
    public static void WriteVoxels(OccupancyMap map, Stream stream, PlyExportOptions? options = null)
    {
        options ??= new PlyExportOptions();
        PlyWriter.Check(map, options);
        ArgumentNullException.ThrowIfNull(stream);
        PlyWriter.Write(map, stream, options);
    }

    /// <summary>Header and data of one PLY file; only the vertex x, y, z are kept.</summary>
    private sealed class PlyReader(Stream stream)
    {
        private enum Encoding { Ascii, Little, Big }

        private sealed record Property(string Name, string Type, string? CountType);

        private sealed record Element(string Name, long Count, List<Property> Properties);

        private readonly byte[] _buffer = new byte[1 << 16];
        private readonly byte[] _word = new byte[64];
        private int _at, _end;
        private long _offset;

        public Vector3[] ReadPoints()
        {
            (Encoding encoding, List<Element> elements) = ReadHeader();
            Span<double> values = stackalloc double[3];
            foreach (Element element in elements)
            {
                bool vertex = element.Name == "vertex";
                int ix = vertex ? element.Properties.FindIndex(p => p.Name == "x" && p.CountType is null) : -1;
                int iy = vertex ? element.Properties.FindIndex(p => p.Name == "y" && p.CountType is null) : -1;
                int iz = vertex ? element.Properties.FindIndex(p => p.Name == "z" && p.CountType is null) : -1;
                if (vertex && (ix < 0 || iy < 0 || iz < 0))
                {
                    throw FileErrors.At(Name, 0, "the vertex element has no x, y and z properties");
                }

                // Each record takes at least one byte a property (two in ASCII: a digit and a separator).
                long least = element.Count * element.Properties.Count * (encoding == Encoding.Ascii ? 2 : 1);
                if (stream.CanSeek && least > (stream.Length - stream.Position) + (_end - _at))
                {
                    throw FileErrors.At(Name, _offset, $"element '{element.Name}' declares {element.Count} records, more than the bytes that follow can hold");
                }

                if (element.Properties.Count == 0)
                {
                    continue; // records of nothing: no bytes to read, however many
                }

                // Grown as vertices arrive: a stream that cannot tell its length gets no allocation from a count alone.
                var read = vertex ? new List<Vector3>((int)Math.Min(element.Count, 1 << 16)) : null;

                for (long r = 0; r < element.Count; r++)
                {
                    for (int p = 0; p < element.Properties.Count; p++)
                    {
                        Property property = element.Properties[p];
                        if (property.CountType is not null)
                        {
                            double n = ReadValue(encoding, property.CountType);
                            if (!(n >= 0 && n <= 1 << 20) || n != Math.Floor(n))
                            {
                                throw FileErrors.At(Name, _offset, $"list '{property.Name}' has a count of {n}");
                            }

                            for (int k = 0; k < (int)n; k++)
                            {
                                ReadValue(encoding, property.Type);
                            }

                            continue;
                        }

                        double v = ReadValue(encoding, property.Type);
                        if (p == ix)
                        {
                            values[0] = v;
                        }
                        else if (p == iy)
                        {
                            values[1] = v;
                        }
                        else if (p == iz)
                        {
                            values[2] = v;
                        }
                    }

                    read?.Add(new Vector3((float)values[0], (float)values[1], (float)values[2]));
                }

                if (read is not null)
                {
                    return [.. read];
                }
            }

            throw FileErrors.At(Name, 0, "the file has no vertex element");
        }

        private (Encoding, List<Element>) ReadHeader()
        {
            if (ReadLine() != "ply")
            {
                throw FileErrors.At(Name, 0, "the file does not start with 'ply'");
            }

            Encoding? encoding = null;
            var elements = new List<Element>();
            while (true)
            {
                long at = _offset;
                string line = ReadLine();
                string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0 || words[0] is "comment" or "obj_info")
                {
                    continue;
                }

                switch (words[0])
                {
                    case "end_header":
                        if (encoding is null)
                        {
                            throw FileErrors.At(Name, at, "the header has no format line");
                        }

                        return (encoding.Value, elements);
                    case "format" when words.Length == 3 && words[2] == "1.0":
                        encoding = words[1] switch
                        {
                            "ascii" => Encoding.Ascii,
                            "binary_little_endian" => Encoding.Little,
                            "binary_big_endian" => Encoding.Big,
                            _ => throw FileErrors.At(Name, at, $"format '{words[1]}' is not ascii, binary_little_endian or binary_big_endian"),
                        };
                        break;
                    case "element" when words.Length == 3 && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out long count) && count <= int.MaxValue / 16:
                        elements.Add(new Element(words[1], count, []));
                        break;
                    case "property" when elements.Count > 0 && words.Length == 3 && Size(words[1]) > 0:
                        elements[^1].Properties.Add(new Property(words[2], words[1], null));
                        break;
                    case "property" when elements.Count > 0 && words.Length == 5 && words[1] == "list" && Size(words[2]) > 0 && Size(words[3]) > 0:
                        elements[^1].Properties.Add(new Property(words[4], words[3], words[2]));
                        break;
                    default:
                        throw FileErrors.At(Name, at, $"header line '{(line.Length > 60 ? line[..60] : line)}' is not valid PLY");
                }
            }
        }

        private static int Size(string type) => type switch
        {
            "char" or "int8" or "uchar" or "uint8" => 1,
            "short" or "int16" or "ushort" or "uint16" => 2,
            "int" or "int32" or "uint" or "uint32" or "float" or "float32" => 4,
            "double" or "float64" => 8,
            _ => 0,
        };

        private double ReadValue(Encoding encoding, string type)
        {
            if (encoding == Encoding.Ascii)
            {
                long at = _offset;
                ReadOnlySpan<byte> word = ReadWord();
                if (!double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                {
                    throw FileErrors.At(Name, at, $"'{System.Text.Encoding.ASCII.GetString(word[..Math.Min(word.Length, 40)])}' is not a number");
                }

                return value;
            }

            int size = Size(type);
            ReadOnlySpan<byte> b = Take(size);
            bool little = encoding == Encoding.Little;
            return type switch
            {
                "char" or "int8" => (sbyte)b[0],
                "uchar" or "uint8" => b[0],
                "short" or "int16" => little ? BinaryPrimitives.ReadInt16LittleEndian(b) : BinaryPrimitives.ReadInt16BigEndian(b),
                "ushort" or "uint16" => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b),
                "int" or "int32" => little ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadInt32BigEndian(b),
                "uint" or "uint32" => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b),
                "float" or "float32" => little ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadSingleBigEndian(b),
                _ => little ? BinaryPrimitives.ReadDoubleLittleEndian(b) : BinaryPrimitives.ReadDoubleBigEndian(b),
            };
        }

        /// <summary>The next whitespace-separated word of an ASCII body (at most 64 bytes).</summary>
        private ReadOnlySpan<byte> ReadWord()
        {
            while (Peek() is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                Take(1);
            }

            Span<byte> word = _word;
            int n = 0;
            int c;
            while ((c = Peek()) >= 0 && c is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                if (n == word.Length)
                {
                    throw FileErrors.At(Name, _offset, "a value is longer than 64 characters");
                }

                word[n++] = Take(1)[0];
            }

            if (n == 0)
            {
                throw FileErrors.At(Name, _offset, "the file ends before its last record");
            }

            return word[..n];
        }

        private string ReadLine()
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_offset >= MaxHeaderBytes)
                {
                    throw FileErrors.At(Name, _offset, $"the header is longer than {MaxHeaderBytes} bytes");
                }

                int c = Peek();
                if (c < 0)
                {
                    throw FileErrors.At(Name, _offset, "the file ends inside the header");
                }

                Take(1);
                if (c == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)c);
            }
        }

        private int Peek()
        {
            if (_at == _end && !Fill(1))
            {
                return -1;
            }

            return _buffer[_at];
        }

        private bool Fill(int n)
        {
            Buffer.BlockCopy(_buffer, _at, _buffer, 0, _end - _at);
            _end -= _at;
            _at = 0;
            _end += stream.ReadAtLeast(_buffer.AsSpan(_end), n - _end, throwOnEndOfStream: false);
            return _end >= n;
        }

        private ReadOnlySpan<byte> Take(int n)
        {
            if (_end - _at < n && !Fill(n))
            {
                throw FileErrors.At(Name, _offset + (_end - _at), "the file ends before its last record");
            }

            ReadOnlySpan<byte> span = _buffer.AsSpan(_at, n);
            _at += n;
            _offset += n;
            return span;
        }
    }
}
