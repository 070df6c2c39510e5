namespace Occupancy;

/// <summary>What the map knows about a voxel.</summary>
public enum VoxelState : byte
{
    /// <summary>Never observed.</summary>
    Unknown = 0,

    /// <summary>Observed, with occupancy probability below the occupied threshold.</summary>
    Free = 1,

    /// <summary>Observed, with occupancy probability at or above the occupied threshold.</summary>
    Occupied = 2,
}
