namespace Occupancy.Orleans;

/// <summary>
/// The grain storage the region grains persist to. A silo that hosts them registers a storage provider under
/// <see cref="Name"/>: a durable one in production (Redis: <c>AddRedisGrainStorage(FleetStorage.Name, ...)</c>, or any
/// other Orleans provider), memory only for tests, since memory storage dies with its silo and takes every acknowledged
/// merge of the regions it held with it.
/// </summary>
public static class FleetStorage
{
    /// <summary>The provider name: <c>occupancy-fleet</c>.</summary>
    public const string Name = "occupancy-fleet";
}
