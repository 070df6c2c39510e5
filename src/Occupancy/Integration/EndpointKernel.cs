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
/// The 256-bit strategy does 8 pixels at a time; <see cref="RowScalar"/> is its reference.
/// </summary>
internal static class EndpointKernel
{
    /// <summary>True when the vector strategy runs here (AVX2: the double conversions and floors it needs).</summary>
    public static bool VectorSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    /// <summary>
    /// Row of keys with the best strategy. Bit u of <paramref name="fresh"/> (⌈width / 64⌉ words) is set where pixel u
    /// has a return within range inside the map and its voxel differs from pixel u − 1's (or pixel u − 1 has none):
    /// neighbouring pixels mostly share a voxel, so only the fresh ones need marking.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Row(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, ulong* fresh)
    {
        if (VectorSupported)
        {
            RowVector256(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, kx, ky, kz, fresh);
        }
        else
        {
            RowScalar(depth, slopes, width, rowSlope, p, maxRange, inverseResolution, kx, ky, kz, fresh);
        }
    }

    /// <summary>The scalar reference of <see cref="Row"/>.</summary>
    public static unsafe void RowScalar(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, ulong* fresh)
    {
        new Span<ulong>(fresh, (width + 63) / 64).Clear();
        bool previous = false;
        for (int u = 0; u < width; u++)
        {
            bool ok = Pixel(depth[u], slopes[u], rowSlope, p, maxRange, inverseResolution, out kx[u], out ky[u], out kz[u]);
            bool same = previous && kx[u] == kx[u - 1] && ky[u] == ky[u - 1] && kz[u] == kz[u - 1];
            if (ok && !same)
            {
                fresh[u >> 6] |= 1UL << u;
            }

            previous = ok;
        }
    }

    /// <summary>One pixel: its voxel key (zero when it has none) and whether it has a return within range in the map.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Pixel(float d, float slope, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, out int kx, out int ky, out int kz)
    {
        Vector3 ax = p.AxisX, ay = p.AxisY, az = p.AxisZ, t = p.Position;
        {
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
            kx = ok ? (int)fx : 0;
            ky = ok ? (int)fy : 0;
            kz = ok ? (int)fz : 0;
            return ok;
        }
    }

    /// <summary>8 pixels per iteration; the tail runs scalar. Same results as <see cref="RowScalar"/>, bit for bit.</summary>
    [SkipLocalsInit]
    public static unsafe void RowVector256(float* depth, float* slopes, int width, float rowSlope, in BackProjector p, float maxRange, double inverseResolution, int* kx, int* ky, int* kz, ulong* fresh)
    {
        new Span<ulong>(fresh, (width + 63) / 64).Clear();
        var rotate = Vector256.Create(7, 0, 1, 2, 3, 4, 5, 6);
        var lastLane = Vector256.Create(7);
        Vector256<int> carryX = Vector256<int>.Zero, carryY = Vector256<int>.Zero, carryZ = Vector256<int>.Zero, carryOk = Vector256<int>.Zero;
        Vector3 ax = p.AxisX, ay = p.AxisY, az = p.AxisZ, t = p.Position;
        Vector256<float> axX = Vector256.Create(ax.X), ayX = Vector256.Create(ay.X), azX = Vector256.Create(az.X), tX = Vector256.Create(t.X);
        Vector256<float> axY = Vector256.Create(ax.Y), ayY = Vector256.Create(ay.Y), azY = Vector256.Create(az.Y), tY = Vector256.Create(t.Y);
        Vector256<float> axZ = Vector256.Create(ax.Z), ayZ = Vector256.Create(ay.Z), azZ = Vector256.Create(az.Z), tZ = Vector256.Create(t.Z);
        Vector256<float> b = Vector256.Create(rowSlope), range = Vector256.Create(maxRange), maxValue = Vector256.Create(float.MaxValue);
        Vector256<double> inv = Vector256.Create(inverseResolution);
        Vector256<double> lo = Vector256.Create((double)OccupancyMap.MinVoxelIndex), hi = Vector256.Create((double)OccupancyMap.MaxVoxelIndex);
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
            Vector256<float> ok = Vector256.GreaterThan(d, Vector256<float>.Zero) & Vector256.LessThanOrEqual(d, maxValue) & Vector256.LessThanOrEqual(length, range);
            (Vector256<int> ix, Vector256<int> inX) = Floor(wx, inv, lo, hi);
            (Vector256<int> iy, Vector256<int> inY) = Floor(wy, inv, lo, hi);
            (Vector256<int> iz, Vector256<int> inZ) = Floor(wz, inv, lo, hi);
            Vector256<int> mask = ok.AsInt32() & inX & inY & inZ;
            ix &= mask;
            iy &= mask;
            iz &= mask;
            ix.Store(kx + u);
            iy.Store(ky + u);
            iz.Store(kz + u);
            // Each lane against the lane before it (lane 0 against the last lane of the previous 8 pixels).
            Vector256<int> px = Avx2.Blend(Avx2.PermuteVar8x32(ix, rotate), carryX, 1);
            Vector256<int> py = Avx2.Blend(Avx2.PermuteVar8x32(iy, rotate), carryY, 1);
            Vector256<int> pz = Avx2.Blend(Avx2.PermuteVar8x32(iz, rotate), carryZ, 1);
            Vector256<int> pok = Avx2.Blend(Avx2.PermuteVar8x32(mask, rotate), carryOk, 1);
            Vector256<int> same = pok & Vector256.Equals(px, ix) & Vector256.Equals(py, iy) & Vector256.Equals(pz, iz);
            uint bits = Vector256.AndNot(mask, same).AsSingle().ExtractMostSignificantBits();
            fresh[u >> 6] |= (ulong)bits << u;
            carryX = Avx2.PermuteVar8x32(ix, lastLane);
            carryY = Avx2.PermuteVar8x32(iy, lastLane);
            carryZ = Avx2.PermuteVar8x32(iz, lastLane);
            carryOk = Avx2.PermuteVar8x32(mask, lastLane);
        }

        bool previous = carryOk.GetElement(0) != 0;
        for (; u < width; u++)
        {
            bool ok = Pixel(depth[u], slopes[u], rowSlope, p, maxRange, inverseResolution, out kx[u], out ky[u], out kz[u]);
            bool same = previous && kx[u] == kx[u - 1] && ky[u] == ky[u - 1] && kz[u] == kz[u - 1];
            if (ok && !same)
            {
                fresh[u >> 6] |= 1UL << u;
            }

            previous = ok;
        }
    }

    /// <summary>floor(w · inverse resolution) in double for 8 lanes, and whether each lies in the map's index range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> Index, Vector256<int> InRange) Floor(Vector256<float> w, Vector256<double> inv, Vector256<double> lo, Vector256<double> hi)
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
