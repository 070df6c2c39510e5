using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Occupancy.Tests.Reliability;

/// <summary>A minimal PNG writer for tests: any colour type and bit depth, the data in several chunks, or a header that lies.</summary>
internal static class PngFiles
{
    public static void Write(string path, int width, int height, byte colorType, byte bitDepth, byte[] samples) =>
        File.WriteAllBytes(path, Encode(width, height, colorType, bitDepth, samples, chunks: 1));

    /// <summary>
    /// A PNG of <paramref name="samples"/> (rows of width × channels × depth/8 bytes, filter 0 added here); with
    /// <paramref name="declaredOnly"/> the header declares the size but the data holds only the given bytes.
    /// </summary>
    public static byte[] Encode(int width, int height, byte colorType, byte bitDepth, byte[] samples, int chunks, bool declaredOnly = false)
    {
        int channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 1 };
        int rowBytes = width * channels * bitDepth / 8;
        byte[] raw;
        if (declaredOnly)
        {
            raw = samples;
        }
        else
        {
            raw = new byte[height * (rowBytes + 1)];
            for (int y = 0; y < height; y++)
            {
                Array.Copy(samples, y * rowBytes, raw, (y * (rowBytes + 1)) + 1, rowBytes);
            }
        }

        byte[] compressed;
        using (var buffer = new MemoryStream())
        {
            using (var z = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(raw);
            }

            compressed = buffer.ToArray();
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        Chunk(png, "IHDR", ihdr);
        int per = (compressed.Length + chunks - 1) / chunks;
        for (int i = 0; i < compressed.Length; i += per)
        {
            Chunk(png, "IDAT", compressed.AsSpan(i, Math.Min(per, compressed.Length - i)));
        }

        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The offset just past the first IDAT chunk (its CRC included).</summary>
    public static int EndOfFirstDataChunk(byte[] png)
    {
        int at = 8;
        while (at < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            at += 12 + length;
            if (type == "IDAT")
            {
                return at;
            }
        }

        throw new InvalidOperationException("no IDAT chunk");
    }

    private static void Chunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, header[4..]);
        png.Write(header);
        png.Write(data);
        byte[] typed = [.. header[4..], .. data];
        Span<byte> sum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, Crc32(typed));
        png.Write(sum);
    }

    /// <summary>The CRC-32 PNG puts after each chunk's type and data (bit by bit: the reference, slow and plain).</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFF;
    }
}
