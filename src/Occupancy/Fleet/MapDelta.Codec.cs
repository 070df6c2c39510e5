using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
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
    private const string Kind = "map delta";
    private const int FixedHeaderBytes = 30;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The delta as bytes (the bricks LZ4-compressed where that makes them smaller).</summary>
    public byte[] ToBytes()
    {
        byte[] agent = Encoding.UTF8.GetBytes(AgentId);
        int rawBytes = BrickCount * BrickCodec.RecordBytes;
        byte[] raw = ArrayPool<byte>.Shared.Rent(rawBytes);
        byte[] packed = ArrayPool<byte>.Shared.Rent(FleetFormat.PackedCapacity(rawBytes));
        try
        {
            return Encode(agent, raw.AsSpan(0, rawBytes), packed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    private byte[] Encode(byte[] agent, Span<byte> raw, Span<byte> packed)
    {
        Span<float> voxels = stackalloc float[VoxelKey.BrickVoxels];
        KernelWidth width = KernelSet.Best.Merge;
        for (int i = 0; i < BrickCount; i++)
        {
            // Increments in float (k · 2^-16, exact), NaN where the delta changes nothing: no clamp.
            MergeKernel.Dequantize(IncrementsOf(i), KnownOf(i), float.MinValue, float.MaxValue, voxels, width);
            (int x, int y, int z) = VoxelKey.UnpackBrick(_keys[i]);
            BrickCodec.Write(raw[(i * BrickCodec.RecordBytes)..], x, y, z, voxels);
        }

        int packedBytes = FleetFormat.Pack(raw, packed);
        bool lz4 = packedBytes > 0;
        ReadOnlySpan<byte> body = lz4 ? packed[..packedBytes] : raw;

        int headerBytes = FixedHeaderBytes + agent.Length;
        byte[] bytes = new byte[headerBytes + sizeof(int) + body.Length + sizeof(ulong)];
        Span<byte> h = bytes;
        FleetFormat.WriteHead(h, Magic, FormatVersion, lz4 ? FleetFormat.FlagLz4 : (ushort)0);
        BinaryPrimitives.WriteDoubleLittleEndian(h[8..], Resolution);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], Sequence);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], BrickCount);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)agent.Length);
        agent.CopyTo(h[FixedHeaderBytes..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[headerBytes..], body.Length);
        body.CopyTo(h[(headerBytes + sizeof(int))..]);
        FleetFormat.Seal(h);
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

        ushort flags = FleetFormat.ReadHead(data, Magic, Kind, FormatVersion, FleetFormat.FlagLz4);
        double resolution = FleetFormat.ReadResolution(data, 8, Kind);

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

        FleetFormat.CheckSeal(data, Kind);
        ReadOnlySpan<byte> body = FleetFormat.Unpack(data.Slice(bodyAt, stored), (flags & FleetFormat.FlagLz4) != 0, (long)count * BrickCodec.RecordBytes, bodyAt, 24, Kind, out byte[]? rented);
        try
        {
            return Decode(body, bodyAt, count, agent, sequence, resolution);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static MapDelta Decode(ReadOnlySpan<byte> body, int bodyAt, int count, string agent, long sequence, double resolution)
    {

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

    private static InvalidDataException Error(long offset, string what) => FleetFormat.Error(Kind, offset, what);
}
