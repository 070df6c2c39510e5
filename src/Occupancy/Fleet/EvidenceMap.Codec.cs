using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;

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
    private const string Kind = "evidence";
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
        byte[] raw = ArrayPool<byte>.Shared.Rent(rawBytes);
        byte[] packed = ArrayPool<byte>.Shared.Rent(FleetFormat.PackedCapacity(rawBytes));
        try
        {
            return Encode(order, raw.AsSpan(0, rawBytes), packed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    private byte[] Encode(long[] order, Span<byte> raw, Span<byte> packed)
    {
        for (int i = 0; i < order.Length; i++)
        {
            int b = _index[order[i]];
            Span<byte> record = raw.Slice(i * RecordBytes, RecordBytes);
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

        int packedBytes = FleetFormat.Pack(raw, packed);
        bool lz4 = packedBytes > 0;
        ReadOnlySpan<byte> stored = lz4 ? packed[..packedBytes] : raw;
        byte[] bytes = new byte[HeaderBytes + stored.Length + sizeof(ulong)];
        Span<byte> h = bytes;
        FleetFormat.WriteHead(h, Magic, FormatVersion, lz4 ? FleetFormat.FlagLz4 : (ushort)0);
        BinaryPrimitives.WriteDoubleLittleEndian(h[8..], Resolution);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], _count);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], stored.Length);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], 0);
        stored.CopyTo(h[HeaderBytes..]);
        FleetFormat.Seal(h);
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

        ushort flags = FleetFormat.ReadHead(data, Magic, Kind, FormatVersion, FleetFormat.FlagLz4);
        double resolution = FleetFormat.ReadResolution(data, 8, Kind);

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

        FleetFormat.CheckSeal(data, Kind);
        ReadOnlySpan<byte> body = FleetFormat.Unpack(data.Slice(HeaderBytes, stored), (flags & FleetFormat.FlagLz4) != 0, (long)count * RecordBytes, HeaderBytes, 16, Kind, out byte[]? rented);
        try
        {
            return Decode(body, count, resolution);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static EvidenceMap Decode(ReadOnlySpan<byte> body, int count, double resolution)
    {

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

    private static InvalidDataException Error(long offset, string what) => FleetFormat.Error(Kind, offset, what);
}
