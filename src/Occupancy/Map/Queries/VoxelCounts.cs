namespace Occupancy;

/// <summary>How many voxels of a map are known, and of those how many are free and occupied.</summary>
/// <param name="Free">Observed voxels below the occupied threshold.</param>
/// <param name="Occupied">Observed voxels at or above the occupied threshold.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct VoxelCounts(long Free, long Occupied)
{
    /// <summary>Observed voxels: <see cref="Free"/> + <see cref="Occupied"/>.</summary>
    public long Known => Free + Occupied;
}
