using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// A robot's body and locomotion limits: what one map means for it. Wheeled and legged agents answer the same
/// questions, so a planner written against this class works for either: the traversal cost of every cell of a region,
/// whether a pose is in collision, whether a path is clear. Unknown space follows the agent's explicit
/// <see cref="Unknown"/> policy. An agent is described with init-only properties (each checked as it is set; limits
/// that depend on each other are checked when the agent is first used). World frame: metres, radians, z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share; <c>Traversability</c> only reads the map and may run on several threads at once.</remarks>
public abstract class Agent
{
    /// <summary>
    /// How unknown space is treated: as free, as impassable, or reported (NaN costs, which planners treat as impassable).
    /// Required: no one policy is safe for every robot. Observed obstacles are impassable under every policy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not one of the three policies.</exception>
    public required UnknownPolicy Unknown
    {
        get;
        init
        {
            ThrowHelper.ThrowIfUndefined(value, nameof(Unknown));
            field = value;
        }
    }

    /// <summary>Radius of the circle around the reference point that the body never leaves, metres (for clearance checks).</summary>
    public abstract float InscribedRadius { get; }

    /// <summary>The cost of crossing every column of a region (the region's z range bounds the heights considered).</summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box, metres.</param>
    public abstract TraversabilityGrid Traversability(OccupancyMap map, Aabb region);

    /// <summary>True when the agent standing with its reference point over <paramref name="position"/> cannot be there.</summary>
    /// <param name="grid">A grid from <see cref="Traversability"/>.</param>
    /// <param name="position">World x and y, metres.</param>
    public bool IsInCollision(TraversabilityGrid grid, Vector2 position)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (!grid.TryGetCell(new Vector3(position, 0), out int x, out int y))
        {
            return true;
        }

        float cost = grid[x, y];
        return float.IsNaN(cost) ? Unknown != UnknownPolicy.TreatAsFree : !float.IsFinite(cost);
    }

    /// <summary>True when every point along the polyline, sampled every half cell, is passable.</summary>
    /// <param name="grid">A grid from <see cref="Traversability"/>.</param>
    /// <param name="path">World x and y of the waypoints, metres.</param>
    public bool IsPathClear(TraversabilityGrid grid, ReadOnlySpan<Vector2> path)
    {
        ArgumentNullException.ThrowIfNull(grid);
        for (int i = 0; i < path.Length; i++)
        {
            Vector2 a = path[i], b = i + 1 < path.Length ? path[i + 1] : path[i];
            int samples = Math.Max(1, (int)Math.Ceiling(Vector2.Distance(a, b) / (grid.Resolution / 2)));
            for (int s = 0; s <= samples; s++)
            {
                if (IsInCollision(grid, Vector2.Lerp(a, b, (float)s / samples)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The cost of a column without a standable surface under this agent's unknown policy.</summary>
    private protected float UnknownCost => Unknown switch { UnknownPolicy.TreatAsFree => 1, UnknownPolicy.Report => float.NaN, _ => float.PositiveInfinity };

    /// <summary>
    /// The cost of a ground cell that has no surface to judge: unobserved (NaN height) costs as <see cref="Unknown"/>
    /// says; an observed obstacle (+∞ height) is +∞ under every policy.
    /// </summary>
    /// <param name="height">The cell's ground height.</param>
    /// <param name="cost">The cost when the method returns true.</param>
    /// <returns>True when the cell has no surface, so its cost is decided here.</returns>
    private protected bool TryCostWithoutSurface(float height, out float cost)
    {
        cost = float.IsNaN(height) ? UnknownCost : float.PositiveInfinity;
        return float.IsNaN(height) || float.IsPositiveInfinity(height);
    }

    /// <summary>How the elevation map treats unknown voxels above a surface: as free only for an optimistic agent.</summary>
    private protected UnknownPolicy UnknownAbove => Unknown == UnknownPolicy.TreatAsFree ? UnknownPolicy.TreatAsFree : UnknownPolicy.TreatAsOccupied;

    /// <summary>Marks every passable cell closer than <paramref name="radius"/> (centre to centre) to an impassable or unknown cell impassable.</summary>
    internal static void Erode(float[] cost, int width, int height, double resolution, float radius)
    {
        var f = new float[cost.Length];
        for (int i = 0; i < f.Length; i++)
        {
            // Impassable and unknown (NaN) cells both keep the body away.
            f[i] = float.IsFinite(cost[i]) ? ExactDistanceTransform.Far : 0;
        }

        ExactDistanceTransform.Squared(f, width, height, 1);
        // Relative slack: a radius given in float (0.2f is 0.200000003) must not erode a cell exactly that far away.
        double r2 = (radius / resolution) * (radius / resolution) * (1 - 1e-6);
        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] < r2 && float.IsFinite(cost[i]))
            {
                cost[i] = float.PositiveInfinity;
            }
        }
    }

    internal static string Describe(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A length or angle for an init accessor: finite, not negative (and not zero where <paramref name="positive"/>).</summary>
    private protected static float Limit(float value, string name, bool positive)
    {
        TraversabilityGrid.CheckFinite(value, name, positive);
        return value;
    }
}
