using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using K4os.Compression.LZ4;

namespace Occupancy.Files;

/// <summary>Writes a map (and its semantic layer) in the .occ format, chunk by chunk from one pooled buffer.</summary>
internal static class OccWriter
{
    public static void Write(Stream stream, OccupancyMap map, SemanticLayer? labels, OccupancyCompression compression)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(OccFormat.ChunkHeaderBytes + OccFormat.MaxPayloadBytes);
        byte[]? compressed = compression == OccupancyCompression.Lz4 ? ArrayPool<byte>.Shared.Rent(OccFormat.ChunkHeaderBytes + LZ4Codec.MaximumOutputSize(OccFormat.MaxPayloadBytes)) : null;
        try
        {
            // Writers wait while the map is copied out, so the file holds one state of it; readers go on.
            using OccupancyMap.WriteScope write = map.BeginWrite();
            KeyValuePair<VoxelKey, ushort>[] votes = labels?.SnapshotVotes() ?? [];
            WriteHeader(stream, buffer, map, labels is not null, votes.Length);

            int inChunk = 0;
            int slots = map.SlotCapacity;
            for (int slot = 0; slot < slots; slot++)
            {
                if (!map.TryReadBrick(slot, out float[] slab, out long packed, out _))
                {
                    continue;
                }

                ReadOnlySpan<float> voxels = slab.AsSpan(OccupancyMap.CellStart(slot), VoxelKey.BrickVoxels);
                (int bx, int by, int bz) = VoxelKey.UnpackBrick(packed);
                BrickCodec.Write(buffer.AsSpan(OccFormat.ChunkHeaderBytes + (inChunk * BrickCodec.RecordBytes)), bx, by, bz, voxels);
                if (++inChunk == OccFormat.BricksPerChunk)
                {
                    WriteChunk(stream, buffer, compressed, OccFormat.KindBricks, inChunk, inChunk * BrickCodec.RecordBytes);
                    inChunk = 0;
                }
            }

            if (inChunk > 0)
            {
                WriteChunk(stream, buffer, compressed, OccFormat.KindBricks, inChunk, inChunk * BrickCodec.RecordBytes);
            }

            for (int start = 0; start < votes.Length; start += OccFormat.LabelsPerChunk)
            {
                int n = Math.Min(OccFormat.LabelsPerChunk, votes.Length - start);
                Span<byte> payload = buffer.AsSpan(OccFormat.ChunkHeaderBytes);
                for (int i = 0; i < n; i++)
                {
                    (VoxelKey key, ushort vote) = (votes[start + i].Key, votes[start + i].Value);
                    Span<byte> rec = payload.Slice(i * OccFormat.LabelBytes, OccFormat.LabelBytes);
                    BinaryPrimitives.WriteInt32LittleEndian(rec, key.X);
                    BinaryPrimitives.WriteInt32LittleEndian(rec[4..], key.Y);
                    BinaryPrimitives.WriteInt32LittleEndian(rec[8..], key.Z);
                    BinaryPrimitives.WriteUInt16LittleEndian(rec[12..], vote);
                }

                WriteChunk(stream, buffer, compressed, OccFormat.KindLabels, n, n * OccFormat.LabelBytes);
            }

            WriteChunk(stream, buffer, compressed, OccFormat.KindEnd, 0, 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (compressed is not null)
            {
                ArrayPool<byte>.Shared.Return(compressed);
            }
        }
    }

    private static void WriteHeader(Stream stream, byte[] buffer, OccupancyMap map, bool hasLabels, int labelCount)
    {
        Span<byte> h = buffer.AsSpan(0, OccFormat.HeaderBytes);
        h.Clear();
        OccFormat.Magic.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], OccFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], OccFormat.HeaderBytes);
        BinaryPrimitives.WriteDoubleLittleEndian(h[16..], map.Resolution);
        SensorModel m = map.SensorModel;
        BinaryPrimitives.WriteDoubleLittleEndian(h[24..], m.HitProbability);
        BinaryPrimitives.WriteDoubleLittleEndian(h[32..], m.MissProbability);
        BinaryPrimitives.WriteDoubleLittleEndian(h[40..], m.ClampMinProbability);
        BinaryPrimitives.WriteDoubleLittleEndian(h[48..], m.ClampMaxProbability);
        BinaryPrimitives.WriteDoubleLittleEndian(h[56..], m.OccupiedProbability);
        BinaryPrimitives.WriteUInt32LittleEndian(h[64..], hasLabels ? OccFormat.FlagLabels : 0u);
        BinaryPrimitives.WriteUInt32LittleEndian(h[68..], VoxelKey.BrickSize);
        BinaryPrimitives.WriteInt64LittleEndian(h[72..], map.BrickCount);
        BinaryPrimitives.WriteInt64LittleEndian(h[80..], labelCount);
        BinaryPrimitives.WriteUInt64LittleEndian(h[OccFormat.HeaderChecksumOffset..], XxHash3.HashToUInt64(h[..OccFormat.HeaderChecksumOffset]));
        stream.Write(h);
    }

    /// <summary>
    /// Writes the chunk whose items are in <paramref name="buffer"/> after the header room: LZ4-compressed into
    /// <paramref name="packed"/> when compressing and that makes it smaller, as is otherwise.
    /// </summary>
    private static void WriteChunk(Stream stream, byte[] buffer, byte[]? packed, uint kind, int count, int payloadBytes)
    {
        byte[] chunk = buffer;
        int stored = payloadBytes;
        uint codec = OccFormat.CodecNone;
        if (packed is not null && payloadBytes > 0)
        {
            int n = LZ4Codec.Encode(buffer.AsSpan(OccFormat.ChunkHeaderBytes, payloadBytes), packed.AsSpan(OccFormat.ChunkHeaderBytes), LZ4Level.L00_FAST);
            if (n > 0 && n < payloadBytes)
            {
                chunk = packed;
                stored = n;
                codec = OccFormat.CodecLz4;
            }
        }

        Span<byte> c = chunk.AsSpan(0, OccFormat.ChunkHeaderBytes + stored);
        BinaryPrimitives.WriteUInt32LittleEndian(c[8..], kind);
        BinaryPrimitives.WriteUInt32LittleEndian(c[12..], (uint)count);
        BinaryPrimitives.WriteUInt32LittleEndian(c[16..], (uint)stored);
        BinaryPrimitives.WriteUInt32LittleEndian(c[20..], codec);
        BinaryPrimitives.WriteUInt64LittleEndian(c, XxHash3.HashToUInt64(c[8..]));
        stream.Write(c);
    }
}
