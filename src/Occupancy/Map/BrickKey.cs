using System;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// Integer index of a brick, the map's unit of storage: 8×8×8 voxels. Brick (X, Y, Z) holds voxels
/// [8·X, 8·X + 7] on x, and so on (world frame, right-handed, z up; <see cref="Bounds"/> gives it in metres).
/// </summary>
/// <param name="X">Index along world x.</param>
/// <param name="Y">Index along world y.</param>
/// <param name="Z">Index along world z.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct BrickKey(int X, int Y, int Z)
{
    /// <summary>Voxels along each edge of a brick.</summary>
    public const int Size = VoxelKey.BrickSize;

    /// <summary>The brick holding a voxel.</summary>
    /// <param name="voxel">The voxel.</param>
    public static BrickKey Of(VoxelKey voxel) => new(voxel.BrickX, voxel.BrickY, voxel.BrickZ);

    /// <summary>The brick's voxel with the lowest index on every axis.</summary>
    public VoxelKey MinVoxel => new(X << VoxelKey.BrickShift, Y << VoxelKey.BrickShift, Z << VoxelKey.BrickShift);

    /// <summary>Whether the brick holds a voxel.</summary>
    /// <param name="voxel">The voxel.</param>
    public bool Contains(VoxelKey voxel) => voxel.BrickX == X && voxel.BrickY == Y && voxel.BrickZ == Z;

    /// <summary>The box the brick covers, world frame, metres.</summary>
    /// <param name="resolution">The map's voxel edge, metres (<see cref="OccupancyMap.MinResolution"/> to <see cref="OccupancyMap.MaxResolution"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resolution"/> is not finite or outside the map's range.</exception>
    public Aabb Bounds(double resolution)
    {
        if (!(resolution >= OccupancyMap.MinResolution && resolution <= OccupancyMap.MaxResolution))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(resolution), resolution, string.Create(CultureInfo.InvariantCulture, $"resolution must be between {OccupancyMap.MinResolution} and {OccupancyMap.MaxResolution} metres, but was {resolution}."));
        }

        double edge = Size * resolution;
        return new Aabb(
            new System.Numerics.Vector3((float)(X * edge), (float)(Y * edge), (float)(Z * edge)),
            new System.Numerics.Vector3((float)((X + 1) * edge), (float)((Y + 1) * edge), (float)((Z + 1) * edge)));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"brick ({X}, {Y}, {Z})");
}
