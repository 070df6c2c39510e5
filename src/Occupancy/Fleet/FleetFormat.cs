using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using K4os.Compression.LZ4;

namespace Occupancy.Fleet;

/// <summary>
/// What the fleet's three encodings (deltas, evidence, ledgers) share: a head of magic (u32), format version (u16) and
/// flags (u16), little-endian; an optional LZ4 block for the bricks; an XxHash3 of everything before it at the end; and
/// one shape of error, "Invalid KIND at byte OFFSET: what".
/// </summary>
internal static class FleetFormat
{
    /// <summary>The flag that says the bricks are one LZ4 block.</summary>
    public const ushort FlagLz4 = 1;

    /// <summary>Bytes of the head: magic, version, flags.</summary>
    public const int HeadBytes = 8;

    public static InvalidDataException Error(string kind, long offset, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Invalid {kind} at byte {offset}: {what}"));

    public static void WriteHead(Span<byte> bytes, uint magic, ushort version, ushort flags)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, magic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[4..], version);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[6..], flags);
    }

    /// <summary>Checks the head (the caller checked that <see cref="HeadBytes"/> are there) and returns the flags.</summary>
    public static ushort ReadHead(ReadOnlySpan<byte> data, uint magic, string kind, ushort version, ushort knownFlags)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != magic)
        {
            throw Error(kind, 0, $"the magic is not \"{MagicText(magic)}\"");
        }

        ushort v = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (v != version)
        {
            throw Error(kind, 4, $"format version {v} is not supported (this reader knows {version})");
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        if ((flags & ~knownFlags) != 0)
        {
            throw Error(kind, 6, $"unknown flags 0x{flags:X4}");
        }

        return flags;
    }

    /// <summary>A resolution within the map's range, read at <paramref name="at"/>.</summary>
    public static double ReadResolution(ReadOnlySpan<byte> data, int at, string kind)
    {
        double resolution = BinaryPrimitives.ReadDoubleLittleEndian(data[at..]);
        if (!(resolution >= OccupancyMap.MinResolution && resolution <= OccupancyMap.MaxResolution))
        {
            throw Error(kind, at, $"resolution {resolution} lies outside [{OccupancyMap.MinResolution}, {OccupancyMap.MaxResolution}] m");
        }

        return resolution;
    }

    /// <summary>Writes the XxHash3 of everything before the last 8 bytes into them.</summary>
    public static void Seal(Span<byte> bytes)
    {
        int end = bytes.Length - sizeof(ulong);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[end..], XxHash3.HashToUInt64(bytes[..end]));
    }

    /// <summary>Checks the trailing XxHash3 (the caller checked that 8 bytes are there).</summary>
    public static void CheckSeal(ReadOnlySpan<byte> data, string kind)
    {
        int end = data.Length - sizeof(ulong);
        if (BinaryPrimitives.ReadUInt64LittleEndian(data[end..]) != XxHash3.HashToUInt64(data[..end]))
        {
            throw Error(kind, end, $"the checksum does not match the {kind}'s bytes");
        }
    }

    /// <summary>
    /// Compresses the bricks into <paramref name="packed"/> (at least <see cref="PackedCapacity"/> bytes); the length of
    /// the LZ4 block, or -1 when it would not be smaller (the bricks are then stored as they are).
    /// </summary>
    public static int Pack(ReadOnlySpan<byte> raw, Span<byte> packed)
    {
        int n = raw.Length > 0 ? LZ4Codec.Encode(raw, packed, LZ4Level.L00_FAST) : -1;
        return n > 0 && n < raw.Length ? n : -1;
    }

    /// <summary>Bytes <see cref="Pack"/> may need for <paramref name="rawBytes"/> of bricks.</summary>
    public static int PackedCapacity(int rawBytes) => LZ4Codec.MaximumOutputSize(rawBytes);

    /// <summary>
    /// The bricks unpacked, after checking that the stored <paramref name="body"/> can hold <paramref name="rawBytes"/>
    /// (an LZ4 block expands at most 255 times), before allocating; <paramref name="countAt"/> is where the count that
    /// asked for <paramref name="rawBytes"/> was read.
    /// </summary>
    /// <remarks>An unpacked block lies in <paramref name="rented"/>, from the shared array pool: the caller returns it.</remarks>
    public static ReadOnlySpan<byte> Unpack(ReadOnlySpan<byte> body, bool lz4, long rawBytes, int bodyAt, int countAt, string kind, out byte[]? rented)
    {
        rented = null;
        if (lz4 ? rawBytes > (255L * body.Length) + 16 : rawBytes != body.Length)
        {
            throw Error(kind, countAt, $"the bricks need {rawBytes} bytes, which {body.Length} stored {(lz4 ? "LZ4 " : string.Empty)}bytes cannot hold");
        }

        if (!lz4)
        {
            return body;
        }

        rented = ArrayPool<byte>.Shared.Rent((int)rawBytes);
        int decoded = LZ4Codec.Decode(body, rented.AsSpan(0, (int)rawBytes));
        if (decoded != rawBytes)
        {
            throw Error(kind, bodyAt, $"the LZ4 block decodes to {decoded} bytes, not {rawBytes}");
        }

        return rented.AsSpan(0, (int)rawBytes);
    }

    private static string MagicText(uint magic) =>
        string.Create(4, magic, static (chars, m) =>
        {
            for (int i = 0; i < 4; i++)
            {
                chars[i] = (char)((m >> (8 * i)) & 0xFF);
            }
        });
}
