using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Occupancy.Map;
using Occupancy.Sensors;

namespace Occupancy.Integration;

/// <summary>
/// The first half of endpoint marking: back-projects one image row and finds the voxel of every return within
/// range, with exactly the float operations of <see cref="BackProjector.PixelToWorld"/> and the double floor of
/// <see cref="OccupancyMap.TryGetKey"/>, so a pixel lands in the voxel that ray casting its point would hit.
/// It also flags which pixels need marking: neighbouring pixels mostly share a voxel, so a pixel is "fresh" only when
/// its voxel differs from both its left neighbour's and the one above it.
/// The 256-bit strategy does 8 pixels at a time; <see cref="RowScalar"/> is its reference, and both give the same
/// keys and flags bit for bit.
/// </summary>
internal static class EndpointKernel
{
    /// <summary>Key x of a pixel without a usable return: no voxel has it, so it never equals a neighbour's.</summary>
    public const int NoKey = int.MinValue;

    /// <summary>True when the vector strategy runs here (AVX2: the double conversions and floors it needs).</summary>
    public static bool VectorSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    /// <summary>
    /// Keys of one row with the best strategy. Bit u of <paramref name="fresh"/> (⌈width / 64⌉ words) is set where
    /// pixel u has a return within range inside the map, and its voxel differs from pixel u − 1's and from the voxel
    /// of the pixel above (<paramref name="aboveX"/>.. hold the previous row's keys; null for the first row).
    /// Pixels without one get key x = <see cref="NoKey"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Row(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, int* aboveX, int* aboveY, int* aboveZ, ulong* fresh)
    {
        if (VectorSupported)
        {
            RowVector256(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, kx, ky, kz, aboveX, aboveY, aboveZ, fresh);
        }
        else
        {
            RowScalar(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, kx, ky, kz, aboveX, aboveY, aboveZ, fresh);
        }
    }

    /// <summary>The scalar reference of <see cref="Row"/>.</summary>
    public static unsafe void RowScalar(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, int* aboveX, int* aboveY, int* aboveZ, ulong* fresh)
    {
        new Span<ulong>(fresh, (width + 63) / 64).Clear();
        RowScalarFrom(0, depth, slopes, width, rowSlope, p, maxRange, inverseResolution, kx, ky, kz, aboveX, aboveY, aboveZ, fresh);
    }

    private static unsafe void RowScalarFrom(int start, float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, int* aboveX, int* aboveY, int* aboveZ, ulong* fresh)
    {
        for (int u = start; u < width; u++)
        {
            bool ok = Pixel(depth[u], slopes[u], rowSlope, p, maxRange, inverseResolution, out kx[u], out ky[u], out kz[u]);
            bool sameLeft = u > 0 && kx[u] == kx[u - 1] && ky[u] == ky[u - 1] && kz[u] == kz[u - 1];
            bool sameAbove = aboveX != null && kx[u] == aboveX[u] && ky[u] == aboveY[u] && kz[u] == aboveZ[u];
            if (ok && !sameLeft && !sameAbove)
            {
                fresh[u >> 6] |= 1UL << u;
            }
        }
    }

    /// <summary>One pixel: its voxel key (<see cref="NoKey"/>, 0, 0 when it has none) and whether it has a return within range in the map.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Pixel(float d, float slope, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, out int kx, out int ky, out int kz)
    {
        Vector3 ax = p.AxisX, ay = p.AxisY, az = p.AxisZ, t = p.Position;
        float x = d * slope, y = d * rowSlope, z = d;
        float wx = (ax.X * x) + (ay.X * y) + (az.X * z) + t.X;
        float wy = (ax.Y * x) + (ay.Y * y) + (az.Y * z) + t.Y;
        float wz = (ax.Z * x) + (ay.Z * y) + (az.Z * z) + t.Z;
        float rx = wx - t.X, ry = wy - t.Y, rz = wz - t.Z;
        float length = MathF.Sqrt((rx * rx) + (ry * ry) + (rz * rz));
        double fx = Math.Floor(wx * inverseResolution), fy = Math.Floor(wy * inverseResolution), fz = Math.Floor(wz * inverseResolution);
        bool ok = d > 0f && d <= float.MaxValue && length <= maxRange &&
                  fx >= OccupancyMap.MinVoxelIndex && fx <= OccupancyMap.MaxVoxelIndex &&
                  fy >= OccupancyMap.MinVoxelIndex && fy <= OccupancyMap.MaxVoxelIndex &&
                  fz >= OccupancyMap.MinVoxelIndex && fz <= OccupancyMap.MaxVoxelIndex;
        kx = ok ? (int)fx : NoKey;
        ky = ok ? (int)fy : 0;
        kz = ok ? (int)fz : 0;
        return ok;
    }

    /// <summary>8 pixels per iteration; the tail runs scalar. Same results as <see cref="RowScalar"/>, bit for bit.</summary>
    [SkipLocalsInit]
    public static unsafe void RowVector256(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, int* aboveX, int* aboveY, int* aboveZ, ulong* fresh)
    {
        new Span<ulong>(fresh, (width + 63) / 64).Clear();
        Vector3 ax = p.AxisX, ay = p.AxisY, az = p.AxisZ, t = p.Position;
        Vector256<float> axX = Vector256.Create(ax.X), ayX = Vector256.Create(ay.X), azX = Vector256.Create(az.X), tX = Vector256.Create(t.X);
        Vector256<float> axY = Vector256.Create(ax.Y), ayY = Vector256.Create(ay.Y), azY = Vector256.Create(az.Y), tY = Vector256.Create(t.Y);
        Vector256<float> axZ = Vector256.Create(ax.Z), ayZ = Vector256.Create(ay.Z), azZ = Vector256.Create(az.Z), tZ = Vector256.Create(t.Z);
        Vector256<float> b = Vector256.Create(rowSlope), range = Vector256.Create(maxRange), maxValue = Vector256.Create(float.MaxValue);
        Vector256<double> inv = Vector256.Create(inverseResolution);
        Vector256<float> invF = Vector256.Create((float)inverseResolution);
        Vector256<double> lo = Vector256.Create((double)OccupancyMap.MinVoxelIndex), hi = Vector256.Create((double)OccupancyMap.MaxVoxelIndex);
        Vector256<int> noKey = Vector256.Create(NoKey);
        var rotate = Vector256.Create(7, 0, 1, 2, 3, 4, 5, 6);
        var lastLane = Vector256.Create(7);
        Vector256<int> carryX = noKey, carryY = Vector256<int>.Zero, carryZ = Vector256<int>.Zero;
        int u = 0;
        for (; u <= width - 8; u += 8)
        {
            Vector256<float> d = Vector256.Load(depth + u);
            Vector256<float> x = d * Vector256.Load(slopes + u), y = d * b, z = d;
            Vector256<float> wx = (axX * x) + (ayX * y) + (azX * z) + tX;
            Vector256<float> wy = (axY * x) + (ayY * y) + (azY * z) + tY;
            Vector256<float> wz = (axZ * x) + (ayZ * y) + (azZ * z) + tZ;
            Vector256<float> rx = wx - tX, ry = wy - tY, rz = wz - tZ;
            Vector256<float> length = Vector256.Sqrt((rx * rx) + (ry * ry) + (rz * rz));
            Vector256<int> ok = (Vector256.GreaterThan(d, Vector256<float>.Zero) & Vector256.LessThanOrEqual(d, maxValue) & Vector256.LessThanOrEqual(length, range)).AsInt32();

            // Keys: the float floor where it provably equals the double one, else the double floor for these 8 pixels.
            Vector256<int> ix, iy, iz, inRange;
            if (FloatFloor(wx, invF, ok, out ix) & FloatFloor(wy, invF, ok, out iy) & FloatFloor(wz, invF, ok, out iz))
            {
                inRange = Vector256<int>.AllBitsSet;
            }
            else
            {
                (ix, Vector256<int> inX) = DoubleFloor(wx, inv, lo, hi);
                (iy, Vector256<int> inY) = DoubleFloor(wy, inv, lo, hi);
                (iz, Vector256<int> inZ) = DoubleFloor(wz, inv, lo, hi);
                inRange = inX & inY & inZ;
            }

            Vector256<int> mask = ok & inRange;
            ix = Vector256.ConditionalSelect(mask, ix, noKey);
            iy &= mask;
            iz &= mask;
            ix.Store(kx + u);
            iy.Store(ky + u);
            iz.Store(kz + u);
            // Each lane against the lane before it (lane 0 against the last lane of the previous 8 pixels) and above it.
            Vector256<int> px = Avx2.Blend(Avx2.PermuteVar8x32(ix, rotate), carryX, 1);
            Vector256<int> py = Avx2.Blend(Avx2.PermuteVar8x32(iy, rotate), carryY, 1);
            Vector256<int> pz = Avx2.Blend(Avx2.PermuteVar8x32(iz, rotate), carryZ, 1);
            Vector256<int> same = Vector256.Equals(px, ix) & Vector256.Equals(py, iy) & Vector256.Equals(pz, iz);
            if (aboveX != null)
            {
                same |= Vector256.Equals(Vector256.Load(aboveX + u), ix) & Vector256.Equals(Vector256.Load(aboveY + u), iy) & Vector256.Equals(Vector256.Load(aboveZ + u), iz);
            }

            uint bits = Vector256.AndNot(mask, same).AsSingle().ExtractMostSignificantBits();
            fresh[u >> 6] |= (ulong)bits << u;
            carryX = Avx2.PermuteVar8x32(ix, lastLane);
            carryY = Avx2.PermuteVar8x32(iy, lastLane);
            carryZ = Avx2.PermuteVar8x32(iz, lastLane);
        }

        RowScalarFrom(u, depth, slopes, width, rowSlope, p, maxRange, inverseResolution, kx, ky, kz, aboveX, aboveY, aboveZ, fresh);
    }

    /// <summary>
    /// floor(w · 1/resolution) in float, and whether that is certainly the double floor for every lane in
    /// <paramref name="lanes"/>: the float product is within |p|·2^−23 of the double one, so the floors can only
    /// differ when p lies that close to an integer (about one lane in ten thousand on the standard room).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FloatFloor(Vector256<float> w, Vector256<float> inverseResolution, Vector256<int> lanes, out Vector256<int> index)
    {
        Vector256<float> product = w * inverseResolution;
        Vector256<float> floor = Vector256.Floor(product);
        Vector256<float> fraction = product - floor;
        Vector256<float> margin = (Vector256.Abs(product) * Vector256.Create(1f / (1 << 21))) + Vector256.Create(1e-6f);
        Vector256<float> safe = Vector256.GreaterThan(fraction, margin) & Vector256.LessThan(fraction, Vector256.Create(1f) - margin)
                              & Vector256.LessThan(Vector256.Abs(product), Vector256.Create((float)(1 << 22)));
        index = Vector256.ConvertToInt32(floor);
        return Vector256.AndNot(lanes, safe.AsInt32()) == Vector256<int>.Zero;
    }

    /// <summary>floor(w · inverse resolution) in double for 8 lanes, and whether each lies in the map's index range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> Index, Vector256<int> InRange) DoubleFloor(Vector256<float> w, Vector256<double> inv, Vector256<double> lo, Vector256<double> hi)
    {
        Vector256<double> a = Vector256.Floor(Vector256.WidenLower(w) * inv);
        Vector256<double> c = Vector256.Floor(Vector256.WidenUpper(w) * inv);
        Vector256<double> okA = Vector256.GreaterThanOrEqual(a, lo) & Vector256.LessThanOrEqual(a, hi);
        Vector256<double> okC = Vector256.GreaterThanOrEqual(c, lo) & Vector256.LessThanOrEqual(c, hi);
        // Out-of-range lanes convert to int.MinValue (or garbage); they are masked out by InRange.
        Vector256<int> index = Vector256.Create(Avx.ConvertToVector128Int32WithTruncation(a), Avx.ConvertToVector128Int32WithTruncation(c));
        Vector256<int> inRange = Vector256.Narrow(okA.AsInt64(), okC.AsInt64());
        return (index, inRange);
    }
}
