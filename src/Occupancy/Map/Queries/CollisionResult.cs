namespace Occupancy;

/// <summary>What a shape at a pose overlaps in the map (<see cref="OccupancyMap.CheckCollision"/>).</summary>
/// <param name="OccupiedVoxels">Occupied voxels the shape overlaps.</param>
/// <param name="UnknownVoxels">Never-observed voxels the shape overlaps.</param>
/// <param name="InCollision">True when it overlaps an occupied voxel, or an unknown one under <see cref="UnknownPolicy.TreatAsOccupied"/>.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct CollisionResult(int OccupiedVoxels, int UnknownVoxels, bool InCollision);
