using System;

namespace Occupancy.Navigation;

/// <summary>
/// A walking robot: a body box (length, width, height) carried at a clearance above the ground, the highest step it
/// climbs up or down, its foot radius, the steepest slope it walks, and the widest gap it steps over. It walks under an
/// overhang only when clearance plus body height fit below it. Metres and radians; world frame z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share; <c>Traversability</c> only reads the map and may run on several threads at once.</remarks>
public sealed class LeggedAgent : Agent
{
    /// <summary>Body length, metres (default 0.7).</summary>
    public float BodyLength { get; init => field = Limit(value, nameof(BodyLength), positive: true); } = 0.7f;

    /// <summary>Body width, metres (default 0.4).</summary>
    public float BodyWidth { get; init => field = Limit(value, nameof(BodyWidth), positive: true); } = 0.4f;

    /// <summary>Body height, metres (default 0.25).</summary>
    public float BodyHeight { get; init => field = Limit(value, nameof(BodyHeight), positive: true); } = 0.25f;

    /// <summary>Free height under the body, metres: the body rides this far above the ground (default 0.2).</summary>
    public float LegClearance { get; init => field = Limit(value, nameof(LegClearance), positive: false); } = 0.2f;

    /// <summary>Highest step up, metres (default 0.2).</summary>
    public float MaxStep { get; init => field = Limit(value, nameof(MaxStep), positive: false); } = 0.2f;

    /// <summary>Largest step down, metres; unless set, the same as <see cref="MaxStep"/>.</summary>
    public float MaxStepDown
    {
        get => _maxStepDown ?? MaxStep;
        init => _maxStepDown = Limit(value, nameof(MaxStepDown), positive: false);
    }

    private readonly float? _maxStepDown;

    /// <summary>Foot radius, metres: the neighbourhood over which step height is measured (default 0.05).</summary>
    public float FootRadius { get; init => field = Limit(value, nameof(FootRadius), positive: true); } = 0.05f;

    /// <summary>Steepest slope, radians (default 0.5, about 29°).</summary>
    public float MaxSlope { get; init => field = Limit(value, nameof(MaxSlope), positive: false); } = 0.5f;

    /// <summary>Widest gap it steps over, metres (default 0.25).</summary>
    public float MaxGap { get; init => field = Limit(value, nameof(MaxGap), positive: false); } = 0.25f;

    /// <inheritdoc />
    public override float InscribedRadius => BodyWidth / 2;

    /// <inheritdoc />
    public override TraversabilityGrid Traversability(OccupancyMap map, Aabb region)
    {
        ArgumentNullException.ThrowIfNull(map);
        ElevationMap ground = ElevationMap.Build(map, region, LegClearance + BodyHeight, UnknownAbove);
        // Over at least two voxels: a sensed vertical face smears over two columns, whose intermediate heights would
        // otherwise look like two small steps instead of one big one.
        float[] steps = ground.StepHeights(MathF.Max(FootRadius, 2 * (float)ground.Resolution));
        (float[] slope, float[] roughness) = ground.SlopeAndRoughness(MathF.Max(BodyWidth / 2, 2 * (float)ground.Resolution));
        int w = ground.Width, h = ground.Height;
        var cost = new float[w * h];
        for (int i = 0; i < cost.Length; i++)
        {
            if (TryCostWithoutSurface(ground.Heights[i], out cost[i]))
            {
                continue;
            }

            // Within a cell's foot neighbourhood either direction may be taken: the larger limit blocks the cell; moves
            // between cells then check up and down separately (TraversabilityGrid.IsMoveAllowed).
            // The slope rule is for continuous ground, where a plane fits (residuals within half a voxel); near a step edge
            // the fit is steep because of the step, which the step rule judges instead.
            bool planar = !float.IsNaN(roughness[i]) && roughness[i] <= 0.5f * ground.Resolution;
            bool blocked = steps[i] > MathF.Max(MaxStep, MaxStepDown) + 1e-4f || (planar && !float.IsNaN(slope[i]) && slope[i] > MaxSlope);
            // Steps and rough ground cost more than flat ground, but stay passable within the limits.
            cost[i] = blocked ? float.PositiveInfinity : 1 + (steps[i] / Math.Max(MaxStep, 1e-3f)) + (float.IsNaN(roughness[i]) ? 0 : roughness[i] * 10);
        }

        BridgeGaps(cost, ground);
        Erode(cost, w, h, ground.Resolution, BodyWidth / 2);
        return new TraversabilityGrid(ground.OriginX, ground.OriginY, w, h, ground.Resolution, cost, ground.Heights.ToArray(), MaxStep, MaxStepDown);
    }

    /// <summary>
    /// Runs of impassable or surface-less cells (a trench, a hole) no wider than <see cref="MaxGap"/> along x or y, with
    /// passable cells of similar height (within a step) on both sides, are stepped over: they become passable at a higher cost.
    /// </summary>
    private void BridgeGaps(float[] cost, ElevationMap ground)
    {
        int w = ground.Width, h = ground.Height;
        int span = (int)Math.Floor(MaxGap / ground.Resolution);
        if (span <= 0)
        {
            return;
        }

        var bridged = (float[])cost.Clone();
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (float.IsFinite(cost[(y * w) + x]))
                {
                    continue;
                }

                foreach ((int dx, int dy) in Axes)
                {
                    // Walk back and forward to the nearest passable cells; bridge if the run fits within the gap.
                    int back = 1, forward = 1;
                    while (back <= span && Blocked(cost, w, h, x - (back * dx), y - (back * dy)))
                    {
                        back++;
                    }

                    while (forward <= span && Blocked(cost, w, h, x + (forward * dx), y + (forward * dy)))
                    {
                        forward++;
                    }

                    int run = back + forward - 1;
                    if (run <= span)
                    {
                        float a = ground[x - (back * dx), y - (back * dy)], b = ground[x + (forward * dx), y + (forward * dy)];
                        if (!float.IsNaN(a) && !float.IsNaN(b) && MathF.Abs(a - b) <= MathF.Min(MaxStep, MaxStepDown) && IsHole(ground, x, y, dx, dy, back, forward, a, b))
                        {
                            bridged[(y * w) + x] = 3;
                        }
                    }
                }
            }
        }

        Array.Copy(bridged, cost, cost.Length);
    }

    private static readonly (int, int)[] Axes = [(1, 0), (0, 1)];

    /// <summary>
    /// True when the blocked run between the two sides is a hole: some cell of it has no surface or lies lower than
    /// both sides by more than a step down, and none rises above them by more than a step up (that would be a wall).
    /// </summary>
    private bool IsHole(ElevationMap ground, int x, int y, int dx, int dy, int back, int forward, float a, float b)
    {
        bool hole = false;
        for (int k = -back + 1; k < forward; k++)
        {
            float h = ground[x + (k * dx), y + (k * dy)];
            if (float.IsNaN(h) || h < MathF.Min(a, b) - MaxStepDown)
            {
                hole = true;
            }
            else if (h > MathF.Max(a, b) + MaxStep)
            {
                return false;
            }
        }

        return hole;
    }

    private static bool Blocked(float[] cost, int w, int h, int x, int y) =>
        (uint)x < (uint)w && (uint)y < (uint)h && !float.IsFinite(cost[(y * w) + x]);
}
