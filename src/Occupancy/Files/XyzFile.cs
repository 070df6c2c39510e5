using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Text;

namespace Occupancy.Files;

/// <summary>
/// Reads plain-text point clouds: one point a line, <c>x y z</c> in metres (separated by spaces, tabs or commas; further
/// columns such as intensity are ignored), <c>#</c> starting a comment, blank lines skipped. The frame is the caller's:
/// world frame (z up) when the file holds world points, the sensor frame when it holds a scan.
/// </summary>
/// <remarks>
/// Lines are at most 4,096 bytes; memory grows only with the points read. A malformed line is an
/// <see cref="InvalidDataException"/> naming its byte offset and line number. "nan" and "inf" are read as such (the
/// integrators count non-finite points as no return); a UTF-8 byte-order mark is skipped. Threads: the methods share nothing.
/// </remarks>
public static class XyzFile
{
    /// <summary>The file extension, with its dot.</summary>
    public const string Extension = ".xyz";

    private const string Name = ".xyz";
    private const int MaxLine = 4096;

    /// <summary>Loads the points of an xyz file.</summary>
    /// <param name="path">The text file.</param>
    /// <returns>The points in file order.</returns>
    /// <exception cref="InvalidDataException">A line is not three numbers.</exception>
    public static Vector3[] Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return Read(stream);
    }

    /// <summary>Reads the points of an xyz text from a stream (ASCII or UTF-8).</summary>
    /// <param name="stream">A readable stream.</param>
    /// <returns>The points in file order.</returns>
    /// <exception cref="InvalidDataException">A line is not three numbers, or longer than 4,096 bytes.</exception>
    public static Vector3[] Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var points = new List<Vector3>();
        var line = new byte[MaxLine];
        int length = 0;
        long lineStart = 0, offset = 0, lineNumber = 1;
        var buffer = new byte[1 << 16];
        int read;
        bool first = true;
        while ((read = stream.Read(buffer)) > 0)
        {
            int skip = 0;
            if (first)
            {
                // A UTF-8 byte-order mark, as some editors write, is not part of the first line.
                first = false;
                skip = read >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
                offset = skip;
                lineStart = skip;
            }

            for (int i = skip; i < read; i++, offset++)
            {
                byte b = buffer[i];
                if (b == (byte)'\n')
                {
                    ParseLine(line.AsSpan(0, length), lineStart, lineNumber, points);
                    length = 0;
                    lineStart = offset + 1;
                    lineNumber++;
                    continue;
                }

                if (length == MaxLine)
                {
                    throw FileErrors.At(Name, lineStart, $"line {lineNumber} is longer than {MaxLine} bytes");
                }

                line[length++] = b;
            }
        }

        ParseLine(line.AsSpan(0, length), lineStart, lineNumber, points);
        return [.. points];
    }

    private static void ParseLine(ReadOnlySpan<byte> line, long offset, long number, List<Vector3> points)
    {
        int hash = line.IndexOf((byte)'#');
        if (hash >= 0)
        {
            line = line[..hash];
        }

        Span<float> xyz = stackalloc float[3];
        int fields = 0;
        int i = 0;
        while (i < line.Length && fields < 3)
        {
            while (i < line.Length && IsSeparator(line[i]))
            {
                i++;
            }

            int start = i;
            while (i < line.Length && !IsSeparator(line[i]))
            {
                i++;
            }

            if (i == start)
            {
                break;
            }

            ReadOnlySpan<byte> field = line[start..i];
            if (!TryParse(field, out xyz[fields]))
            {
                throw FileErrors.At(Name, offset + start, $"line {number}: '{Encoding.ASCII.GetString(field[..Math.Min(field.Length, 40)])}' is not a number");
            }

            fields++;
        }

        if (fields == 0)
        {
            return; // blank or comment
        }

        if (fields < 3)
        {
            throw FileErrors.At(Name, offset, $"line {number} has {fields} numbers; a point needs x y z");
        }

        points.Add(new Vector3(xyz[0], xyz[1], xyz[2]));
    }

    /// <summary>A number, or inf / +inf / -inf / nan in any case (as C's printf writes them; .NET's parser wants "Infinity").</summary>
    private static bool TryParse(ReadOnlySpan<byte> field, out float value)
    {
        if (float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        Span<byte> lower = stackalloc byte[Math.Min(field.Length, 8)];
        if (field.Length > lower.Length)
        {
            return false;
        }

        for (int i = 0; i < field.Length; i++)
        {
            lower[i] = (byte)(field[i] | 0x20);
        }

        value = lower switch
        {
            [(byte)'i', (byte)'n', (byte)'f'] or [(byte)'+', (byte)'i', (byte)'n', (byte)'f'] => float.PositiveInfinity,
            [(byte)'-', (byte)'i', (byte)'n', (byte)'f'] => float.NegativeInfinity,
            [(byte)'n', (byte)'a', (byte)'n'] or [(byte)'-', (byte)'n', (byte)'a', (byte)'n'] => float.NaN,
            _ => 0,
        };
        return value != 0 || float.IsNaN(value);
    }

    private static bool IsSeparator(byte b) => b is (byte)' ' or (byte)'\t' or (byte)',' or (byte)'\r' or (byte)';';
}
