using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Occupancy.Files;

/// <summary>
/// One brick as bytes: its brick coordinates (three little-endian int32, brick = voxel index >> 3) and its 512 log-odds
/// (little-endian float32, x fastest, then y, then z; NaN is unknown), 2,060 bytes. The .occ format stores bricks this
/// way; deltas between maps reuse it.
/// </summary>
internal static class BrickCodec
{
    /// <summary>Bytes of one encoded brick.</summary>
    public const int RecordBytes = (3 * sizeof(int)) + (VoxelKey.BrickVoxels * sizeof(float));

    /// <summary>Largest brick coordinate magnitude the map's index range allows.</summary>
    private const int MaxBrick = OccupancyMap.MaxVoxelIndex >> VoxelKey.BrickShift;

    private const int MinBrick = OccupancyMap.MinVoxelIndex >> VoxelKey.BrickShift;

    /// <summary>The canonical NaN every unknown voxel holds (float.NaN's bits).</summary>
    public static readonly int UnknownBits = BitConverter.SingleToInt32Bits(float.NaN);

    /// <summary>Encodes a brick into <paramref name="destination"/> (at least <see cref="RecordBytes"/> long).</summary>
    public static void Write(Span<byte> destination, int bx, int by, int bz, ReadOnlySpan<float> voxels)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, bx);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], by);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], bz);
        Span<byte> body = destination.Slice(12, VoxelKey.BrickVoxels * sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(voxels[..VoxelKey.BrickVoxels]).CopyTo(body);
        }
        else
        {
            for (int i = 0; i < VoxelKey.BrickVoxels; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body[(i * 4)..], voxels[i]);
            }
        }
    }

    /// <summary>
    /// Decodes a brick's coordinates and voxels; returns null when valid, otherwise what is wrong and the offset of the
    /// bad field within the record.
    /// </summary>
    public static (string What, int Offset)? TryRead(ReadOnlySpan<byte> source, out int bx, out int by, out int bz, Span<float> voxels) =>
        TryReadKey(source, out bx, out by, out bz) ?? TryReadVoxels(source, bx, by, bz, voxels);

    /// <summary>Decodes a brick's coordinates; null when they lie in the map's index range, otherwise what is wrong.</summary>
    public static (string What, int Offset)? TryReadKey(ReadOnlySpan<byte> source, out int bx, out int by, out int bz)
    {
        bx = BinaryPrimitives.ReadInt32LittleEndian(source);
        by = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        bz = BinaryPrimitives.ReadInt32LittleEndian(source[8..]);
        if (bx < MinBrick || bx > MaxBrick || by < MinBrick || by > MaxBrick || bz < MinBrick || bz > MaxBrick)
        {
            return ($"brick ({bx}, {by}, {bz}) lies outside the map's index range (bricks {MinBrick}..{MaxBrick})", 0);
        }

        return null;
    }

    /// <summary>The 512 floats of a record as they are, not checked.</summary>
    public static void ReadFloats(ReadOnlySpan<byte> source, Span<float> voxels)
    {
        ReadOnlySpan<byte> body = source.Slice(12, VoxelKey.BrickVoxels * sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            body.CopyTo(MemoryMarshal.AsBytes(voxels[..VoxelKey.BrickVoxels]));
        }
        else
        {
            for (int i = 0; i < VoxelKey.BrickVoxels; i++)
            {
                voxels[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(i * 4)..]);
            }
        }
    }

    /// <summary>
    /// Decodes the voxels of a brick whose coordinates (bx, by, bz) were read with <see cref="TryReadKey"/> into
    /// <paramref name="voxels"/>; null when every voxel is a finite log-odds or the canonical unknown NaN.
    /// </summary>
    public static (string What, int Offset)? TryReadVoxels(ReadOnlySpan<byte> source, int bx, int by, int bz, Span<float> voxels)
    {
        ReadFloats(source, voxels);

        // Known voxels hold finite log-odds; unknown ones the canonical NaN, so that a round trip is bit-identical.
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(voxels[..VoxelKey.BrickVoxels]);
        int unknown = UnknownBits;
        for (int i = 0; i < bits.Length; i++)
        {
            int b = bits[i];
            if ((b & 0x7F800000) == 0x7F800000 && b != unknown)
            {
                return ($"voxel {i} of brick ({bx}, {by}, {bz}) holds a non-finite log-odds (bits 0x{b:X8})", 12 + (i * 4));
            }
        }

        return null;
    }
}
