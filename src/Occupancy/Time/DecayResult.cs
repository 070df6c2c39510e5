namespace Occupancy;

/// <summary>What one application of a <see cref="DecayPolicy"/> did.</summary>
/// <param name="Bricks">Bricks swept.</param>
/// <param name="Forgotten">Voxels that became unknown.</param>
/// <param name="ReleasedBricks">Bricks released because no voxel in them was known any more.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct DecayResult(int Bricks, long Forgotten, int ReleasedBricks);
