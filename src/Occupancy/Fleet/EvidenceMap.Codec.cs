using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using K4os.Compression.LZ4;

namespace Occupancy.Fleet;

/// <summary>
/// Evidence as bytes, little-endian: magic "OCEV", format version u16 (1), flags u16 (bit 0: the bricks are one LZ4
/// block), resolution f64, brick count i32, stored brick bytes i32 and the bricks, then XxHash3 u64 of everything
/// before it. A brick is its coordinates (3 × i32), its known mask (8 × u64, bit i of word i / 64 for voxel i) and its
/// 512 sums (i32, fixed point). Bricks are sorted by key, so equal evidence always gives equal bytes.
/// </summary>
public sealed partial class EvidenceMap
{
    private const uint Magic = 0x5645434F; // "OCEV"
    private const ushort FormatVersion = 1;
    private const ushort FlagLz4 = 1;
    private const int HeaderBytes = 28;

    /// <summary>Bytes of one brick: coordinates, known mask and sums.</summary>
    private const int RecordBytes = (3 * sizeof(int)) + (VoxelKey.BrickWords * sizeof(ulong)) + (VoxelKey.BrickVoxels * sizeof(int));

    /// <summary>Most bricks <see cref="Parse"/> accepts (about 1.1 GB unpacked).</summary>
    public const int MaxBricks = 1 << 19;

    /// <summary>The evidence as bytes (bricks sorted by key; LZ4-compressed where that makes them smaller).</summary>
    public byte[] ToBytes()
    {
        long[] order = _keys.AsSpan(0, _count).ToArray();
        Array.Sort(order);
        int rawBytes = checked(_count * RecordBytes);
        byte[] raw = new byte[rawBytes];
        for (int i = 0; i < order.Length; i++)
        {
            int b = _index[order[i]];
            Span<byte> record = raw.AsSpan(i * RecordBytes, RecordBytes);
            (int x, int y, int z) = VoxelKey.UnpackBrick(order[i]);
            BinaryPrimitives.WriteInt32LittleEndian(record, x);
            BinaryPrimitives.WriteInt32LittleEndian(record[4..], y);
            BinaryPrimitives.WriteInt32LittleEndian(record[8..], z);
            Span<ulong> known = KnownOf(b);
            Span<int> sums = SumsOf(b);
            for (int w = 0; w < VoxelKey.BrickWords; w++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(record[(12 + (w * 8))..], known[w]);
            }

            Span<byte> body = record[(12 + (VoxelKey.BrickWords * 8))..];
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(sums).CopyTo(body);
            }
            else
            {
                for (int v = 0; v < VoxelKey.BrickVoxels; v++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(body[(v * 4)..], sums[v]);
                }
            }
        }

        byte[] packed = new byte[LZ4Codec.MaximumOutputSize(rawBytes)];
        int packedBytes = rawBytes > 0 ? LZ4Codec.Encode(raw, packed, LZ4Level.L00_FAST) : -1;
        bool lz4 = packedBytes > 0 && packedBytes < rawBytes;
        ReadOnlySpan<byte> stored = lz4 ? packed.AsSpan(0, packedBytes) : raw;
        byte[] bytes = new byte[HeaderBytes + stored.Length + sizeof(ulong)];
        Span<byte> h = bytes;
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], lz4 ? FlagLz4 : (ushort)0);
        BinaryPrimitives.WriteDoubleLittleEndian(h[8..], Resolution);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], _count);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], stored.Length);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], 0);
        stored.CopyTo(h[HeaderBytes..]);
        int end = bytes.Length - sizeof(ulong);
        BinaryPrimitives.WriteUInt64LittleEndian(h[end..], XxHash3.HashToUInt64(h[..end]));
        return bytes;
    }

    /// <summary>
    /// Reads evidence that <see cref="ToBytes"/> wrote. Everything is checked before anything is allocated by size: no
    /// declared count allocates more than the bytes could hold.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <exception cref="InvalidDataException">The bytes are not valid evidence; the message names the byte offset and what is wrong there.</exception>
    public static EvidenceMap Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderBytes + sizeof(ulong))
        {
            throw Error(data.Length, $"the evidence ends early ({data.Length} bytes; a header needs {HeaderBytes + sizeof(ulong)})");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
        {
            throw Error(0, "the magic is not \"OCEV\"");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != FormatVersion)
        {
            throw Error(4, $"format version {version} is not supported (this reader knows {FormatVersion})");
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        if ((flags & ~FlagLz4) != 0)
        {
            throw Error(6, $"unknown flags 0x{flags:X4}");
        }

        double resolution = BinaryPrimitives.ReadDoubleLittleEndian(data[8..]);
        if (!(resolution >= OccupancyMap.MinResolution && resolution <= OccupancyMap.MaxResolution))
        {
            throw Error(8, $"resolution {resolution} lies outside [{OccupancyMap.MinResolution}, {OccupancyMap.MaxResolution}] m");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        if (count < 0 || count > MaxBricks)
        {
            throw Error(16, $"brick count {count} lies outside [0, {MaxBricks}]");
        }

        int stored = BinaryPrimitives.ReadInt32LittleEndian(data[20..]);
        if (stored < 0 || (long)HeaderBytes + stored + sizeof(ulong) != data.Length)
        {
            throw Error(20, $"stored brick bytes {stored} do not match the {data.Length - HeaderBytes - sizeof(ulong)} bytes between the header and the checksum");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(data[24..]) != 0)
        {
            throw Error(24, "the reserved word is not 0");
        }

        int end = data.Length - sizeof(ulong);
        if (BinaryPrimitives.ReadUInt64LittleEndian(data[end..]) != XxHash3.HashToUInt64(data[..end]))
        {
            throw Error(end, "the checksum does not match the evidence's bytes");
        }

        long rawBytes = (long)count * RecordBytes;
        bool lz4 = (flags & FlagLz4) != 0;
        if (lz4 ? rawBytes > (255L * stored) + 16 : rawBytes != stored)
        {
            throw Error(16, $"brick count {count} needs {rawBytes} bytes, which {stored} stored {(lz4 ? "LZ4 " : string.Empty)}bytes cannot hold");
        }

        ReadOnlySpan<byte> body = data.Slice(HeaderBytes, stored);
        if (lz4)
        {
            byte[] unpacked = new byte[rawBytes];
            int decoded = LZ4Codec.Decode(body, unpacked);
            if (decoded != rawBytes)
            {
                throw Error(HeaderBytes, $"the LZ4 block decodes to {decoded} bytes, not {rawBytes}");
            }

            body = unpacked;
        }

        var map = new EvidenceMap(resolution);
        long previous = long.MinValue;
        for (int i = 0; i < count; i++)
        {
            int at = i * RecordBytes;
            ReadOnlySpan<byte> record = body.Slice(at, RecordBytes);
            if (Files.BrickCodec.TryReadKey(record, out int bx, out int by, out int bz) is (string what, int offset))
            {
                throw Error(HeaderBytes + at + offset, what);
            }

            long packed = VoxelKey.PackBrick(bx, by, bz);
            if (packed <= previous)
            {
                throw Error(HeaderBytes + at, $"brick ({bx}, {by}, {bz}) is out of order or repeated (bricks are sorted by key)");
            }

            previous = packed;
            int b = map.GetOrAdd(packed);
            Span<ulong> known = map.KnownOf(b);
            Span<int> sums = map.SumsOf(b);
            for (int w = 0; w < VoxelKey.BrickWords; w++)
            {
                known[w] = BinaryPrimitives.ReadUInt64LittleEndian(record[(12 + (w * 8))..]);
            }

            if (IsEmpty(known))
            {
                throw Error(HeaderBytes + at + 12, $"brick ({bx}, {by}, {bz}) knows no voxel");
            }

            ReadOnlySpan<byte> cells = record[(12 + (VoxelKey.BrickWords * 8))..];
            for (int v = 0; v < VoxelKey.BrickVoxels; v++)
            {
                int sum = BinaryPrimitives.ReadInt32LittleEndian(cells[(v * 4)..]);
                if (sum != 0 && (known[v >> 6] & (1UL << (v & 63))) == 0)
                {
                    throw Error(HeaderBytes + at + 12 + (VoxelKey.BrickWords * 8) + (v * 4), $"voxel {v} of brick ({bx}, {by}, {bz}) is unknown but holds evidence {sum}");
                }

                sums[v] = sum;
            }
        }

        return map;
    }

    private static InvalidDataException Error(long offset, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Invalid evidence at byte {offset}: {what}"));
}
