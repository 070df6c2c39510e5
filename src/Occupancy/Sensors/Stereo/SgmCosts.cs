using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy.Stereo;

/// <summary>
/// The byte cost volume of one image row, C(u, d) = popcount(census_L(u) xor census_R(u − d)) for d &lt; min(u + 1, D),
/// and <see cref="SemiGlobalMatcher.NoMatchCost"/> beyond: the kernel family <see cref="KernelFamilies.Cost"/>. The
/// scalar row is the reference; the vector rows compute the same bytes (tests). .NET 10 has no x86 vector popcount
/// intrinsic, so both vector rows count bits with the nibble look-up (a byte shuffle of each half-byte into a 16-entry
/// table of bit counts) and sum a lane's eight byte counts with SAD against zero.
/// </summary>
/// <remarks>
/// The vector rows read the right census backwards, from a reversed copy of the row (<c>reversed[i]</c> =
/// census_R(W − 1 − i)), so that the candidates of disparities d, d + 1, … are consecutive in memory:
/// census_R(u − d) = <c>reversed[W − 1 − u + d]</c>. The copy holds <see cref="ReversedPadding"/> further entries past
/// the row, read for disparities beyond u, whose costs are then overwritten with the no-match cost.
/// </remarks>
internal static unsafe class SgmCosts
{
    /// <summary>Entries past the reversed row that the vector rows may read: D plus one vector.</summary>
    public static int ReversedPadding(int disparities) => disparities + 16;

    /// <summary>Bit counts of 0 to 15, for the nibble look-up.</summary>
    private static ReadOnlySpan<byte> NibbleCounts => [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

    /// <summary>The costs of one row with the implementation of <paramref name="width"/>.</summary>
    /// <param name="width">The implementation (<see cref="KernelFamilies.Cost"/>); the caller checked that it runs.</param>
    /// <param name="left">census_L of the row, <paramref name="columns"/> values.</param>
    /// <param name="right">census_R of the row.</param>
    /// <param name="reversed">Scratch of <paramref name="columns"/> + <see cref="ReversedPadding"/> values (vector rows only).</param>
    /// <param name="columns">W, the image width.</param>
    /// <param name="disparities">D, a multiple of 16.</param>
    /// <param name="costs">Receives W × D bytes, [u][d].</param>
    public static void Row(KernelWidth width, ulong* left, ulong* right, ulong* reversed, int columns, int disparities, byte* costs)
    {
        if (width == KernelWidth.Scalar)
        {
            RowScalar(left, right, columns, disparities, costs);
            return;
        }

        for (int i = 0; i < columns; i++)
        {
            reversed[i] = right[columns - 1 - i];
        }

        new Span<ulong>(reversed + columns, ReversedPadding(disparities)).Clear();
        if (width == KernelWidth.Vector512)
        {
            RowVector512(left, reversed, columns, disparities, costs);
        }
        else
        {
            RowVector256(left, reversed, columns, disparities, costs);
        }
    }

    /// <summary>The reference: one popcount per pixel and disparity.</summary>
    [SkipLocalsInit]
    public static void RowScalar(ulong* left, ulong* right, int columns, int disparities, byte* costs)
    {
        for (int u = 0; u < columns; u++)
        {
            byte* cost = costs + ((nint)u * disparities);
            ulong c = left[u];
            int reach = Math.Min(u + 1, disparities);
            for (int d = 0; d < reach; d++)
            {
                cost[d] = (byte)BitOperations.PopCount(c ^ right[u - d]);
            }

            for (int d = reach; d < disparities; d++)
            {
                cost[d] = SemiGlobalMatcher.NoMatchCost;
            }
        }
    }

    /// <summary>16 disparities an iteration in four 256-bit vectors of 4 candidates (AVX2: byte shuffles, SAD, dword permute).</summary>
    [SkipLocalsInit]
    public static void RowVector256(ulong* left, ulong* reversed, int columns, int disparities, byte* costs)
    {
        Vector256<byte> table = Vector256.Create(Vector128.Create(NibbleCounts));
        Vector256<byte> low = Vector256.Create((byte)15);
        Vector128<byte> noMatch = Vector128.Create(SemiGlobalMatcher.NoMatchCost);

        // After the combine, 64-bit lane k holds the counts of disparities k, 4 + k, 8 + k and 12 + k in its low four
        // bytes: gather those dwords, then transpose the 4 × 4 bytes into disparity order.
        Vector256<int> dwords = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        Vector128<byte> transpose = Vector128.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        for (int u = 0; u < columns; u++)
        {
            byte* cost = costs + ((nint)u * disparities);
            Vector256<ulong> c = Vector256.Create(left[u]);
            ulong* candidates = reversed + (columns - 1 - u);
            int reach = Math.Min(u + 1, disparities);
            int d = 0;
            for (; d < reach; d += 16)
            {
                Vector256<ulong> a = Counts256(Vector256.Load(candidates + d) ^ c, table, low);
                Vector256<ulong> b = Counts256(Vector256.Load(candidates + d + 4) ^ c, table, low);
                Vector256<ulong> e = Counts256(Vector256.Load(candidates + d + 8) ^ c, table, low);
                Vector256<ulong> f = Counts256(Vector256.Load(candidates + d + 12) ^ c, table, low);
                Vector256<ulong> packed = a | (b << 8) | (e << 16) | (f << 24);
                Vector128<byte> bytes = Avx2.PermuteVar8x32(packed.AsInt32(), dwords).GetLower().AsByte();
                Ssse3.Shuffle(bytes, transpose).Store(cost + d);
            }

            for (int k = reach; k < d; k++)
            {
                cost[k] = SemiGlobalMatcher.NoMatchCost;
            }

            for (; d < disparities; d += 16)
            {
                noMatch.Store(cost + d);
            }
        }
    }

    /// <summary>8 disparities a 512-bit vector (AVX-512 BW byte shuffle and SAD, AVX-512 F narrowing of 64-bit lanes to bytes).</summary>
    [SkipLocalsInit]
    public static void RowVector512(ulong* left, ulong* reversed, int columns, int disparities, byte* costs)
    {
        Vector512<byte> table = Vector512.Create(Vector128.Create(NibbleCounts));
        Vector512<byte> low = Vector512.Create((byte)15);
        ulong noMatch = 0x0101010101010101UL * SemiGlobalMatcher.NoMatchCost;
        for (int u = 0; u < columns; u++)
        {
            byte* cost = costs + ((nint)u * disparities);
            Vector512<ulong> c = Vector512.Create(left[u]);
            ulong* candidates = reversed + (columns - 1 - u);
            int reach = Math.Min(u + 1, disparities);
            int d = 0;
            for (; d < reach; d += 8)
            {
                Vector512<byte> x = (Vector512.Load(candidates + d) ^ c).AsByte();
                Vector512<byte> counts = Avx512BW.Shuffle(table, x & low) + Avx512BW.Shuffle(table, Vector512.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & low);
                Vector512<ulong> sums = Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();
                *(ulong*)(cost + d) = Avx512F.ConvertToVector128Byte(sums).AsUInt64().ToScalar();
            }

            for (int k = reach; k < d; k++)
            {
                cost[k] = SemiGlobalMatcher.NoMatchCost;
            }

            for (; d < disparities; d += 8)
            {
                *(ulong*)(cost + d) = noMatch;
            }
        }
    }

    /// <summary>The bit count of each 64-bit lane, in its low byte (the other bytes zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Counts256(Vector256<ulong> value, Vector256<byte> table, Vector256<byte> low)
    {
        Vector256<byte> x = value.AsByte();
        Vector256<byte> counts = Avx2.Shuffle(table, x & low) + Avx2.Shuffle(table, Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & low);
        return Avx2.SumAbsoluteDifferences(counts, Vector256<byte>.Zero).AsUInt64();
    }
}
