using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>
/// Counts the known (not NaN) and occupied (log-odds at or above a threshold) voxels of a brick. Three strategies,
/// identical in result: scalar (the reference), 128-bit and 256-bit vectors.
/// </summary>
internal static class VoxelCountKernel
{
    /// <summary>Counts with the implementation of the given width (narrower ones where the length does not suit it).</summary>
    public static (int Known, int Occupied) Count(ReadOnlySpan<float> voxels, float occupiedLogOdds, KernelWidth width)
    {
        if (width >= KernelWidth.Vector256 && voxels.Length % Vector256<float>.Count == 0)
        {
            return CountVector256(voxels, occupiedLogOdds);
        }

        if (width >= KernelWidth.Vector128 && voxels.Length % Vector128<float>.Count == 0)
        {
            return CountVector128(voxels, occupiedLogOdds);
        }

        return CountScalar(voxels, occupiedLogOdds);
    }

    public static (int Known, int Occupied) CountScalar(ReadOnlySpan<float> voxels, float occupiedLogOdds)
    {
        int known = 0, occupied = 0;
        foreach (float v in voxels)
        {
            known += float.IsNaN(v) ? 0 : 1;
            occupied += v >= occupiedLogOdds ? 1 : 0;
        }

        return (known, occupied);
    }

    /// <summary>Length must be a multiple of 4 (a brick's 512 is).</summary>
    [SkipLocalsInit]
    public static (int Known, int Occupied) CountVector128(ReadOnlySpan<float> voxels, float occupiedLogOdds)
    {
        ref float start = ref MemoryMarshal.GetReference(voxels);
        var threshold = Vector128.Create(occupiedLogOdds);
        int known = 0, occupied = 0;
        for (int i = 0; i < voxels.Length; i += Vector128<float>.Count)
        {
            Vector128<float> v = Vector128.LoadUnsafe(ref start, (nuint)i);
            known += BitOperations.PopCount(Vector128.Equals(v, v).ExtractMostSignificantBits());
            occupied += BitOperations.PopCount(Vector128.GreaterThanOrEqual(v, threshold).ExtractMostSignificantBits());
        }

        return (known, occupied);
    }

    /// <summary>Length must be a multiple of 8 (a brick's 512 is).</summary>
    [SkipLocalsInit]
    public static (int Known, int Occupied) CountVector256(ReadOnlySpan<float> voxels, float occupiedLogOdds)
    {
        ref float start = ref MemoryMarshal.GetReference(voxels);
        var threshold = Vector256.Create(occupiedLogOdds);
        int known = 0, occupied = 0;
        for (int i = 0; i < voxels.Length; i += Vector256<float>.Count)
        {
            Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
            known += BitOperations.PopCount(Vector256.Equals(v, v).ExtractMostSignificantBits());
            occupied += BitOperations.PopCount(Vector256.GreaterThanOrEqual(v, threshold).ExtractMostSignificantBits());
        }

        return (known, occupied);
    }
}
