using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy.Fleet;

/// <summary>
/// The evidence kernels of a brick (512 voxels): log-odds to fixed point (<see cref="EvidenceMap.Scale"/> units, with a
/// 512-bit mask of the known voxels), the merge of one brick's evidence into another (integer sums, OR of the masks:
/// exact, so the order of merges cannot change a bit), and fixed point back to log-odds, clamped once. Three
/// implementations, identical bit for bit: scalar (the reference), 256-bit and 512-bit vectors (the conversions are
/// exact or round to nearest even in both; no fused operations).
/// </summary>
internal static class MergeKernel
{
    /// <summary>Log-odds magnitudes beyond this are clamped before conversion: |q| stays below 2^23, increments below 2^24.</summary>
    public const float MaxLogOdds = 127f;

    private const float Scale = EvidenceMap.Scale;

    /// <summary>Increments stay below 2^24 steps: exact in a float.</summary>
    private const float MaxIncrement = 1 << 24;

    /// <summary>float.NaN's bits: what an unknown or unchanged voxel holds in the brick encoding.</summary>
    private static readonly int CanonicalNaNBits = BitConverter.SingleToInt32Bits(float.NaN);
    private const float InverseScale = 1f / EvidenceMap.Scale;

    /// <summary>
    /// Fixed point of a brick's log-odds: <c>round(l · 2^16)</c> for a known voxel (finite), 0 and a clear mask bit for an
    /// unknown one (NaN). <paramref name="known"/> (8 words) is overwritten.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> logOdds, Span<int> fixedPoint, Span<ulong> known, KernelWidth width)
    {
        if (width >= KernelWidth.Vector512)
        {
            QuantizeVector512(logOdds, fixedPoint, known);
        }
        else if (width >= KernelWidth.Vector256)
        {
            QuantizeVector256(logOdds, fixedPoint, known);
        }
        else
        {
            QuantizeScalar(logOdds, fixedPoint, known);
        }
    }

    public static void QuantizeScalar(ReadOnlySpan<float> logOdds, Span<int> fixedPoint, Span<ulong> known)
    {
        known[..VoxelKey.BrickWords].Clear();
        for (int i = 0; i < VoxelKey.BrickVoxels; i++)
        {
            float l = logOdds[i];
            if (float.IsNaN(l))
            {
                fixedPoint[i] = 0;
                continue;
            }

            fixedPoint[i] = (int)MathF.Round(Math.Clamp(l, -MaxLogOdds, MaxLogOdds) * Scale);
            known[i >> 6] |= 1UL << (i & 63);
        }
    }

    [SkipLocalsInit]
    public static void QuantizeVector256(ReadOnlySpan<float> logOdds, Span<int> fixedPoint, Span<ulong> known)
    {
        ref float source = ref MemoryMarshal.GetReference(logOdds[..VoxelKey.BrickVoxels]);
        ref int destination = ref MemoryMarshal.GetReference(fixedPoint[..VoxelKey.BrickVoxels]);
        Span<ulong> mask = known[..VoxelKey.BrickWords];
        Vector256<float> lo = Vector256.Create(-MaxLogOdds), hi = Vector256.Create(MaxLogOdds), scale = Vector256.Create(Scale);
        for (int w = 0; w < VoxelKey.BrickWords; w++)
        {
            ulong bits = 0;
            for (int j = 0; j < 64; j += Vector256<float>.Count)
            {
                nuint i = (nuint)((w * 64) + j);
                Vector256<float> l = Vector256.LoadUnsafe(ref source, i);
                Vector256<float> isKnown = Vector256.Equals(l, l);
                Vector256<int> q = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(l, lo), hi) * scale));
                (q & isKnown.AsInt32()).StoreUnsafe(ref destination, i);
                bits |= (ulong)isKnown.ExtractMostSignificantBits() << j;
            }

            mask[w] = bits;
        }
    }

    [SkipLocalsInit]
    public static void QuantizeVector512(ReadOnlySpan<float> logOdds, Span<int> fixedPoint, Span<ulong> known)
    {
        ref float source = ref MemoryMarshal.GetReference(logOdds[..VoxelKey.BrickVoxels]);
        ref int destination = ref MemoryMarshal.GetReference(fixedPoint[..VoxelKey.BrickVoxels]);
        Span<ulong> mask = known[..VoxelKey.BrickWords];
        Vector512<float> lo = Vector512.Create(-MaxLogOdds), hi = Vector512.Create(MaxLogOdds), scale = Vector512.Create(Scale);
        for (int w = 0; w < VoxelKey.BrickWords; w++)
        {
            ulong bits = 0;
            for (int j = 0; j < 64; j += Vector512<float>.Count)
            {
                nuint i = (nuint)((w * 64) + j);
                Vector512<float> l = Vector512.LoadUnsafe(ref source, i);
                Vector512<float> isKnown = Vector512.Equals(l, l);
                Vector512<int> q = Vector512.ConvertToInt32(Vector512.Round(Vector512.Min(Vector512.Max(l, lo), hi) * scale));
                (q & isKnown.AsInt32()).StoreUnsafe(ref destination, i);
                bits |= isKnown.ExtractMostSignificantBits() << j;
            }

            mask[w] = bits;
        }
    }

    /// <summary>
    /// Reads increments exactly: a voxel holding the canonical NaN is unchanged (0, mask bit clear); any other must be a
    /// whole number k of 2^-16 steps with |k| &lt; 2^24 (mask bit set). Returns the first voxel that is neither, or -1
    /// when all are valid (the outputs are then complete). <paramref name="known"/> (8 words) is overwritten.
    /// </summary>
    public static int ReadIncrements(ReadOnlySpan<float> increments, Span<int> fixedPoint, Span<ulong> known, KernelWidth width)
    {
        if (width >= KernelWidth.Vector256 && ReadIncrementsVector256(increments, fixedPoint, known))
        {
            return -1;
        }

        // The scalar reference; after a vector pass that met an invalid voxel, it finds which one.
        return ReadIncrementsScalar(increments, fixedPoint, known);
    }

    public static int ReadIncrementsScalar(ReadOnlySpan<float> increments, Span<int> fixedPoint, Span<ulong> known)
    {
        known[..VoxelKey.BrickWords].Clear();
        for (int i = 0; i < VoxelKey.BrickVoxels; i++)
        {
            float v = increments[i];
            if (BitConverter.SingleToInt32Bits(v) == CanonicalNaNBits)
            {
                fixedPoint[i] = 0;
                continue;
            }

            float k = v * Scale;
            float r = MathF.Round(k);
            if (!(MathF.Abs(k) < MaxIncrement && k == r))
            {
                return i;
            }

            fixedPoint[i] = (int)r;
            known[i >> 6] |= 1UL << (i & 63);
        }

        return -1;
    }

    /// <summary>False when a voxel is invalid (the outputs are then incomplete).</summary>
    [SkipLocalsInit]
    public static bool ReadIncrementsVector256(ReadOnlySpan<float> increments, Span<int> fixedPoint, Span<ulong> known)
    {
        ref float source = ref MemoryMarshal.GetReference(increments[..VoxelKey.BrickVoxels]);
        ref int destination = ref MemoryMarshal.GetReference(fixedPoint[..VoxelKey.BrickVoxels]);
        Span<ulong> mask = known[..VoxelKey.BrickWords];
        Vector256<int> nan = Vector256.Create(CanonicalNaNBits);
        Vector256<float> scale = Vector256.Create(Scale), limit = Vector256.Create(MaxIncrement);
        for (int w = 0; w < VoxelKey.BrickWords; w++)
        {
            ulong bits = 0;
            for (int j = 0; j < 64; j += Vector256<float>.Count)
            {
                nuint i = (nuint)((w * 64) + j);
                Vector256<float> v = Vector256.LoadUnsafe(ref source, i);
                Vector256<float> k = v * scale, r = Vector256.Round(k);
                Vector256<float> ok = Vector256.LessThan(Vector256.Abs(k), limit) & Vector256.Equals(k, r);
                Vector256<int> unchanged = Vector256.Equals(v.AsInt32(), nan);
                if ((ok.AsInt32() | unchanged) != Vector256<int>.AllBitsSet)
                {
                    return false;
                }

                (Vector256.ConvertToInt32(r) & ok.AsInt32()).StoreUnsafe(ref destination, i);
                bits |= (ulong)ok.ExtractMostSignificantBits() << j;
            }

            mask[w] = bits;
        }

        return true;
    }

    /// <summary>Adds one brick's evidence into another: sums wrap (two's complement, so any order gives the same bits), masks OR.</summary>
    public static void Accumulate(ReadOnlySpan<int> sums, ReadOnlySpan<ulong> known, Span<int> intoSums, Span<ulong> intoKnown, KernelWidth width)
    {
        if (width >= KernelWidth.Vector512)
        {
            AccumulateVector512(sums, intoSums);
        }
        else if (width >= KernelWidth.Vector256)
        {
            AccumulateVector256(sums, intoSums);
        }
        else
        {
            AccumulateScalar(sums, intoSums);
        }

        for (int w = 0; w < VoxelKey.BrickWords; w++)
        {
            intoKnown[w] |= known[w];
        }
    }

    public static void AccumulateScalar(ReadOnlySpan<int> sums, Span<int> intoSums)
    {
        for (int i = 0; i < VoxelKey.BrickVoxels; i++)
        {
            intoSums[i] = unchecked(intoSums[i] + sums[i]);
        }
    }

    public static void AccumulateVector256(ReadOnlySpan<int> sums, Span<int> intoSums)
    {
        ref int source = ref MemoryMarshal.GetReference(sums[..VoxelKey.BrickVoxels]);
        ref int destination = ref MemoryMarshal.GetReference(intoSums[..VoxelKey.BrickVoxels]);
        for (nuint i = 0; i < VoxelKey.BrickVoxels; i += (nuint)Vector256<int>.Count)
        {
            (Vector256.LoadUnsafe(ref destination, i) + Vector256.LoadUnsafe(ref source, i)).StoreUnsafe(ref destination, i);
        }
    }

    public static void AccumulateVector512(ReadOnlySpan<int> sums, Span<int> intoSums)
    {
        ref int source = ref MemoryMarshal.GetReference(sums[..VoxelKey.BrickVoxels]);
        ref int destination = ref MemoryMarshal.GetReference(intoSums[..VoxelKey.BrickVoxels]);
        for (nuint i = 0; i < VoxelKey.BrickVoxels; i += (nuint)Vector512<int>.Count)
        {
            (Vector512.LoadUnsafe(ref destination, i) + Vector512.LoadUnsafe(ref source, i)).StoreUnsafe(ref destination, i);
        }
    }

    /// <summary>
    /// Log-odds of a brick's evidence: <c>clamp(sum · 2^-16, min, max)</c> for a known voxel (the sum converted to float
    /// with round to nearest even), NaN for an unknown one.
    /// </summary>
    public static void Dequantize(ReadOnlySpan<int> sums, ReadOnlySpan<ulong> known, float clampMin, float clampMax, Span<float> logOdds, KernelWidth width)
    {
        if (width >= KernelWidth.Vector256)
        {
            // Eight lanes take one byte of the mask; a read converts a brick once, so no 512-bit form.
            DequantizeVector256(sums, known, clampMin, clampMax, logOdds);
        }
        else
        {
            DequantizeScalar(sums, known, clampMin, clampMax, logOdds);
        }
    }

    public static void DequantizeScalar(ReadOnlySpan<int> sums, ReadOnlySpan<ulong> known, float clampMin, float clampMax, Span<float> logOdds)
    {
        for (int i = 0; i < VoxelKey.BrickVoxels; i++)
        {
            logOdds[i] = (known[i >> 6] & (1UL << (i & 63))) != 0
                ? Math.Min(Math.Max(sums[i] * InverseScale, clampMin), clampMax)
                : float.NaN;
        }
    }

    [SkipLocalsInit]
    public static void DequantizeVector256(ReadOnlySpan<int> sums, ReadOnlySpan<ulong> known, float clampMin, float clampMax, Span<float> logOdds)
    {
        ref int source = ref MemoryMarshal.GetReference(sums[..VoxelKey.BrickVoxels]);
        ref float destination = ref MemoryMarshal.GetReference(logOdds[..VoxelKey.BrickVoxels]);
        Vector256<int> lanes = Vector256.Create(1, 2, 4, 8, 16, 32, 64, 128);
        Vector256<float> lo = Vector256.Create(clampMin), hi = Vector256.Create(clampMax), scale = Vector256.Create(InverseScale), nan = Vector256.Create(float.NaN);
        for (int i = 0; i < VoxelKey.BrickVoxels; i += Vector256<int>.Count)
        {
            int bits = (int)(byte)(known[i >> 6] >> (i & 63));
            Vector256<float> isKnown = Vector256.Equals(Vector256.Create(bits) & lanes, lanes).AsSingle();
            Vector256<float> l = Vector256.Min(Vector256.Max(Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref source, (nuint)i)) * scale, lo), hi);
            Vector256.ConditionalSelect(isKnown, l, nan).StoreUnsafe(ref destination, (nuint)i);
        }
    }
}
