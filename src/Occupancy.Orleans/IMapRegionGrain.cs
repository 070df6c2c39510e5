using System.Threading.Tasks;
using Orleans;

namespace Occupancy.Orleans;

/// <summary>
/// A region of the fleet's map: a cube of <see cref="FleetRegions"/> bricks whose evidence one grain owns. It merges the
/// deltas agents send for it (each exactly once, per agent sequence numbers) and persists them before it acknowledges,
/// so an acknowledged merge survives the silo that made it.
/// </summary>
/// <remarks>
/// The grain's key is the region's packed coordinates (<see cref="FleetRegions.KeyOf"/>). Calls take turns (the grain
/// is not reentrant). Coordinates are voxel keys of the map (world frame, z up, metres through the resolution).
/// </remarks>
public interface IMapRegionGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Merges deltas (each the bytes of a <see cref="Occupancy.Fleet.MapDelta"/> holding bricks of this region only, of
    /// one resolution), skipping any an agent sent before, and persists the region before returning. All are checked
    /// first: a malformed delta, or one of another resolution, fails the call and changes nothing.
    /// </summary>
    /// <param name="deltas">The deltas, in each agent's order.</param>
    /// <returns>What was applied and skipped.</returns>
    Task<MergeReceipt> MergeAsync(byte[][] deltas);

    /// <summary>The region's evidence as bytes (<see cref="Occupancy.Fleet.EvidenceMap.ToBytes"/>); null when it holds none.</summary>
    Task<byte[]?> ReadAsync();

    /// <summary>A voxel's summed log-odds, not clamped; NaN when no agent knows it (or it lies outside the region).</summary>
    /// <param name="x">Voxel index along world x.</param>
    /// <param name="y">Voxel index along world y.</param>
    /// <param name="z">Voxel index along world z.</param>
    Task<float> GetLogOddsAsync(int x, int y, int z);

    /// <summary>The region's bricks, agents and deltas applied.</summary>
    Task<RegionStatus> GetStatusAsync();
}
