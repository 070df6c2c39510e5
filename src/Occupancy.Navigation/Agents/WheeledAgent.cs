using System;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// A wheeled base: a footprint, the ground clearance and body height between which voxels are obstacles (measured
/// from the local ground, so ramps and platforms work), the steepest slope and highest step it can drive, and Nav2-style
/// inflation. Metres and radians; world frame z up.
/// </summary>
public sealed class WheeledAgent : Agent
{
    /// <summary>Creates a wheeled agent.</summary>
    /// <param name="footprint">Outline seen from above.</param>
    /// <param name="groundClearance">Height above the ground below which voxels are not obstacles (m).</param>
    /// <param name="bodyHeight">Height above the ground up to which voxels are obstacles (m).</param>
    /// <param name="maxSlope">Steepest incline it drives up or down (radians).</param>
    /// <param name="maxStep">Highest step its wheels roll over (m); at least one voxel, since a voxelised ramp is a staircase of one-voxel steps.</param>
    /// <param name="inflationRadius">Distance (m) from obstacles over which cost decays.</param>
    /// <param name="costScaling">Decay rate of the inflation cost (1/m).</param>
    /// <param name="unknown">Policy for unknown space.</param>
    /// <exception cref="ArgumentException">A limit is negative or not finite, or the body height is not above the clearance.</exception>
    public WheeledAgent(Footprint footprint, float groundClearance = 0.05f, float bodyHeight = 0.5f, float maxSlope = 0.26f, float maxStep = 0.08f, float inflationRadius = 0.5f, float costScaling = 5f, UnknownPolicy unknown = UnknownPolicy.Report)
        : base(unknown)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        TraversabilityGrid.CheckFinite(groundClearance, nameof(groundClearance), positive: false);
        TraversabilityGrid.CheckFinite(bodyHeight, nameof(bodyHeight), positive: true);
        if (bodyHeight <= groundClearance)
        {
            throw new ArgumentOutOfRangeException(nameof(bodyHeight), bodyHeight, $"bodyHeight must exceed groundClearance ({Describe(groundClearance)}).");
        }

        TraversabilityGrid.CheckFinite(maxSlope, nameof(maxSlope), positive: false);
        TraversabilityGrid.CheckFinite(maxStep, nameof(maxStep), positive: false);
        TraversabilityGrid.CheckFinite(inflationRadius, nameof(inflationRadius), positive: false);
        TraversabilityGrid.CheckFinite(costScaling, nameof(costScaling), positive: false);
        Footprint = footprint;
        GroundClearance = groundClearance;
        BodyHeight = bodyHeight;
        MaxSlope = maxSlope;
        MaxStep = maxStep;
        InflationRadius = inflationRadius;
        CostScaling = costScaling;
    }

    /// <summary>The outline seen from above.</summary>
    public Footprint Footprint { get; }

    /// <summary>Ground clearance, metres.</summary>
    public float GroundClearance { get; }

    /// <summary>Body height, metres.</summary>
    public float BodyHeight { get; }

    /// <summary>Steepest slope, radians.</summary>
    public float MaxSlope { get; }

    /// <summary>Highest step, metres.</summary>
    public float MaxStep { get; }

    /// <summary>Inflation radius, metres.</summary>
    public float InflationRadius { get; }

    /// <summary>Inflation decay, 1/m.</summary>
    public float CostScaling { get; }

    /// <inheritdoc />
    public override float InscribedRadius => Footprint.InscribedRadius;

    /// <inheritdoc />
    public override TraversabilityGrid Traversability(OccupancyMap map, Aabb region)
    {
        ArgumentNullException.ThrowIfNull(map);
        // Ground: the surface under enough free space for the body; obstacles in the band make the column not standable.
        ElevationMap ground = ElevationMap.Build(map, region, BodyHeight - GroundClearance, UnknownAbove);
        float reach = MathF.Max((float)ground.Resolution, Footprint.InscribedRadius / 2);
        float[] steps = ground.StepHeights((float)ground.Resolution * 1.5f);
        (float[] slope, _) = ground.SlopeAndRoughness(reach);
        int w = ground.Width, h = ground.Height;
        var cost = new float[w * h];
        for (int i = 0; i < cost.Length; i++)
        {
            if (float.IsNaN(ground.Heights[i]))
            {
                cost[i] = UnknownCost;
                continue;
            }

            bool blocked = steps[i] > MaxStep + 1e-4f || (!float.IsNaN(slope[i]) && slope[i] > MaxSlope);
            cost[i] = blocked ? float.PositiveInfinity : 1;
        }

        // The body: no cell within the inscribed radius of an impassable one; then inflation cost by distance.
        Erode(cost, w, h, ground.Resolution, Footprint.InscribedRadius);
        var f = new float[cost.Length];
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = float.IsPositiveInfinity(cost[i]) ? 0 : ExactDistanceTransform.Far;
        }

        ExactDistanceTransform.Squared(f, w, h, 1);
        for (int i = 0; i < cost.Length; i++)
        {
            if (cost[i] == 1 && f[i] < ExactDistanceTransform.Far / 2)
            {
                double d = Math.Sqrt(f[i]) * ground.Resolution;
                if (d <= InflationRadius)
                {
                    cost[i] = 1 + (float)(4 * Math.Exp(-CostScaling * d));
                }
            }
        }

        return new TraversabilityGrid(ground.OriginX, ground.OriginY, w, h, ground.Resolution, cost);
    }
}
