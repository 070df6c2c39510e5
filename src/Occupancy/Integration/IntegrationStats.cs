namespace Occupancy;

/// <summary>What one integration call did.</summary>
/// <param name="Measurements">Points or pixels offered.</param>
/// <param name="NoReturn">Measurements skipped as "no return": non-finite coordinates, or depth that is NaN, infinite or not positive.</param>
/// <param name="OutOfMap">Points skipped because they lie outside the map's index range.</param>
/// <param name="BeyondMaxRange">Rays beyond the maximum range: they cleared space up to the maximum range and marked nothing. One a
/// measurement, except in the point-cloud modes that cast one ray per distinct endpoint voxel (<see cref="PointCloudMode.Discretized"/>,
/// <see cref="PointCloudMode.FirstPointPerVoxel"/>), where it counts those rays.</param>
/// <param name="OccupiedUpdates">Voxels that received a hit.</param>
/// <param name="FreeUpdates">Voxels that received a miss.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct IntegrationStats(int Measurements, int NoReturn, int OutOfMap, int BeyondMaxRange, int OccupiedUpdates, int FreeUpdates)
{
    /// <summary>Voxels updated in all: <see cref="OccupiedUpdates"/> + <see cref="FreeUpdates"/>.</summary>
    public int UpdatedVoxels => OccupiedUpdates + FreeUpdates;
}
