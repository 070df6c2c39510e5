using System;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// A wheeled base: a footprint, the ground clearance and body height between which voxels are obstacles (measured
/// from the local ground, so ramps and platforms work), the steepest slope and highest step it can drive, and Nav2-style
/// inflation. Metres and radians; world frame z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share; <c>Traversability</c> only reads the map and may run on several threads at once.</remarks>
public sealed class WheeledAgent : Agent
{
    /// <summary>The outline seen from above. Required.</summary>
    public required Footprint Footprint
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Footprint));
            field = value;
        }
    }

    /// <summary>Height above the ground below which voxels are not obstacles, metres (default 0.05).</summary>
    public float GroundClearance { get; init => field = Limit(value, nameof(GroundClearance), positive: false); } = 0.05f;

    /// <summary>Height above the ground up to which voxels are obstacles, metres; above <see cref="GroundClearance"/> (default 0.5).</summary>
    public float BodyHeight { get; init => field = Limit(value, nameof(BodyHeight), positive: true); } = 0.5f;

    /// <summary>Steepest incline it drives up or down, radians (default 0.26, about 15°).</summary>
    public float MaxSlope { get; init => field = Limit(value, nameof(MaxSlope), positive: false); } = 0.26f;

    /// <summary>Highest step its wheels roll over, metres; at least one voxel, since a voxelised ramp is a staircase of one-voxel steps (default 0.08).</summary>
    public float MaxStep { get; init => field = Limit(value, nameof(MaxStep), positive: false); } = 0.08f;

    /// <summary>Distance from obstacles over which cost decays, metres (default 0.5).</summary>
    public float InflationRadius { get; init => field = Limit(value, nameof(InflationRadius), positive: false); } = 0.5f;

    /// <summary>Decay rate of the inflation cost, 1/m (default 5).</summary>
    public float CostScaling { get; init => field = Limit(value, nameof(CostScaling), positive: false); } = 5f;

    /// <inheritdoc />
    public override float InscribedRadius => Footprint.InscribedRadius;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><see cref="BodyHeight"/> does not exceed <see cref="GroundClearance"/>.</exception>
    public override TraversabilityGrid Traversability(OccupancyMap map, Aabb region)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (BodyHeight <= GroundClearance)
        {
            throw new InvalidOperationException($"BodyHeight ({Describe(BodyHeight)} m) must exceed GroundClearance ({Describe(GroundClearance)} m).");
        }

        // Ground: the surface under enough free space for the body; obstacles in the band make the column not standable.
        ElevationMap ground = ElevationMap.Build(map, region, BodyHeight - GroundClearance, UnknownAbove);
        float reach = MathF.Max((float)ground.Resolution, Footprint.InscribedRadius / 2);
        float[] steps = ground.StepHeights((float)ground.Resolution * 1.5f);
        (float[] slope, _) = ground.SlopeAndRoughness(reach);
        int w = ground.Width, h = ground.Height;
        var cost = new float[w * h];
        for (int i = 0; i < cost.Length; i++)
        {
            if (TryCostWithoutSurface(ground.Heights[i], out cost[i]))
            {
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
