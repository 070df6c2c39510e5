namespace Occupancy;

/// <summary>How a query treats voxels that were never observed.</summary>
public enum UnknownPolicy
{
    /// <summary>Unknown space is free: a ray passes through it (optimistic; OctoMap's <c>ignoreUnknownCells = true</c>).</summary>
    TreatAsFree = 0,

    /// <summary>Unknown space is occupied: a ray stops at it and reports a hit (conservative, for safety checks).</summary>
    TreatAsOccupied = 1,

    /// <summary>A ray stops at the first unknown voxel and reports <see cref="RayCastOutcome.Unknown"/>.</summary>
    Report = 2,
}
