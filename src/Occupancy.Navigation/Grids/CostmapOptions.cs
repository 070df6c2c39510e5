using System;
using System.Globalization;

namespace Occupancy.Navigation;

/// <summary>
/// How a <see cref="Costmap2D"/> is built from the map: the height band in which occupied voxels are obstacles, how
/// many of them make a column lethal, Nav2-style inflation, and the policy for unknown columns. Lengths in metres,
/// heights in the world frame (z up). Each value is checked as it is set; the band (<see cref="MaxObstacleHeight"/> at
/// least <see cref="MinObstacleHeight"/>) when the costmap is built.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record CostmapOptions
{
    /// <summary>Lowest voxel centre height that counts as an obstacle (ground clearance), metres. Required.</summary>
    public required float MinObstacleHeight { get; init => field = Finite(value, nameof(MinObstacleHeight), allowNegative: true); }

    /// <summary>Highest voxel centre height that counts (body height), metres. Required.</summary>
    public required float MaxObstacleHeight { get; init => field = Finite(value, nameof(MaxObstacleHeight), allowNegative: true); }

    /// <summary>Radius of the largest circle inside the footprint, metres: closer than this to a lethal cell is a certain collision (253). Required.</summary>
    public required float InscribedRadius { get; init => field = Finite(value, nameof(InscribedRadius), allowNegative: false); }

    /// <summary>Radius out to which cost decays from 252 (0 beyond), metres. Required.</summary>
    public required float InflationRadius { get; init => field = Finite(value, nameof(InflationRadius), allowNegative: false); }

    /// <summary>Exponential decay rate of the inflation cost, 1/m, as Nav2's cost_scaling_factor (default 3).</summary>
    public float CostScalingFactor { get; init => field = Finite(value, nameof(CostScalingFactor), allowNegative: false); } = 3f;

    /// <summary>Occupied voxels in the band that make a column lethal, at least 1 (default 1).</summary>
    public int MinOccupiedVoxels
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MinOccupiedVoxels));
            field = value;
        }
    } = 1;

    /// <summary>
    /// Columns with no observed voxel in the band: free (0), lethal (254), or reported as unknown (255). Required.
    /// Columns with an observed obstacle are lethal under every policy.
    /// </summary>
    public required UnknownPolicy Unknown
    {
        get;
        init
        {
            ThrowHelper.ThrowIfUndefined(value, nameof(Unknown));
            field = value;
        }
    }

    private static float Finite(float value, string name, bool allowNegative)
    {
        if (!float.IsFinite(value) || (!allowNegative && value < 0))
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite{(allowNegative ? "" : " and not negative")}, but was {value}."));
        }

        return value;
    }
}
