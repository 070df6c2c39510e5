
namespace Occupancy;

/// <summary>One observed voxel: its key, its log-odds and its state.</summary>
/// <param name="Key">The voxel.</param>
/// <param name="LogOdds">Log-odds of occupancy.</param>
/// <param name="State">Free or occupied.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct VoxelInfo(VoxelKey Key, float LogOdds, VoxelState State);
