using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// The first half of endpoint marking: back-projects one image row and finds the voxel of every return within
/// range, with exactly the float operations of <see cref="BackProjector.PixelToWorld(int, int, float)"/> and the double floor of
/// <see cref="OccupancyMap.TryGetKey"/>, so a pixel lands in the voxel that ray casting its point would hit.
/// It also flags which pixels need marking: neighbouring pixels mostly share a voxel, so a pixel is "fresh" only when
/// its voxel differs from both its left neighbour's and the one above it. In the same pass it sums up the returns
/// (count, deepest, beyond the range) and keeps each column's deepest return and shallowest depth for the tiles that
/// cull bricks and find bricks wholly in front of the surfaces: passes of their own over the image cost a tenth of a frame.
/// The 256-bit strategy does 8 pixels at a time; <see cref="RowScalar"/> is its reference, and both give the same
/// keys and flags bit for bit.
/// </summary>
internal static class EndpointKernel
{
    /// <summary>Key x of a pixel without a usable return: no voxel has it, so it never equals a neighbour's.</summary>
    public const int NoKey = int.MinValue;

    /// <summary>
    /// Keys of one row with the best strategy. Bit u of <see cref="EndpointRow.Fresh"/> is set where pixel u has a
    /// return within range inside the map, and its voxel differs from pixel u − 1's and from the voxel of the pixel above.
    /// Pixels without one get key x = <see cref="NoKey"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Row(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, ref EndpointRow row, KernelWidth kernel)
    {
        if (kernel >= KernelWidth.Vector256)
        {
            RowVector256(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, ref row, wide: kernel == KernelWidth.Vector512);
        }
        else
        {
            RowScalar(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, ref row);
        }
    }

    /// <summary>The scalar reference of <see cref="Row"/>.</summary>
    public static unsafe void RowScalar(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, ref EndpointRow row)
    {
        new Span<ulong>(row.Fresh, (width + 63) / 64).Clear();
        RowScalarFrom(0, depth, slopes, width, rowSlope, p, maxRange, inverseResolution, ref row);
    }

    private static unsafe void RowScalarFrom(int start, float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, ref EndpointRow row)
    {
        int* kx = row.X, ky = row.Y, kz = row.Z, aboveX = row.AboveX, aboveY = row.AboveY, aboveZ = row.AboveZ;
        Vector3 rowRay = p.RowRay(rowSlope);
        for (int u = start; u < width; u++)
        {
            float d = depth[u];
            bool ok = Pixel(d, slopes[u], rowRay.X, rowRay.Y, rowRay.Z, p, maxRange, inverseResolution, out bool valid, out bool beyond, out kx[u], out ky[u], out kz[u]);
            if (valid)
            {
                row.Valid++;
                row.Beyond += beyond ? 1 : 0;
                row.MaxDepth = d > row.MaxDepth ? d : row.MaxDepth;
                row.ColumnMax[u] = d > row.ColumnMax[u] ? d : row.ColumnMax[u];
            }

            float shallow = valid ? d : 0f;
            row.ColumnMin[u] = shallow < row.ColumnMin[u] ? shallow : row.ColumnMin[u];

            bool sameLeft = u > 0 && kx[u] == kx[u - 1] && ky[u] == ky[u - 1] && kz[u] == kz[u - 1];
            bool sameAbove = aboveX != null && kx[u] == aboveX[u] && ky[u] == aboveY[u] && kz[u] == aboveZ[u];
            if (ok && !sameLeft && !sameAbove)
            {
                row.Fresh[u >> 6] |= 1UL << u;
            }
        }
    }

    /// <summary>
    /// One pixel: its voxel key (<see cref="NoKey"/>, 0, 0 when it has none) and whether it has a return within range
    /// in the map; <paramref name="valid"/>: it has a return; <paramref name="beyond"/>: a return beyond the range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Pixel(float d, float slope, float rayX, float rayY, float rayZ, in BackProjector p, float maxRange, double inverseResolution, out bool valid, out bool beyond, out int kx, out int ky, out int kz)
    {
        // BackProjector.PixelToWorld's operations, written out in floats: without hardware intrinsics every Vector3
        // built here went through Vector128's software path (the scalar leg's endpoint pass took 2.5 times as long).
        Vector3 ax = p.AxisX, t = p.Position;
        float wx = (d * ((ax.X * slope) + rayX)) + t.X;
        float wy = (d * ((ax.Y * slope) + rayY)) + t.Y;
        float wz = (d * ((ax.Z * slope) + rayZ)) + t.Z;
        float rx = wx - t.X, ry = wy - t.Y, rz = wz - t.Z;
        float length = MathF.Sqrt((rx * rx) + (ry * ry) + (rz * rz));
        double fx = Math.Floor(wx * inverseResolution), fy = Math.Floor(wy * inverseResolution), fz = Math.Floor(wz * inverseResolution);
        valid = d > 0f && d <= float.MaxValue;
        beyond = valid && !(length <= maxRange);
        bool ok = valid && length <= maxRange &&
                  fx >= OccupancyMap.MinVoxelIndex && fx <= OccupancyMap.MaxVoxelIndex &&
                  fy >= OccupancyMap.MinVoxelIndex && fy <= OccupancyMap.MaxVoxelIndex &&
                  fz >= OccupancyMap.MinVoxelIndex && fz <= OccupancyMap.MaxVoxelIndex;
        kx = ok ? (int)fx : NoKey;
        ky = ok ? (int)fy : 0;
        kz = ok ? (int)fz : 0;
        return ok;
    }

    /// <summary>8 pixels per iteration; the tail runs scalar. Same results as <see cref="RowScalar"/>, bit for bit.</summary>
    /// <remarks>
    /// Two passes over the row, both in L1: the keys and sums, then the fresh bits from the stored keys (the left
    /// neighbour read back at u − 1). One pass held too many constants for the registers (the JIT reloaded a dozen every
    /// 8 pixels) and needed three permutes and blends per axis for the left neighbour.
    /// </remarks>
    public static unsafe void RowVector256(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, ref EndpointRow row, bool wide)
    {
        new Span<ulong>(row.Fresh, (width + 63) / 64).Clear();
        int u = KeysVector256(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, ref row, wide);
        FreshVector256(u, row.X, row.Y, row.Z, row.AboveX, row.AboveY, row.AboveZ, row.Fresh);
        RowScalarFrom(u, depth, slopes, width, rowSlope, p, maxRange, inverseResolution, ref row);
    }

    /// <summary>Keys and sums of the pixels before the returned index (a multiple of 8); the rest are left to the scalar tail.</summary>
    [SkipLocalsInit]
    private static unsafe int KeysVector256(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, ref EndpointRow row, bool wide)
    {
        int* kx = row.X, ky = row.Y, kz = row.Z;
        float* columnMax = row.ColumnMax, columnMin = row.ColumnMin;
        Vector3 ax = p.AxisX, t = p.Position, rowRay = p.RowRay(rowSlope);
        Vector256<float> axX = Vector256.Create(ax.X), rayX = Vector256.Create(rowRay.X), tX = Vector256.Create(t.X);
        Vector256<float> axY = Vector256.Create(ax.Y), rayY = Vector256.Create(rowRay.Y), tY = Vector256.Create(t.Y);
        Vector256<float> axZ = Vector256.Create(ax.Z), rayZ = Vector256.Create(rowRay.Z), tZ = Vector256.Create(t.Z);
        Vector256<float> reach = Vector256.Create(SquaredReach(maxRange)), maxValue = Vector256.Create(float.MaxValue);
        Vector256<double> inv = Vector256.Create(inverseResolution);
        // The map's index range [−2^23, 2^23) is where key + 2^23 has no bit above the 24th: one shift tests all three
        // axes. A floor outside int's range, or NaN, converts to int.MinValue, also outside.
        Vector256<int> bias = Vector256.Create(-OccupancyMap.MinVoxelIndex);
        Vector256<int> noKey = Vector256.Create(NoKey);
        Vector256<float> deepest = Vector256<float>.Zero;
        int valid = 0, beyond = 0;
        int u = 0;
        for (; u <= width - 8; u += 8)
        {
            Vector256<float> d = Vector256.Load(depth + u);
            // The back-projection as t + d·(R₀·su + row ray): 12 operations a pixel where R·(d·su, d·sv, d) + t took 20
            // (the kernel 0.49 -> 0.45 ms a frame of the standard room).
            Vector256<float> slope = Vector256.Load(slopes + u);
            Vector256<float> wx = (d * ((axX * slope) + rayX)) + tX;
            Vector256<float> wy = (d * ((axY * slope) + rayY)) + tY;
            Vector256<float> wz = (d * ((axZ * slope) + rayZ)) + tZ;
            Vector256<float> rx = wx - tX, ry = wy - tY, rz = wz - tZ;
            Vector256<float> squared = (rx * rx) + (ry * ry) + (rz * rz);
            Vector256<float> hasReturn = Vector256.GreaterThan(d, Vector256<float>.Zero) & Vector256.LessThanOrEqual(d, maxValue);
            Vector256<float> inReach = Vector256.LessThanOrEqual(squared, reach);

            // The sums: valid depths are positive and finite, the rest zero, so a plain max is exact.
            Vector256<float> validDepth = hasReturn & d;
            deepest = Avx.Max(deepest, validDepth);
            Avx.Max(Vector256.Load(columnMax + u), validDepth).Store(columnMax + u);
            Avx.Min(Vector256.Load(columnMin + u), validDepth).Store(columnMin + u);
            uint returns = hasReturn.ExtractMostSignificantBits();
            valid += BitOperations.PopCount(returns);
            beyond += BitOperations.PopCount(returns & ~inReach.ExtractMostSignificantBits());

            // Keys: the double floor of TryGetKey for all 8 (no branch). A float floor checked for being provably equal
            // cost twice as much in the checks and the fallback's register spills.
            Vector256<int> ix = DoubleFloor(wx, inv, wide), iy = DoubleFloor(wy, inv, wide), iz = DoubleFloor(wz, inv, wide);
            Vector256<int> outside = Vector256.ShiftRightLogical((ix + bias) | (iy + bias) | (iz + bias), 24);
            Vector256<int> mask = (hasReturn & inReach).AsInt32() & Vector256.Equals(outside, Vector256<int>.Zero);
            Vector256.ConditionalSelect(mask, ix, noKey).Store(kx + u);
            (iy & mask).Store(ky + u);
            (iz & mask).Store(kz + u);
        }

        row.Valid += valid;
        row.Beyond += beyond;
        for (int i = 0; i < Vector256<float>.Count; i++)
        {
            float m = deepest.GetElement(i);
            row.MaxDepth = m > row.MaxDepth ? m : row.MaxDepth;
        }

        return u;
    }

    /// <summary>Fresh bits of pixels [0, <paramref name="end"/>) from their stored keys: a key, unlike the left and upper neighbours'.</summary>
    private static unsafe void FreshVector256(int end, int* kx, int* ky, int* kz, int* aboveX, int* aboveY, int* aboveZ, ulong* fresh)
    {
        Vector256<int> noKey = Vector256.Create(NoKey);
        ulong word = 0;
        for (int u = 0; u < end; u += 8)
        {
            Vector256<int> ix = Vector256.Load(kx + u), iy = Vector256.Load(ky + u), iz = Vector256.Load(kz + u);
            Vector256<int> same = Vector256.Equals(ix, noKey);
            if (u > 0)
            {
                same |= Vector256.Equals(Vector256.Load(kx + u - 1), ix) & Vector256.Equals(Vector256.Load(ky + u - 1), iy) & Vector256.Equals(Vector256.Load(kz + u - 1), iz);
            }
            else
            {
                // Pixel 0 has no left neighbour: compare lane 0 with a key no pixel has.
                var left = Vector256.Create(NoKey, 0, 0, 0, 0, 0, 0, 0);
                Vector256<int> shiftedX = Avx2.Blend(Avx2.PermuteVar8x32(ix, Vector256.Create(7, 0, 1, 2, 3, 4, 5, 6)), left, 1);
                Vector256<int> shiftedY = Avx2.Blend(Avx2.PermuteVar8x32(iy, Vector256.Create(7, 0, 1, 2, 3, 4, 5, 6)), Vector256<int>.Zero, 1);
                Vector256<int> shiftedZ = Avx2.Blend(Avx2.PermuteVar8x32(iz, Vector256.Create(7, 0, 1, 2, 3, 4, 5, 6)), Vector256<int>.Zero, 1);
                same |= Vector256.Equals(shiftedX, ix) & Vector256.Equals(shiftedY, iy) & Vector256.Equals(shiftedZ, iz);
            }

            if (aboveX != null)
            {
                same |= Vector256.Equals(Vector256.Load(aboveX + u), ix) & Vector256.Equals(Vector256.Load(aboveY + u), iy) & Vector256.Equals(Vector256.Load(aboveZ + u), iz);
            }

            // Eight iterations fill a word: kept in a register and stored once (ORing each byte into memory made every
            // iteration wait for the one before through the store).
            word |= (ulong)(~same).AsSingle().ExtractMostSignificantBits() << u;
            if ((u & 63) == 56 || u + 8 >= end)
            {
                fresh[u >> 6] |= word;
                word = 0;
            }
        }
    }

    /// <summary>
    /// The largest float whose square root is at most <paramref name="maxRange"/>: √s ≤ r exactly when s is at most it
    /// (the root is correctly rounded and monotonic), so the kernel compares squared lengths and needs no root.
    /// </summary>
    internal static float SquaredReach(float maxRange)
    {
        if (float.IsPositiveInfinity(maxRange))
        {
            return float.PositiveInfinity; // every length but NaN is within reach, as √ of it is
        }

        // A square that overflows: every finite float's root is within reach, and an overflowing sum is not (√∞ = ∞).
        float s = MathF.Min(maxRange * maxRange, float.MaxValue);
        while (MathF.Sqrt(s) > maxRange)
        {
            s = MathF.BitDecrement(s);
        }

        while (s < float.MaxValue && MathF.Sqrt(MathF.BitIncrement(s)) <= maxRange)
        {
            s = MathF.BitIncrement(s);
        }

        return s;
    }

    /// <summary>
    /// floor(w · inverse resolution) in double for 8 lanes, truncated to int (exact: the floor is an integer). A floor
    /// outside int's range, or NaN, gives int.MinValue, which lies outside the map's index range. With AVX-512 the 8
    /// doubles are one register: 4 instructions an axis instead of 10 (a tenth of the kernel on Zen 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DoubleFloor(Vector256<float> w, Vector256<double> inv, bool wide)
    {
        if (wide && Avx512F.IsSupported)
        {
            Vector512<double> product = Avx512F.ConvertToVector512Double(w) * Vector512.Create(inv.GetElement(0));
            return Avx512F.ConvertToVector256Int32WithTruncation(Avx512F.RoundScale(product, 1));
        }

        Vector256<double> a = Vector256.Floor(Vector256.WidenLower(w) * inv);
        Vector256<double> c = Vector256.Floor(Vector256.WidenUpper(w) * inv);
        return Vector256.Create(Avx.ConvertToVector128Int32WithTruncation(a), Avx.ConvertToVector128Int32WithTruncation(c));
    }
}

/// <summary>
/// One row's buffers and the running sums of <see cref="EndpointKernel"/>: the kernel writes the keys and fresh bits,
/// raises <see cref="ColumnMax"/>, lowers <see cref="ColumnMin"/> and adds to the sums; the caller swaps the key buffers into the "above" ones.
/// </summary>
internal unsafe struct EndpointRow
{
    /// <summary>Keys of this row's pixels (x = <see cref="EndpointKernel.NoKey"/> where a pixel has none).</summary>
    public int* X, Y, Z;

    /// <summary>The previous row's keys; null for the first row of a block.</summary>
    public int* AboveX, AboveY, AboveZ;

    /// <summary>⌈width / 64⌉ words: bit u is set where pixel u must be marked.</summary>
    public ulong* Fresh;

    /// <summary>Per column, the deepest return seen so far (0 for none); raised by every row.</summary>
    public float* ColumnMax;

    /// <summary>Per column, the shallowest depth seen so far, a pixel without a return counting as 0; lowered by every row.</summary>
    public float* ColumnMin;

    /// <summary>Pixels with a return (positive and finite depth).</summary>
    public int Valid;

    /// <summary>Returns farther than the maximum range from the camera.</summary>
    public int Beyond;

    /// <summary>The deepest return (0 for none).</summary>
    public float MaxDepth;
}
