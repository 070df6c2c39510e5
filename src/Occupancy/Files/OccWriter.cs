using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;

namespace Occupancy.Files;

/// <summary>Writes a map (and its semantic layer) in the .occ format, chunk by chunk from one pooled buffer.</summary>
internal static class OccWriter
{
    public static void Write(Stream stream, OccupancyMap map, SemanticLayer? labels)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(OccFormat.ChunkHeaderBytes + OccFormat.MaxPayloadBytes);
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
                if (!map.TryReadBrick(slot, out float[] voxels, out long packed))
                {
                    continue;
                }

                (int bx, int by, int bz) = VoxelKey.UnpackBrick(packed);
                BrickCodec.Write(buffer.AsSpan(OccFormat.ChunkHeaderBytes + (inChunk * BrickCodec.RecordBytes)), bx, by, bz, voxels);
                if (++inChunk == OccFormat.BricksPerChunk)
                {
                    WriteChunk(stream, buffer, OccFormat.KindBricks, inChunk, inChunk * BrickCodec.RecordBytes);
                    inChunk = 0;
                }
            }

            if (inChunk > 0)
            {
                WriteChunk(stream, buffer, OccFormat.KindBricks, inChunk, inChunk * BrickCodec.RecordBytes);
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

                WriteChunk(stream, buffer, OccFormat.KindLabels, n, n * OccFormat.LabelBytes);
            }

            WriteChunk(stream, buffer, OccFormat.KindEnd, 0, 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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

    private static void WriteChunk(Stream stream, byte[] buffer, uint kind, int count, int payloadBytes)
    {
        Span<byte> c = buffer.AsSpan(0, OccFormat.ChunkHeaderBytes + payloadBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(c[8..], kind);
        BinaryPrimitives.WriteUInt32LittleEndian(c[12..], (uint)count);
        BinaryPrimitives.WriteUInt32LittleEndian(c[16..], (uint)payloadBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(c[20..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(c, XxHash3.HashToUInt64(c[8..]));
        stream.Write(c);
    }
}
