namespace Occupancy.Navigation;

/// <summary>What a footprint at a pose covers on a <see cref="Costmap2D"/>.</summary>
/// <param name="MaxCost">Highest known cost under the footprint (0 to 254).</param>
/// <param name="InCollision">True when a lethal cell lies under the footprint.</param>
/// <param name="CoversUnknown">True when the footprint covers unknown cells or reaches past the costmap's edge.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct FootprintCost(byte MaxCost, bool InCollision, bool CoversUnknown);
