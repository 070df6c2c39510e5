using System;
using System.Globalization;

namespace Occupancy.Navigation;

/// <summary>
/// How a <see cref="Costmap2D"/> is built from the map: the height band in which occupied voxels are obstacles, how
/// many of them make a column lethal, and Nav2-style inflation. Lengths in metres, heights in the world frame (z up).
/// </summary>
public sealed class CostmapOptions
{
    /// <summary>Creates options; every length must be finite, radii non-negative, the band not empty.</summary>
    /// <param name="minObstacleHeight">Lowest voxel centre height (m) that counts (ground clearance).</param>
    /// <param name="maxObstacleHeight">Highest voxel centre height (m) that counts (body height).</param>
    /// <param name="inscribedRadius">Radius (m) of the largest circle inside the footprint: closer than this to a lethal cell is a certain collision (253).</param>
    /// <param name="inflationRadius">Radius (m) out to which cost decays from 252 (0 beyond).</param>
    /// <param name="costScalingFactor">Exponential decay rate (1/m) of the inflation cost, as Nav2's cost_scaling_factor.</param>
    /// <param name="minOccupiedVoxels">Occupied voxels in the band that make a column lethal (at least 1).</param>
    /// <param name="unknown">Columns with no known voxel in the band: free, lethal, or reported as unknown (255).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, negative where it must not be, or the band is empty.</exception>
    public CostmapOptions(float minObstacleHeight, float maxObstacleHeight, float inscribedRadius, float inflationRadius, float costScalingFactor = 3f, int minOccupiedVoxels = 1, UnknownPolicy unknown = UnknownPolicy.Report)
    {
        Check(minObstacleHeight, nameof(minObstacleHeight), allowNegative: true);
        Check(maxObstacleHeight, nameof(maxObstacleHeight), allowNegative: true);
        if (!(maxObstacleHeight >= minObstacleHeight))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(maxObstacleHeight), maxObstacleHeight, string.Create(CultureInfo.InvariantCulture, $"maxObstacleHeight must be at least minObstacleHeight ({minObstacleHeight})."));
        }

        Check(inscribedRadius, nameof(inscribedRadius), allowNegative: false);
        Check(inflationRadius, nameof(inflationRadius), allowNegative: false);
        Check(costScalingFactor, nameof(costScalingFactor), allowNegative: false);
        ArgumentOutOfRangeException.ThrowIfLessThan(minOccupiedVoxels, 1);
        if (unknown is not (UnknownPolicy.TreatAsFree or UnknownPolicy.TreatAsOccupied or UnknownPolicy.Report))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(unknown), unknown, "unknown must be TreatAsFree, TreatAsOccupied or Report.");
        }

        MinObstacleHeight = minObstacleHeight;
        MaxObstacleHeight = maxObstacleHeight;
        InscribedRadius = inscribedRadius;
        InflationRadius = inflationRadius;
        CostScalingFactor = costScalingFactor;
        MinOccupiedVoxels = minOccupiedVoxels;
        Unknown = unknown;
    }

    /// <summary>Lowest obstacle height, metres.</summary>
    public float MinObstacleHeight { get; }

    /// <summary>Highest obstacle height, metres.</summary>
    public float MaxObstacleHeight { get; }

    /// <summary>Inscribed radius, metres.</summary>
    public float InscribedRadius { get; }

    /// <summary>Inflation radius, metres.</summary>
    public float InflationRadius { get; }

    /// <summary>Inflation decay rate, 1/m.</summary>
    public float CostScalingFactor { get; }

    /// <summary>Occupied voxels that make a column lethal.</summary>
    public int MinOccupiedVoxels { get; }

    /// <summary>Policy for columns with no known voxel in the band.</summary>
    public UnknownPolicy Unknown { get; }

    private static void Check(float value, string name, bool allowNegative)
    {
        if (!float.IsFinite(value) || (!allowNegative && value < 0))
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite{(allowNegative ? "" : " and not negative")}, but was {value}."));
        }
    }
}
