namespace Occupancy;

/// <summary>What <see cref="OccupancyMap.GetChangesSince"/> answered besides the bricks.</summary>
/// <param name="Version">The map's version when the answer was taken: pass it next time.</param>
/// <param name="Reset">
/// True when the record no longer reached back to the version asked about (a <see cref="OccupancyMap.Clear"/> ran, or
/// more bricks were released than the log keeps): the consumer drops what it holds and takes the listed bricks, which
/// are then every brick of the map.
/// </param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct MapChanges(long Version, bool Reset);
