using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// Batched lookups, 8 points at a time (the lookups family's 256-bit implementation; it needs the keys family's too): voxel keys (<see cref="KeyKernel"/>), brick slots from the dense brick
/// directory by gather, and voxel indices. The scalar path of <see cref="OccupancyMap.GetStates"/> (key, then directory,
/// then hash table) is its reference; the tests compare the two on points inside, outside and beyond the directory and
/// the map.
/// </summary>
internal static unsafe class LookupKernel
{
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
    public static void Keys8(Vector3* points, double inverseResolution, in Grid grid, long* packed, int* locals, bool wideKeys)
    {
        KeyKernel.Keys8(points, inverseResolution, wideKeys, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out _, out Vector256<int> ok);
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
}
