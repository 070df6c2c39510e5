using System.Numerics;

namespace Occupancy;

/// <summary>How a ray cast ended.</summary>
public enum RayCastOutcome
{
    /// <summary>Reached the maximum distance (or left the map) without meeting an occupied voxel.</summary>
    NoHit = 0,

    /// <summary>Met an occupied voxel (or an unknown one under <see cref="UnknownPolicy.TreatAsOccupied"/>).</summary>
    Hit = 1,

    /// <summary>Met an unknown voxel under <see cref="UnknownPolicy.Report"/>.</summary>
    Unknown = 2,
}

/// <summary>
/// Result of <see cref="OccupancyMap.CastRay"/>: where the ray stopped. World frame, metres.
/// </summary>
/// <param name="Outcome">Why the ray stopped.</param>
/// <param name="Key">The voxel the ray stopped in (the last voxel visited when nothing was hit).</param>
/// <param name="Point">Where the ray entered that voxel (the origin when it starts inside it), metres.</param>
/// <param name="Distance">Distance from the origin to <paramref name="Point"/>, metres.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct RayCastResult(RayCastOutcome Outcome, VoxelKey Key, Vector3 Point, float Distance)
{
    /// <summary>True when <see cref="Outcome"/> is <see cref="RayCastOutcome.Hit"/>.</summary>
    public bool IsHit => Outcome == RayCastOutcome.Hit;
}
