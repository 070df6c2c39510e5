using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// Voxel keys of 8 points at a time, exactly as <see cref="OccupancyMap.TryGetKey"/> computes them one by one (the
/// scalar reference): the keys family's 512-bit implementation takes the double floor of all 8 in one AVX-512 register;
/// its 256-bit one the float floor where it provably equals the map's double floor, and the double floor for the 8
/// points where it does not. Used by batched lookups, the exact walk's ray set-up and the discretized mode's endpoints.
/// </summary>
internal static unsafe class KeyKernel
{
    /// <summary>
    /// Keys of points[0..8). <paramref name="finite"/> has all bits set in lanes whose three coordinates are finite,
    /// <paramref name="inMap"/> in lanes that <see cref="OccupancyMap.TryGetKey"/> accepts (finite and inside the map);
    /// the keys of other lanes are unspecified. <paramref name="wide"/> selects the 512-bit implementation (AVX-512).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Keys8(Vector3* points, double inverseResolution, bool wide, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out Vector256<int> finite, out Vector256<int> inMap)
    {
        Load8(points, out Vector256<float> x, out Vector256<float> y, out Vector256<float> z);
        Keys8(x, y, z, inverseResolution, wide, out ix, out iy, out iz, out finite, out inMap);
    }

    /// <summary>The coordinates of points[0..8), de-interleaved (x0 y0 z0 x1 ... z7: three blends and a permute each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load8(Vector3* points, out Vector256<float> x, out Vector256<float> y, out Vector256<float> z)
    {
        Vector256<float> a = Vector256.Load((float*)points), b = Vector256.Load((float*)points + 8), c = Vector256.Load((float*)points + 16);
        x = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, 0b10010010), c, 0b00100100), Vector256.Create(0, 3, 6, 1, 4, 7, 2, 5));
        y = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, 0b00100100), c, 0b01001001), Vector256.Create(1, 4, 7, 2, 5, 0, 3, 6));
        z = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, 0b01001001), c, 0b10010010), Vector256.Create(2, 5, 0, 3, 6, 1, 4, 7));
    }

    /// <summary>Keys of 8 points given by their coordinates (see <see cref="Keys8(Vector3*, double, bool, out Vector256{int}, out Vector256{int}, out Vector256{int}, out Vector256{int}, out Vector256{int})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Keys8(Vector256<float> x, Vector256<float> y, Vector256<float> z, double inverseResolution, bool wide, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out Vector256<int> finite, out Vector256<int> inMap)
    {
        if (wide && Avx512F.IsSupported)
        {
            // Eight doubles are one 512-bit register: the double floor itself in 4 instructions an axis, exact for every
            // lane, cheaper than the float floor and its proof (15 an axis). A floor outside int's range, NaN or an
            // infinity converts to int.MinValue, outside the map's index range, so the range test needs no finite test.
            var inv = Vector512.Create(inverseResolution);
            ix = DoubleFloor512(x, inv);
            iy = DoubleFloor512(y, inv);
            iz = DoubleFloor512(z, inv);
            // The index range [−2^23, 2^23) is where index + 2^23 has no bit from the 24th up (as in EndpointKernel).
            var bias = Vector256.Create(-OccupancyMap.MinVoxelIndex);
            inMap = Vector256.Equals(Vector256.ShiftRightLogical((ix + bias) | (iy + bias) | (iz + bias), 24), Vector256<int>.Zero);
            var infinity = Vector256.Create(float.PositiveInfinity);
            finite = (Vector256.LessThan(Vector256.Abs(x), infinity) & Vector256.LessThan(Vector256.Abs(y), infinity) & Vector256.LessThan(Vector256.Abs(z), infinity)).AsInt32();
            return;
        }

        var invF = Vector256.Create((float)inverseResolution);
        if (FloatFloor(x, invF, out ix, out Vector256<int> okX) & FloatFloor(y, invF, out iy, out Vector256<int> okY) & FloatFloor(z, invF, out iz, out Vector256<int> okZ))
        {
            finite = okX & okY & okZ;
            inMap = finite;
        }
        else
        {
            finite = okX & okY & okZ;
            var inv = Vector256.Create(inverseResolution);
            (ix, okX) = DoubleFloor(x, inv);
            (iy, okY) = DoubleFloor(y, inv);
            (iz, okZ) = DoubleFloor(z, inv);
            inMap = okX & okY & okZ;
        }
    }

    /// <summary>
    /// Float floor and whether it certainly equals the double floor for every lane that is finite (lanes that are
    /// not finite come back with ok = 0 and do not force the double path). Also requires |p| below 2^22, well inside
    /// the map's index range. Finite means the coordinate itself: a finite coordinate whose product overflows float
    /// forces the double path, which finds it outside the map (taken from the product, such a point was counted as
    /// no return instead of outside the map; found by the test against TryGetKey on the float limits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FloatFloor(Vector256<float> w, Vector256<float> inverseResolution, out Vector256<int> index, out Vector256<int> ok)
    {
        Vector256<float> product = w * inverseResolution;
        Vector256<float> floor = Vector256.Floor(product);
        Vector256<float> fraction = product - floor;
        Vector256<float> abs = Vector256.Abs(product);
        Vector256<float> margin = (abs * Vector256.Create(1f / (1 << 21))) + Vector256.Create(1e-6f);
        Vector256<float> finite = Vector256.LessThan(Vector256.Abs(w), Vector256.Create(float.PositiveInfinity));
        Vector256<float> safe = Vector256.GreaterThan(fraction, margin) & Vector256.LessThan(fraction, Vector256.Create(1f) - margin)
                              & Vector256.LessThan(abs, Vector256.Create((float)(1 << 22)));
        index = Vector256.ConvertToInt32(floor);
        ok = finite.AsInt32();
        return Vector256.AndNot(finite, safe) == Vector256<float>.Zero;
    }

    /// <summary>floor(w · inverse resolution) in double, truncated to int (int.MinValue where it does not fit, or for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DoubleFloor512(Vector256<float> w, Vector512<double> inverseResolution) =>
        Avx512F.ConvertToVector256Int32WithTruncation(Avx512F.RoundScale(Avx512F.ConvertToVector512Double(w) * inverseResolution, 1));

    /// <summary>The map's own floor (double) and range check, 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> Index, Vector256<int> Ok) DoubleFloor(Vector256<float> w, Vector256<double> inv)
    {
        Vector256<double> lo = Vector256.Create((double)OccupancyMap.MinVoxelIndex), hi = Vector256.Create((double)OccupancyMap.MaxVoxelIndex);
        Vector256<double> a = Vector256.Floor(Vector256.WidenLower(w) * inv);
        Vector256<double> c = Vector256.Floor(Vector256.WidenUpper(w) * inv);
        // NaN fails both compares, so non-finite lanes are not ok.
        Vector256<double> okA = Vector256.GreaterThanOrEqual(a, lo) & Vector256.LessThanOrEqual(a, hi);
        Vector256<double> okC = Vector256.GreaterThanOrEqual(c, lo) & Vector256.LessThanOrEqual(c, hi);
        Vector256<int> index = Vector256.Create(Avx.ConvertToVector128Int32WithTruncation(a & okA), Avx.ConvertToVector128Int32WithTruncation(c & okC));
        return (index, Vector256.Narrow(okA.AsInt64(), okC.AsInt64()));
    }
}
