using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Occupancy.Map;

namespace Occupancy.Queries;

/// <summary>
/// Batched lookups, 8 points at a time: voxel keys (float floors where provably equal to the map's double floors,
/// else the double floors), brick slots from the dense brick directory by gather, and voxel indices. The scalar path
/// of <see cref="OccupancyMap.GetStates"/> (key, then directory, then hash table) is its reference; the tests compare
/// the two on points inside, outside and beyond the directory and the map.
/// </summary>
internal static unsafe class LookupKernel
{
    public static bool VectorSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    /// <summary>The dense brick directory: origin, size and cells (−1 where no brick).</summary>
    public readonly struct Grid(int x0, int y0, int z0, int nx, int ny, int nz, int* cells)
    {
        public readonly int X0 = x0, Y0 = y0, Z0 = z0, Nx = nx, Ny = ny, Nz = nz;
        public readonly int* Cells = cells;
    }

    /// <summary>
    /// For 8 points: packed[i] = −2 − slot when the directory answers (so −1 means "no brick") or the packed brick
    /// key (≥ 0) to look up in the hash table; −1 too for points that are not finite or lie outside the map.
    /// locals[i] is the voxel's index inside its brick.
    /// </summary>
    [SkipLocalsInit]
    public static void Keys8(Vector3* points, double inverseResolution, in Grid grid, long* packed, int* locals)
    {
        // De-interleave x0 y0 z0 x1 ... z7 into X, Y and Z (three blends and a permute each).
        Vector256<float> a = Vector256.Load((float*)points), b = Vector256.Load((float*)points + 8), c = Vector256.Load((float*)points + 16);
        Vector256<float> x = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, 0b10010010), c, 0b00100100), Vector256.Create(0, 3, 6, 1, 4, 7, 2, 5));
        Vector256<float> y = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, 0b00100100), c, 0b01001001), Vector256.Create(1, 4, 7, 2, 5, 0, 3, 6));
        Vector256<float> z = Avx2.PermuteVar8x32(Avx.Blend(Avx.Blend(a, b, 0b01001001), c, 0b10010010), Vector256.Create(2, 5, 0, 3, 6, 1, 4, 7));

        Vector256<int> ix, iy, iz, ok;
        var invF = Vector256.Create((float)inverseResolution);
        if (FloatFloor(x, invF, out ix, out Vector256<int> okX) & FloatFloor(y, invF, out iy, out Vector256<int> okY) & FloatFloor(z, invF, out iz, out Vector256<int> okZ))
        {
            ok = okX & okY & okZ;
        }
        else
        {
            var inv = Vector256.Create(inverseResolution);
            (ix, okX) = DoubleFloor(x, inv);
            (iy, okY) = DoubleFloor(y, inv);
            (iz, okZ) = DoubleFloor(z, inv);
            ok = okX & okY & okZ;
        }

        Vector256<int> bx = Vector256.ShiftRightArithmetic(ix, VoxelKey.BrickShift) - Vector256.Create(grid.X0);
        Vector256<int> by = Vector256.ShiftRightArithmetic(iy, VoxelKey.BrickShift) - Vector256.Create(grid.Y0);
        Vector256<int> bz = Vector256.ShiftRightArithmetic(iz, VoxelKey.BrickShift) - Vector256.Create(grid.Z0);
        // Unsigned compares: a negative offset is a huge unsigned one.
        Vector256<int> inGrid = ok
            & Vector256.LessThan(bx.AsUInt32(), Vector256.Create((uint)grid.Nx)).AsInt32()
            & Vector256.LessThan(by.AsUInt32(), Vector256.Create((uint)grid.Ny)).AsInt32()
            & Vector256.LessThan(bz.AsUInt32(), Vector256.Create((uint)grid.Nz)).AsInt32();
        Vector256<int> cell = (((bz * Vector256.Create(grid.Ny)) + by) * Vector256.Create(grid.Nx)) + bx;
        Vector256<int> slot = Avx2.GatherMaskVector256(Vector256.Create(-1), grid.Cells, cell & inGrid, inGrid, 4);
        Vector256<int> local = (ix & Vector256.Create(7)) | ((iy & Vector256.Create(7)) << 3) | ((iz & Vector256.Create(7)) << 6);
        local.Store(locals);
        for (int i = 0; i < 8; i++)
        {
            packed[i] = inGrid.GetElement(i) != 0 ? -2L - slot.GetElement(i)
                : ok.GetElement(i) != 0 ? VoxelKey.PackBrick(ix.GetElement(i) >> VoxelKey.BrickShift, iy.GetElement(i) >> VoxelKey.BrickShift, iz.GetElement(i) >> VoxelKey.BrickShift)
                : -1L;
        }
    }

    /// <summary>
    /// Float floor and whether it certainly equals the double floor for every lane that is finite (lanes that are
    /// not finite come back with ok = 0 and do not force the double path). Also requires |p| below 2^22, well inside
    /// the map's index range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FloatFloor(Vector256<float> w, Vector256<float> inverseResolution, out Vector256<int> index, out Vector256<int> ok)
    {
        Vector256<float> product = w * inverseResolution;
        Vector256<float> floor = Vector256.Floor(product);
        Vector256<float> fraction = product - floor;
        Vector256<float> abs = Vector256.Abs(product);
        Vector256<float> margin = (abs * Vector256.Create(1f / (1 << 21))) + Vector256.Create(1e-6f);
        Vector256<float> finite = Vector256.LessThan(abs, Vector256.Create(float.PositiveInfinity));
        Vector256<float> safe = Vector256.GreaterThan(fraction, margin) & Vector256.LessThan(fraction, Vector256.Create(1f) - margin)
                              & Vector256.LessThan(abs, Vector256.Create((float)(1 << 22)));
        index = Vector256.ConvertToInt32(floor);
        ok = finite.AsInt32();
        return Vector256.AndNot(finite, safe) == Vector256<float>.Zero;
    }

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
