using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using System.Text;
using K4os.Compression.LZ4;
using Occupancy.Files;

namespace Occupancy.Fleet;

/// <summary>
/// A delta as bytes, little-endian: magic "OCDL", format version u16 (1), flags u16 (bit 0: the bricks are one LZ4
/// block), resolution f64, sequence i64, brick count i32, agent id length u16 and its UTF-8 bytes, stored brick bytes
/// i32 and the bricks, then XxHash3 u64 of everything before it. Each brick is the file format's brick record
/// (coordinates and 512 float32): a voxel the delta changes holds its increment k · 2^-16 (exact in a float, |k| &lt;
/// 2^24), the others NaN.
/// </summary>
public sealed partial class MapDelta
{
    private const uint Magic = 0x4C44434F; // "OCDL"
    private const ushort FormatVersion = 1;
    private const ushort FlagLz4 = 1;
    private const int FixedHeaderBytes = 30;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The delta as bytes (the bricks LZ4-compressed where that makes them smaller).</summary>
    public byte[] ToBytes()
    {
        byte[] agent = Encoding.UTF8.GetBytes(AgentId);
        int rawBytes = BrickCount * BrickCodec.RecordBytes;
        byte[] raw = new byte[rawBytes];
        Span<float> voxels = stackalloc float[VoxelKey.BrickVoxels];
        KernelWidth width = KernelSet.Best.Merge;
        for (int i = 0; i < BrickCount; i++)
        {
            // Increments in float (k · 2^-16, exact), NaN where the delta changes nothing: no clamp.
            MergeKernel.Dequantize(IncrementsOf(i), KnownOf(i), float.MinValue, float.MaxValue, voxels, width);
            (int x, int y, int z) = VoxelKey.UnpackBrick(_keys[i]);
            BrickCodec.Write(raw.AsSpan(i * BrickCodec.RecordBytes), x, y, z, voxels);
        }

        byte[] packed = new byte[LZ4Codec.MaximumOutputSize(rawBytes)];
        int packedBytes = rawBytes > 0 ? LZ4Codec.Encode(raw, packed, LZ4Level.L00_FAST) : -1;
        bool lz4 = packedBytes > 0 && packedBytes < rawBytes;
        ReadOnlySpan<byte> body = lz4 ? packed.AsSpan(0, packedBytes) : raw;

        int headerBytes = FixedHeaderBytes + agent.Length;
        byte[] bytes = new byte[headerBytes + sizeof(int) + body.Length + sizeof(ulong)];
        Span<byte> h = bytes;
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], lz4 ? FlagLz4 : (ushort)0);
        BinaryPrimitives.WriteDoubleLittleEndian(h[8..], Resolution);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], Sequence);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], BrickCount);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)agent.Length);
        agent.CopyTo(h[FixedHeaderBytes..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[headerBytes..], body.Length);
        body.CopyTo(h[(headerBytes + sizeof(int))..]);
        int end = bytes.Length - sizeof(ulong);
        BinaryPrimitives.WriteUInt64LittleEndian(h[end..], XxHash3.HashToUInt64(h[..end]));
        return bytes;
    }

    /// <summary>
    /// Reads a delta from bytes that <see cref="ToBytes"/> made. Everything is checked before anything is allocated by
    /// size: no declared count allocates more than the bytes could hold.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid delta; the message names the byte offset and what is wrong there.</exception>
    public static MapDelta Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < FixedHeaderBytes + sizeof(int) + sizeof(ulong))
        {
            throw Error(data.Length, $"the delta ends early ({data.Length} bytes; a header needs {FixedHeaderBytes + sizeof(int) + sizeof(ulong)})");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
        {
            throw Error(0, "the magic is not \"OCDL\"");
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

        long sequence = BinaryPrimitives.ReadInt64LittleEndian(data[16..]);
        if (sequence < 1)
        {
            throw Error(16, $"sequence number {sequence} is below 1");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(data[24..]);
        if (count < 0 || count > MaxBricks)
        {
            throw Error(24, $"brick count {count} lies outside [0, {MaxBricks}]");
        }

        int agentBytes = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        if (agentBytes < 1 || agentBytes > MaxAgentIdBytes)
        {
            throw Error(28, $"agent id length {agentBytes} lies outside [1, {MaxAgentIdBytes}]");
        }

        int headerBytes = FixedHeaderBytes + agentBytes;
        if (data.Length < headerBytes + sizeof(int) + sizeof(ulong))
        {
            throw Error(data.Length, $"the delta ends inside its agent id ({data.Length} bytes)");
        }

        string agent;
        try
        {
            agent = StrictUtf8.GetString(data.Slice(FixedHeaderBytes, agentBytes));
        }
        catch (DecoderFallbackException)
        {
            throw Error(FixedHeaderBytes, "the agent id is not valid UTF-8");
        }

        int stored = BinaryPrimitives.ReadInt32LittleEndian(data[headerBytes..]);
        int bodyAt = headerBytes + sizeof(int);
        if (stored < 0 || (long)bodyAt + stored + sizeof(ulong) != data.Length)
        {
            throw Error(headerBytes, $"stored brick bytes {stored} do not match the {data.Length - bodyAt - sizeof(ulong)} bytes between the header and the checksum");
        }

        int end = data.Length - sizeof(ulong);
        if (BinaryPrimitives.ReadUInt64LittleEndian(data[end..]) != XxHash3.HashToUInt64(data[..end]))
        {
            throw Error(end, "the checksum does not match the delta's bytes");
        }

        long rawBytes = (long)count * BrickCodec.RecordBytes;
        bool lz4 = (flags & FlagLz4) != 0;
        // An LZ4 block expands at most 255 times: a count the stored bytes could not hold is refused before allocating.
        if (lz4 ? rawBytes > (255L * stored) + 16 : rawBytes != stored)
        {
            throw Error(24, $"brick count {count} needs {rawBytes} bytes, which {stored} stored {(lz4 ? "LZ4 " : string.Empty)}bytes cannot hold");
        }

        ReadOnlySpan<byte> body = data.Slice(bodyAt, stored);
        byte[]? unpacked = null;
        if (lz4)
        {
            unpacked = new byte[rawBytes];
            int decoded = LZ4Codec.Decode(body, unpacked);
            if (decoded != rawBytes)
            {
                throw Error(bodyAt, $"the LZ4 block decodes to {decoded} bytes, not {rawBytes}");
            }

            body = unpacked;
        }

        long[] keys = new long[count];
        int[] increments = new int[count * VoxelKey.BrickVoxels];
        ulong[] known = new ulong[count * VoxelKey.BrickWords];
        var seen = new HashSet<long>(count);
        Span<float> voxels = stackalloc float[VoxelKey.BrickVoxels];
        KernelWidth width = KernelSet.Best.Merge;
        for (int i = 0; i < count; i++)
        {
            // Offsets inside packed bricks are offsets of the unpacked bricks, after the body's start.
            int at = i * BrickCodec.RecordBytes;
            ReadOnlySpan<byte> record = body.Slice(at, BrickCodec.RecordBytes);
            if (BrickCodec.TryReadKey(record, out int bx, out int by, out int bz) is (string what, int offset))
            {
                throw Error(bodyAt + at + offset, what);
            }

            long packed = VoxelKey.PackBrick(bx, by, bz);
            if (!seen.Add(packed))
            {
                throw Error(bodyAt + at, $"brick ({bx}, {by}, {bz}) appears twice");
            }

            keys[i] = packed;
            BrickCodec.ReadFloats(record, voxels);
            Span<ulong> mask = known.AsSpan(i * VoxelKey.BrickWords, VoxelKey.BrickWords);
            int bad = MergeKernel.ReadIncrements(voxels, increments.AsSpan(i * VoxelKey.BrickVoxels, VoxelKey.BrickVoxels), mask, width);
            if (bad >= 0)
            {
                float value = voxels[bad];
                throw Error(bodyAt + at + 12 + (bad * sizeof(float)), float.IsFinite(value)
                    ? $"voxel {bad} of brick ({bx}, {by}, {bz}) holds {value.ToString("R", CultureInfo.InvariantCulture)}, not a multiple of 2^-16 below 256"
                    : $"voxel {bad} of brick ({bx}, {by}, {bz}) holds a non-finite increment (bits 0x{BitConverter.SingleToInt32Bits(value):X8})");
            }

            if (EvidenceMap.IsEmpty(mask))
            {
                throw Error(bodyAt + at, $"brick ({bx}, {by}, {bz}) changes no voxel");
            }
        }

        return new MapDelta(agent, sequence, resolution, keys, increments, known, count);
    }

    private static InvalidDataException Error(long offset, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Invalid map delta at byte {offset}: {what}"));
}
