using System;

namespace Occupancy.Files;

/// <summary>
/// The layout of the .occ format, version 1 (docs/files.md). Little-endian throughout.
/// <list type="bullet">
/// <item>Header, 96 bytes: magic (8), version u32, header size u32, resolution f64, the sensor model's five probabilities
/// f64 (hit, miss, clamp min, clamp max, occupied), flags u32 (bit 0: a semantic layer follows), brick edge u32 (8),
/// brick count i64, label count i64, XxHash3 of the 88 bytes before it.</item>
/// <item>Chunks: checksum u64 (XxHash3 of everything after it in the chunk), kind u32, item count u32, stored payload
/// size u32, codec u32 (0: stored as is; 1: LZ4 block of the item bytes), payload. Bricks (kind 1, <see cref="BrickCodec"/> records, at most 256 a chunk), then labels (kind 2:
/// voxel x, y, z int32 and the packed vote u16, at most 32,768 a chunk), then one end chunk (kind 3, empty).</item>
/// </list>
/// </summary>
internal static class OccFormat
{
    /// <summary>"\x89OCC\r\n\x1A\n": a high byte and line endings, so that text-mode transfers and truncation show (as PNG's).</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'O', (byte)'C', (byte)'C', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    public const uint Version = 1;
    public const int HeaderBytes = 96;
    public const int HeaderChecksumOffset = 88;
    public const int ChunkHeaderBytes = 24;
    public const uint FlagLabels = 1;

    public const uint KindBricks = 1;
    public const uint KindLabels = 2;
    public const uint KindEnd = 3;

    public const uint CodecNone = 0;
    public const uint CodecLz4 = 1;

    public const int BricksPerChunk = 256;
    public const int LabelBytes = (3 * sizeof(int)) + sizeof(ushort);
    public const int LabelsPerChunk = 32768;

    /// <summary>The largest chunk payload of either kind, uncompressed.</summary>
    public const int MaxPayloadBytes = BricksPerChunk * BrickCodec.RecordBytes;

    /// <summary>The largest stored payload: an LZ4 block of <see cref="MaxPayloadBytes"/> that did not shrink is stored as is.</summary>
    public static int MaxStoredBytes => MaxPayloadBytes;

    /// <summary>Format name used in error messages.</summary>
    public const string Name = ".occ";
}
