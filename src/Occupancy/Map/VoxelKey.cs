using System;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Occupancy;

/// <summary>
/// Integer index of a voxel: voxel (X, Y, Z) covers world coordinates [X·r, (X+1)·r) × [Y·r, (Y+1)·r) × [Z·r, (Z+1)·r)
/// for resolution r (metres), world frame right-handed with z up. Negative indices are voxels below zero on that axis.
/// This is OctoMap's key minus 32768, without OctoMap's 16-bit limit.
/// </summary>
/// <param name="X">Index along world x.</param>
/// <param name="Y">Index along world y.</param>
/// <param name="Z">Index along world z.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct VoxelKey(int X, int Y, int Z)
{
    /// <summary>Bits of the voxel index inside a brick, per axis (a brick is 8 voxels on a side).</summary>
    internal const int BrickShift = 3;

    /// <summary>Voxels per brick side.</summary>
    internal const int BrickSize = 1 << BrickShift;

    /// <summary>Voxels per brick.</summary>
    internal const int BrickVoxels = BrickSize * BrickSize * BrickSize;

    /// <summary>64-bit words of a one-bit-per-voxel mask of a brick.</summary>
    internal const int BrickWords = BrickVoxels / 64;

    /// <summary>Brick coordinates are packed into 21 bits each.</summary>
    internal const int BrickCoordinateBits = 21;

    /// <summary>Index of the brick holding this voxel along x (floor division by the brick size).</summary>
    internal int BrickX => X >> BrickShift;

    /// <summary>Index of the brick holding this voxel along y.</summary>
    internal int BrickY => Y >> BrickShift;

    /// <summary>Index of the brick holding this voxel along z.</summary>
    internal int BrickZ => Z >> BrickShift;

    /// <summary>Position of the voxel inside its brick: x fastest, then y, then z (0..511).</summary>
    internal int LocalIndex
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (X & (BrickSize - 1)) | ((Y & (BrickSize - 1)) << BrickShift) | ((Z & (BrickSize - 1)) << (2 * BrickShift));
    }

    /// <summary>Packs brick coordinates into one non-negative 63-bit hash key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long PackBrick(int bx, int by, int bz)
    {
        const long mask = (1L << BrickCoordinateBits) - 1;
        return (bx & mask) | ((by & mask) << BrickCoordinateBits) | ((bz & mask) << (2 * BrickCoordinateBits));
    }

    /// <summary>Unpacks a brick key made by <see cref="PackBrick"/>, restoring the sign of each coordinate.</summary>
    internal static (int X, int Y, int Z) UnpackBrick(long packed)
    {
        const int shift = 32 - BrickCoordinateBits;
        int bx = (int)(packed << shift >> shift & 0x1FFFFF);
        int by = (int)((packed >> BrickCoordinateBits) & 0x1FFFFF);
        int bz = (int)((packed >> (2 * BrickCoordinateBits)) & 0x1FFFFF);
        return (bx << shift >> shift, by << shift >> shift, bz << shift >> shift);
    }

    /// <summary>The voxel one step away along each axis.</summary>
    public VoxelKey Offset(int dx, int dy, int dz) => new(X + dx, Y + dy, Z + dz);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({X}, {Y}, {Z})");
}
