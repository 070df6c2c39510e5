using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>
/// The known (not NaN) and occupied (log-odds at or above a threshold) voxels of a brick as two 512-bit masks, 8 words
/// each: word z holds the brick's slice z, bit y·8 + x its voxel (x, y, z), as the brick stores them. Three strategies,
/// identical in result: scalar (the reference), 128-bit and 256-bit vectors (the counts family's widths).
/// </summary>
internal static class VoxelMaskKernel
{
    /// <summary>Words in each mask of a brick.</summary>
    public const int Words = VoxelKey.BrickVoxels / 64;

    /// <summary>The masks of a brick of 512 voxels with the implementation of the given width.</summary>
    public static void Masks(ReadOnlySpan<float> brick, float occupiedLogOdds, Span<ulong> known, Span<ulong> occupied, KernelWidth width)
    {
        if (brick.Length != VoxelKey.BrickVoxels || known.Length < Words || occupied.Length < Words)
        {
            throw new ArgumentException("A brick's masks take 512 voxels and 8 words each.", nameof(brick));
        }

        if (width >= KernelWidth.Vector256)
        {
            MasksVector256(brick, occupiedLogOdds, known, occupied);
        }
        else if (width >= KernelWidth.Vector128)
        {
            MasksVector128(brick, occupiedLogOdds, known, occupied);
        }
        else
        {
            MasksScalar(brick, occupiedLogOdds, known, occupied);
        }
    }

    public static void MasksScalar(ReadOnlySpan<float> brick, float occupiedLogOdds, Span<ulong> known, Span<ulong> occupied)
    {
        for (int w = 0; w < Words; w++)
        {
            ulong k = 0, o = 0;
            for (int b = 0; b < 64; b++)
            {
                float v = brick[(w * 64) + b];
                k |= (float.IsNaN(v) ? 0UL : 1UL) << b;
                o |= (v >= occupiedLogOdds ? 1UL : 0UL) << b;
            }

            known[w] = k;
            occupied[w] = o;
        }
    }

    [SkipLocalsInit]
    public static void MasksVector128(ReadOnlySpan<float> brick, float occupiedLogOdds, Span<ulong> known, Span<ulong> occupied)
    {
        ref float start = ref MemoryMarshal.GetReference(brick);
        var threshold = Vector128.Create(occupiedLogOdds);
        for (int w = 0; w < Words; w++)
        {
            ulong k = 0, o = 0;
            for (int c = 0; c < 64; c += Vector128<float>.Count)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref start, (nuint)((w * 64) + c));
                k |= (ulong)Vector128.Equals(v, v).ExtractMostSignificantBits() << c;
                o |= (ulong)Vector128.GreaterThanOrEqual(v, threshold).ExtractMostSignificantBits() << c;
            }

            known[w] = k;
            occupied[w] = o;
        }
    }

    [SkipLocalsInit]
    public static void MasksVector256(ReadOnlySpan<float> brick, float occupiedLogOdds, Span<ulong> known, Span<ulong> occupied)
    {
        ref float start = ref MemoryMarshal.GetReference(brick);
        var threshold = Vector256.Create(occupiedLogOdds);
        for (int w = 0; w < Words; w++)
        {
            ulong k = 0, o = 0;
            for (int c = 0; c < 64; c += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)((w * 64) + c));
                k |= (ulong)Vector256.Equals(v, v).ExtractMostSignificantBits() << c;
                o |= (ulong)Vector256.GreaterThanOrEqual(v, threshold).ExtractMostSignificantBits() << c;
            }

            known[w] = k;
            occupied[w] = o;
        }
    }
}
