using System;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// A dense box of voxels lined up with an <see cref="OccupancyMap"/> of the same resolution: grid voxel (i, j, k) is map
/// voxel <see cref="Origin"/> + (i, j, k), stored x fastest, then y, then z. World frame, metres, z up. The base of the
/// distance field and the ground truth.
/// </summary>
/// <remarks>Threads: immutable once built, so safe to share between threads.</remarks>
public abstract class VoxelGrid
{
    /// <summary>Creates a grid of the given extent; a derived class allocates its storage.</summary>
    /// <param name="origin">Key of grid voxel (0, 0, 0).</param>
    /// <param name="sizeX">Voxels along x.</param>
    /// <param name="sizeY">Voxels along y.</param>
    /// <param name="sizeZ">Voxels along z.</param>
    /// <param name="resolution">Voxel edge, metres.</param>
    protected VoxelGrid(VoxelKey origin, int sizeX, int sizeY, int sizeZ, double resolution)
    {
        Origin = origin;
        SizeX = sizeX;
        SizeY = sizeY;
        SizeZ = sizeZ;
        Resolution = resolution;
    }

    /// <summary>Key of grid voxel (0, 0, 0).</summary>
    public VoxelKey Origin { get; }

    /// <summary>Voxels along x.</summary>
    public int SizeX { get; }

    /// <summary>Voxels along y.</summary>
    public int SizeY { get; }

    /// <summary>Voxels along z.</summary>
    public int SizeZ { get; }

    /// <summary>Voxel edge, metres.</summary>
    public double Resolution { get; }

    /// <summary>True when the key lies in the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public bool Contains(VoxelKey key) => TryIndex(key, out _);

    /// <summary>The box the grid's voxels cover, world frame, metres.</summary>
    public Aabb Bounds => new(
        new System.Numerics.Vector3((float)(Origin.X * Resolution), (float)(Origin.Y * Resolution), (float)(Origin.Z * Resolution)),
        new System.Numerics.Vector3((float)((Origin.X + SizeX) * Resolution), (float)((Origin.Y + SizeY) * Resolution), (float)((Origin.Z + SizeZ) * Resolution)));

    /// <summary>Index of a key in the grid's storage (x fastest, then y, then z), or false outside it.</summary>
    /// <param name="k">A map voxel.</param>
    /// <param name="index">Its index; −1 when false is returned.</param>
    protected bool TryIndex(VoxelKey k, out int index)
    {
        int x = k.X - Origin.X, y = k.Y - Origin.Y, z = k.Z - Origin.Z;
        if ((uint)x < (uint)SizeX && (uint)y < (uint)SizeY && (uint)z < (uint)SizeZ)
        {
            index = (((z * SizeY) + y) * SizeX) + x;
            return true;
        }

        index = -1;
        return false;
    }

    /// <summary>
    /// The voxels whose centres lie in a region, as an origin and sizes; throws (naming "region") when it holds none
    /// or more than <paramref name="maxVoxels"/>.
    /// </summary>
    /// <param name="map">The map whose voxels the grid lines up with.</param>
    /// <param name="region">The region, world frame, metres.</param>
    /// <param name="maxVoxels">Most voxels the grid may hold.</param>
    protected static (VoxelKey Origin, int SizeX, int SizeY, int SizeZ) Extent(OccupancyMap map, Aabb region, long maxVoxels)
    {
        (VoxelKey lo, VoxelKey hi) = map.KeyRangeOf(region);
        long sx = (long)hi.X - lo.X + 1, sy = (long)hi.Y - lo.Y + 1, sz = (long)hi.Z - lo.Z + 1;
        if (sx <= 0 || sy <= 0 || sz <= 0 || BoxSize.Exceeds(sx, sy, sz, maxVoxels))
        {
            ThrowHelper.Argument(nameof(region), string.Create(CultureInfo.InvariantCulture, $"region {region} spans {Math.Max(0, sx)}x{Math.Max(0, sy)}x{Math.Max(0, sz)} voxels; it must hold between 1 and {maxVoxels} voxel centres."));
        }

        return (lo, (int)sx, (int)sy, (int)sz);
    }
}
