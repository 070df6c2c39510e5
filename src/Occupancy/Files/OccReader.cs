using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using K4os.Compression.LZ4;

namespace Occupancy.Files;

/// <summary>
/// Reads the .occ format into a new map. Everything is checked before it is used: the header's checksum, every count
/// against the bytes the stream can still hold (when it can tell), each chunk's checksum before its bricks are made,
/// brick coordinates, duplicate bricks, non-finite log-odds, the totals against the header. Memory grows only with
/// bytes actually read: one chunk buffer, then one brick per record.
/// </summary>
internal sealed class OccReader
{
    private readonly Stream _stream;
    private long _offset;

    private OccReader(Stream stream) => _stream = stream;

    public static OccupancyMap Read(Stream stream, out SemanticLayer? labels) => new OccReader(stream).ReadMap(out labels);

    private OccupancyMap ReadMap(out SemanticLayer? labels)
    {
        Span<byte> h = stackalloc byte[OccFormat.HeaderBytes];
        int got = _stream.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
        int compared = Math.Min(got, OccFormat.Magic.Length);
        if (!h[..compared].SequenceEqual(OccFormat.Magic[..compared]) || got == 0)
        {
            throw FileErrors.At(OccFormat.Name, 0, "the file does not start with the .occ magic bytes (not an Occupancy map, or altered in transfer)");
        }

        if (got < h.Length)
        {
            throw FileErrors.At(OccFormat.Name, got, $"the file ends inside the header ({got} of {h.Length} bytes)");
        }

        _offset = got;

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        if (version != OccFormat.Version)
        {
            throw FileErrors.At(OccFormat.Name, 8, $"format version {version} is not supported (this library reads version {OccFormat.Version})");
        }

        ulong headerSum = BinaryPrimitives.ReadUInt64LittleEndian(h[OccFormat.HeaderChecksumOffset..]);
        if (headerSum != XxHash3.HashToUInt64(h[..OccFormat.HeaderChecksumOffset]))
        {
            throw FileErrors.At(OccFormat.Name, OccFormat.HeaderChecksumOffset, "the header's checksum does not match (the header is damaged)");
        }

        uint headerBytes = BinaryPrimitives.ReadUInt32LittleEndian(h[12..]);
        uint brickEdge = BinaryPrimitives.ReadUInt32LittleEndian(h[68..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(h[64..]);
        if (headerBytes != OccFormat.HeaderBytes || brickEdge != VoxelKey.BrickSize || (flags & ~OccFormat.FlagLabels) != 0)
        {
            throw FileErrors.At(OccFormat.Name, 12, $"header size {headerBytes}, brick edge {brickEdge} or flags 0x{flags:X} are not those of version 1 (96, 8, bit 0 only)");
        }

        double resolution = BinaryPrimitives.ReadDoubleLittleEndian(h[16..]);
        if (!(resolution >= OccupancyMap.MinResolution && resolution <= OccupancyMap.MaxResolution))
        {
            throw FileErrors.At(OccFormat.Name, 16, $"resolution {resolution} m lies outside {OccupancyMap.MinResolution}..{OccupancyMap.MaxResolution} m");
        }

        SensorModel model;
        try
        {
            model = new SensorModel(
                BinaryPrimitives.ReadDoubleLittleEndian(h[24..]),
                BinaryPrimitives.ReadDoubleLittleEndian(h[32..]),
                BinaryPrimitives.ReadDoubleLittleEndian(h[40..]),
                BinaryPrimitives.ReadDoubleLittleEndian(h[48..]),
                BinaryPrimitives.ReadDoubleLittleEndian(h[56..]));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw FileErrors.At(OccFormat.Name, 24, "the sensor model is invalid: " + e.Message);
        }

        long brickCount = BinaryPrimitives.ReadInt64LittleEndian(h[72..]);
        long labelCount = BinaryPrimitives.ReadInt64LittleEndian(h[80..]);
        bool hasLabels = (flags & OccFormat.FlagLabels) != 0;
        if (brickCount < 0 || labelCount < 0 || (!hasLabels && labelCount != 0))
        {
            throw FileErrors.At(OccFormat.Name, 72, $"brick count {brickCount} or label count {labelCount} is impossible");
        }

        // No declared count may promise more than the stream holds: checked before anything is allocated. An LZ4 block
        // holds at most 255 bytes a byte, and every chunk has its header.
        long rawBytes = (brickCount * BrickCodec.RecordBytes) + (labelCount * OccFormat.LabelBytes);
        long chunks = ((brickCount + OccFormat.BricksPerChunk - 1) / OccFormat.BricksPerChunk) + ((labelCount + OccFormat.LabelsPerChunk - 1) / OccFormat.LabelsPerChunk) + 1;
        long minimum = (rawBytes / 255) + (chunks * OccFormat.ChunkHeaderBytes);
        if (brickCount > int.MaxValue / 4 || labelCount > int.MaxValue || (_stream.CanSeek && minimum > _stream.Length - _stream.Position))
        {
            throw FileErrors.At(OccFormat.Name, 72, $"the header declares {brickCount} bricks and {labelCount} labels, more than the {(_stream.CanSeek ? _stream.Length - _stream.Position : 0)} bytes that follow can hold");
        }

        var map = new OccupancyMap(resolution, model);
        SemanticLayer? layer = hasLabels ? new SemanticLayer(map) : null;
        long bricksRead = 0, labelsRead = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(OccFormat.ChunkHeaderBytes + OccFormat.MaxPayloadBytes);
        byte[]? raw = null;
        try
        {
            while (true)
            {
                long chunkOffset = _offset;
                Span<byte> c = buffer.AsSpan(0, OccFormat.ChunkHeaderBytes);
                ReadExactly(c, "a chunk header");
                uint kind = BinaryPrimitives.ReadUInt32LittleEndian(c[8..]);
                uint count = BinaryPrimitives.ReadUInt32LittleEndian(c[12..]);
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(c[16..]);
                uint codec = BinaryPrimitives.ReadUInt32LittleEndian(c[20..]);
                (int itemBytes, int maxItems) = kind switch
                {
                    OccFormat.KindBricks => (BrickCodec.RecordBytes, OccFormat.BricksPerChunk),
                    OccFormat.KindLabels => (OccFormat.LabelBytes, OccFormat.LabelsPerChunk),
                    OccFormat.KindEnd => (0, 0),
                    _ => throw FileErrors.At(OccFormat.Name, chunkOffset + 8, $"unknown chunk kind {kind}"),
                };
                uint rawSize = count * (uint)itemBytes;
                bool sizeFits = codec switch
                {
                    OccFormat.CodecNone => size == rawSize,
                    OccFormat.CodecLz4 => size > 0 && size < rawSize,
                    _ => false,
                };
                if (count > maxItems || !sizeFits || (kind == OccFormat.KindLabels && !hasLabels))
                {
                    throw FileErrors.At(OccFormat.Name, chunkOffset + 12, $"a chunk of kind {kind} declares {count} items stored in {size} bytes with codec {codec}; items are {itemBytes} bytes, at most {maxItems} a chunk, stored as is (codec 0) or smaller as LZ4 (codec 1)");
                }

                Span<byte> payload = buffer.AsSpan(OccFormat.ChunkHeaderBytes, (int)size);
                ReadExactly(payload, "a chunk");
                ulong sum = BinaryPrimitives.ReadUInt64LittleEndian(c);
                if (sum != XxHash3.HashToUInt64(buffer.AsSpan(8, OccFormat.ChunkHeaderBytes - 8 + (int)size)))
                {
                    throw FileErrors.At(OccFormat.Name, chunkOffset, $"the checksum of the chunk of kind {kind} does not match (the chunk is damaged)");
                }

                if (codec == OccFormat.CodecLz4)
                {
                    // The checksum held, so these are the writer's bytes; the decoder still checks every bound.
                    raw ??= ArrayPool<byte>.Shared.Rent(OccFormat.MaxPayloadBytes);
                    int decoded = LZ4Codec.Decode(payload, raw.AsSpan(0, (int)rawSize));
                    if (decoded != rawSize)
                    {
                        throw FileErrors.At(OccFormat.Name, chunkOffset + OccFormat.ChunkHeaderBytes, $"the LZ4 block of the chunk of kind {kind} does not decode to its {rawSize} bytes");
                    }

                    payload = raw.AsSpan(0, (int)rawSize);
                }

                long payloadOffset = chunkOffset + OccFormat.ChunkHeaderBytes;
                if (kind == OccFormat.KindEnd)
                {
                    if (bricksRead != brickCount || labelsRead != labelCount)
                    {
                        throw FileErrors.At(OccFormat.Name, chunkOffset, $"the file ends with {bricksRead} bricks and {labelsRead} labels, but the header declares {brickCount} and {labelCount}");
                    }

                    break;
                }

                if (kind == OccFormat.KindBricks)
                {
                    if (labelsRead > 0 || bricksRead + count > brickCount)
                    {
                        throw FileErrors.At(OccFormat.Name, chunkOffset, $"bricks beyond the {brickCount} the header declares, or after labels");
                    }

                    ReadBricks(map, payload, (int)count, payloadOffset);
                    bricksRead += count;
                }
                else
                {
                    if (labelsRead + count > labelCount)
                    {
                        throw FileErrors.At(OccFormat.Name, chunkOffset, $"labels beyond the {labelCount} the header declares");
                    }

                    ReadLabels(layer!, payload, (int)count, payloadOffset);
                    labelsRead += count;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (raw is not null)
            {
                ArrayPool<byte>.Shared.Return(raw);
            }
        }

        labels = layer;
        return map;
    }

    private static void ReadBricks(OccupancyMap map, ReadOnlySpan<byte> payload, int count, long payloadOffset)
    {
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> record = payload.Slice(i * BrickCodec.RecordBytes, BrickCodec.RecordBytes);
            long recordOffset = payloadOffset + ((long)i * BrickCodec.RecordBytes);
            if (BrickCodec.TryReadKey(record, out int bx, out int by, out int bz) is { } badKey)
            {
                throw FileErrors.At(OccFormat.Name, recordOffset + badKey.Offset, badKey.What);
            }

            if (map.FindBrick(bx, by, bz) >= 0)
            {
                throw FileErrors.At(OccFormat.Name, recordOffset, $"brick ({bx}, {by}, {bz}) appears twice");
            }

            // Decoded straight into the new map's brick (the map is dropped if anything in the file is wrong).
            Span<float> voxels = map.BrickAt(map.GetOrAddBrick(bx, by, bz));
            if (BrickCodec.TryReadVoxels(record, bx, by, bz, voxels) is { } badVoxel)
            {
                throw FileErrors.At(OccFormat.Name, recordOffset + badVoxel.Offset, badVoxel.What);
            }
        }
    }

    private static void ReadLabels(SemanticLayer layer, ReadOnlySpan<byte> payload, int count, long payloadOffset)
    {
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> r = payload.Slice(i * OccFormat.LabelBytes, OccFormat.LabelBytes);
            var key = new VoxelKey(BinaryPrimitives.ReadInt32LittleEndian(r), BinaryPrimitives.ReadInt32LittleEndian(r[4..]), BinaryPrimitives.ReadInt32LittleEndian(r[8..]));
            long at = payloadOffset + ((long)i * OccFormat.LabelBytes);
            if (!OccupancyMap.IsInRange(key))
            {
                throw FileErrors.At(OccFormat.Name, at, $"labelled voxel {key} lies outside the map's index range");
            }

            if (!layer.TryRestoreVote(key, BinaryPrimitives.ReadUInt16LittleEndian(r[12..])))
            {
                throw FileErrors.At(OccFormat.Name, at, $"voxel {key} is labelled twice");
            }
        }
    }

    private void ReadExactly(Span<byte> destination, string what)
    {
        int read = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read < destination.Length)
        {
            throw FileErrors.At(OccFormat.Name, _offset + read, $"the file ends inside {what} ({read} of {destination.Length} bytes)");
        }

        _offset += read;
    }
}
