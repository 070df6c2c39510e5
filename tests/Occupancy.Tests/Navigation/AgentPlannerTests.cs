using System;
using System.Linq;
using System.Numerics;
using Occupancy.Navigation;
using Xunit;

namespace Occupancy.Tests.Navigation;

/// <summary>
/// The agents and the planner on voxel terrains built column by column (every voxel observed), so that each check
/// tests the agents' rules and not the sensing: stairs against a ramp, a 25 cm step, a doorway, an overhang.
/// </summary>
public class AgentPlannerTests
{
    private const double Res = 0.05;
    private static readonly Aabb Region = new(new Vector3(0, 0, -0.2f), new Vector3(6, 4, 2.5f));

    /// <summary>Fills the region's columns: solid up to the ground height, free above, with an optional overhang band.</summary>
    private static OccupancyMap Terrain(Func<float, float, float> ground, Func<float, float, (float Bottom, float Top)?>? overhang = null)
    {
        var map = new OccupancyMap(Res);
        for (int x = 0; x < 120; x++)
        {
            for (int y = 0; y < 80; y++)
            {
                float cx = (float)((x + 0.5) * Res), cy = (float)((y + 0.5) * Res);
                float h = ground(cx, cy);
                (float Bottom, float Top)? band = overhang?.Invoke(cx, cy);
                for (int z = -4; z < 50; z++)
                {
                    float cz = (float)((z + 0.5) * Res);
                    bool solid = cz < h || (band is { } b && cz > b.Bottom && cz < b.Top);
                    map.UpdateVoxel(new VoxelKey(x, y, z), solid);
                }
            }
        }

        return map;
    }

    private static readonly LeggedAgent Legged = new() { BodyLength = 0.6f, BodyWidth = 0.4f, BodyHeight = 0.25f, LegClearance = 0.2f, MaxStep = 0.2f, Unknown = UnknownPolicy.Report };
    private static readonly WheeledAgent Wheeled = new() { Footprint = Footprint.Circle(0.3f), GroundClearance = 0.05f, BodyHeight = 0.5f, MaxSlope = 0.3f, MaxStep = 0.08f, Unknown = UnknownPolicy.Report };

    [Fact]
    public void The_wheeled_agent_goes_round_by_the_ramp_and_the_legged_agent_takes_the_stairs()
    {
        // A platform 0.60 m high for x >= 4; stairs of four 0.15 m risers and 0.30 m treads at y in [1.2, 2.4];
        // a 10 degree ramp at y in [3.0, 4.0] from x = 0.6 to 4.0; everywhere else the platform edge is a cliff.
        float tan10 = MathF.Tan(10 * MathF.PI / 180);
        OccupancyMap map = Terrain((x, y) =>
        {
            if (x >= 4)
            {
                return 0.6f;
            }

            if (y is >= 1.2f and <= 2.4f && x >= 2.8f)
            {
                return 0.15f * (1 + (int)((x - 2.8f) / 0.3f));
            }

            if (y >= 3.0f && x >= 0.6f)
            {
                return MathF.Min(0.6f, (x - 0.6f) * tan10);
            }

            return 0f;
        });

        var start = new Vector2(0.4f, 0.6f);
        var goal = new Vector2(5.0f, 1.8f);
        PathResult legged = GridPlanner.FindPath(Legged.Traversability(map, Region), start, goal);
        PathResult wheeled = GridPlanner.FindPath(Wheeled.Traversability(map, Region), start, goal);
        Assert.True(legged.Found);
        Assert.True(wheeled.Found);
        // Where each path climbs (x from 2.9 to 3.9): the legged one on the stairs, the wheeled one on the ramp.
        Assert.All(legged.Path.Where(p => p.X is > 2.9f and < 3.9f), p => Assert.InRange(p.Y, 1.2f, 2.4f));
        Assert.All(wheeled.Path.Where(p => p.X is > 2.9f and < 3.9f), p => Assert.True(p.Y >= 3.0f, $"wheeled path at {p}"));
        Assert.True(wheeled.Length > legged.Length + 1f, $"wheeled {wheeled.Length} m, legged {legged.Length} m");
        Assert.True(Legged.IsPathClear(Legged.Traversability(map, Region), legged.Path.ToArray()));
    }

    [Fact]
    public void A_25_cm_step_stops_both_agents()
    {
        OccupancyMap map = Terrain((x, y) => x >= 3 ? 0.25f : 0f);
        var start = new Vector2(1f, 2f);
        var goal = new Vector2(5f, 2f);
        Assert.False(GridPlanner.FindPath(Legged.Traversability(map, Region), start, goal).Found);
        Assert.False(GridPlanner.FindPath(Wheeled.Traversability(map, Region), start, goal).Found);
        // A 15 cm step is fine for the legged agent only.
        OccupancyMap lower = Terrain((x, y) => x >= 3 ? 0.15f : 0f);
        Assert.True(GridPlanner.FindPath(Legged.Traversability(lower, Region), start, goal).Found);
        Assert.False(GridPlanner.FindPath(Wheeled.Traversability(lower, Region), start, goal).Found);
    }

    [Fact]
    public void Steps_up_and_down_have_their_own_limits()
    {
        // A 0.18 m drop for x >= 3: a robot that climbs 0.20 m but only drops 0.10 m can go up it but not down it.
        OccupancyMap map = Terrain((x, y) => x >= 3 ? 0f : 0.18f);
        var careful = new LeggedAgent { BodyLength = 0.6f, BodyWidth = 0.4f, BodyHeight = 0.25f, LegClearance = 0.2f, MaxStep = 0.2f, MaxStepDown = 0.1f, Unknown = UnknownPolicy.Report };
        TraversabilityGrid grid = careful.Traversability(map, Region);
        Assert.False(GridPlanner.FindPath(grid, new Vector2(1f, 2f), new Vector2(5f, 2f)).Found); // down the drop
        Assert.True(GridPlanner.FindPath(grid, new Vector2(5f, 2f), new Vector2(1f, 2f)).Found); // up the same step
        Assert.True(GridPlanner.FindPath(Legged.Traversability(map, Region), new Vector2(1f, 2f), new Vector2(5f, 2f)).Found);
        Assert.Equal("MaxStepDown", Assert.Throws<ArgumentOutOfRangeException>(() => new LeggedAgent { MaxStepDown = float.NaN, Unknown = UnknownPolicy.Report }).ParamName);
    }

    [Fact]
    public void A_doorway_narrower_than_the_wheeled_footprint_stops_the_wheeled_agent_only()
    {
        // A 2 m wall at x in [2.9, 3.1] with a 0.6 m door at y in [1.7, 2.3]: room for the legged body (0.4 m), not for the wheeled one (0.6 m).
        OccupancyMap map = Terrain((x, y) => x is > 2.9f and < 3.1f && y is < 1.7f or > 2.3f ? 2f : 0f);
        var start = new Vector2(1f, 2f);
        var goal = new Vector2(5f, 2f);
        PathResult legged = GridPlanner.FindPath(Legged.Traversability(map, Region), start, goal);
        Assert.True(legged.Found);
        Assert.Contains(legged.Path, p => p.X is > 2.9f and < 3.1f && p.Y is > 1.7f and < 2.3f);
        Assert.False(GridPlanner.FindPath(Wheeled.Traversability(map, Region), start, goal).Found);
        var narrow = new WheeledAgent { Footprint = Footprint.Circle(0.15f), MaxSlope = 0.3f, Unknown = UnknownPolicy.Report };
        Assert.True(GridPlanner.FindPath(narrow.Traversability(map, Region), start, goal).Found);
    }

    [Fact]
    public void The_legged_agent_walks_under_the_overhang_only_if_its_body_fits()
    {
        // A corridor (walls at y < 1.5 and y > 2.5) with a table top 0.10 m thick whose underside is 0.50 m up at x in [2.5, 3.5].
        OccupancyMap map = Terrain(
            (x, y) => y is < 1.5f or > 2.5f ? 2f : 0f,
            (x, y) => x is > 2.5f and < 3.5f ? (0.5f, 0.6f) : null);
        var start = new Vector2(1f, 2f);
        var goal = new Vector2(5f, 2f);
        var tall = new LeggedAgent { BodyLength = 0.6f, BodyWidth = 0.4f, BodyHeight = 0.45f, LegClearance = 0.2f, MaxStep = 0.2f, Unknown = UnknownPolicy.Report };
        Assert.True(GridPlanner.FindPath(Legged.Traversability(map, Region), start, goal).Found); // 0.20 + 0.25 m fits under 0.50 m
        Assert.False(GridPlanner.FindPath(tall.Traversability(map, Region), start, goal).Found); // 0.20 + 0.45 m does not
    }

    [Fact]
    public void Unknown_space_follows_each_agents_policy_and_bad_input_is_named()
    {
        var map = new OccupancyMap(Res); // nothing observed
        var region = new Aabb(Vector3.Zero, new Vector3(1, 1, 1));
        TraversabilityGrid reported = Legged.Traversability(map, region);
        Assert.True(float.IsNaN(reported[3, 3]));
        Assert.True(Legged.IsInCollision(reported, new Vector2(0.2f, 0.2f)));
        Assert.False(GridPlanner.FindPath(reported, new Vector2(0.1f), new Vector2(0.9f)).Found);
        var optimist = new LeggedAgent { Unknown = UnknownPolicy.TreatAsFree };
        Assert.True(GridPlanner.FindPath(optimist.Traversability(map, region), new Vector2(0.1f), new Vector2(0.9f)).Found);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => GridPlanner.FindPath(reported, new Vector2(-1f), new Vector2(0.5f))).ParamName);
        Assert.Equal("goal", Assert.Throws<ArgumentOutOfRangeException>(() => GridPlanner.FindPath(reported, new Vector2(0.5f), new Vector2(float.NaN))).ParamName);
        Assert.Equal("MaxStep", Assert.Throws<ArgumentOutOfRangeException>(() => new LeggedAgent { MaxStep = -0.1f, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("BodyWidth", Assert.Throws<ArgumentOutOfRangeException>(() => new LeggedAgent { BodyWidth = 0, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Contains("BodyHeight", Assert.Throws<InvalidOperationException>(() => new WheeledAgent { Footprint = Footprint.Circle(0.3f), GroundClearance = 0.5f, BodyHeight = 0.4f, Unknown = UnknownPolicy.Report }.Traversability(new OccupancyMap(0.1), new Aabb(Vector3.Zero, Vector3.One))).Message, StringComparison.Ordinal);
        Assert.Equal("Footprint", Assert.Throws<ArgumentNullException>(() => new WheeledAgent { Footprint = null!, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("MaxSlope", Assert.Throws<ArgumentOutOfRangeException>(() => new WheeledAgent { Footprint = Footprint.Circle(0.3f), MaxSlope = float.NaN, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("Unknown", Assert.Throws<ArgumentOutOfRangeException>(() => new LeggedAgent { Unknown = (UnknownPolicy)5 }).ParamName);
    }
}
