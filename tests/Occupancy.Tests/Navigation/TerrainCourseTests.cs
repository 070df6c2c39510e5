using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Occupancy.Navigation;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Navigation;

/// <summary>The planner checks on the terrain course, with the map built from a simulated depth camera (not ground truth).</summary>
public class TerrainCourseTests
{
    private static readonly Lazy<OccupancyMap> Course = new(() =>
    {
        Scene scene = TerrainCourse.CreateScene();
        var map = new OccupancyMap(TerrainCourse.Resolution);
        var integrator = new DepthImageIntegrator(map, TerrainCourse.MaxRange);
        var depth = new float[TerrainCourse.Intrinsics.PixelCount];
        foreach (Pose3 pose in TerrainCourse.CameraPoses())
        {
            DepthRenderer.Render(scene, TerrainCourse.Intrinsics, pose, depth);
            integrator.Integrate(depth, TerrainCourse.Intrinsics, pose);
        }

        return map;
    });

    internal static readonly LeggedAgent Legged = new() { BodyLength = 0.6f, BodyWidth = 0.4f, BodyHeight = 0.25f, LegClearance = 0.2f, MaxStep = 0.2f, Unknown = UnknownPolicy.Report };
    internal static readonly WheeledAgent Wheeled = new() { Footprint = Footprint.Circle(0.35f), GroundClearance = 0.05f, BodyHeight = 0.5f, MaxSlope = 0.3f, MaxStep = 0.08f, Unknown = UnknownPolicy.Report };

    [Fact]
    public void Wheeled_goes_round_by_the_ramp_and_legged_takes_the_stairs()
    {
        var start = new Vector2(1f, 1.6f);
        var goal = new Vector2(10f, 1.6f);
        PathResult legged = GridPlanner.FindPath(Legged.Traversability(Course.Value, TerrainCourse.StairsZone), start, goal);
        PathResult wheeled = GridPlanner.FindPath(Wheeled.Traversability(Course.Value, TerrainCourse.StairsZone), start, goal);
        Assert.True(legged.Found, "legged: no path");
        Assert.True(wheeled.Found, "wheeled: no path");
        Assert.All(legged.Path.Where(p => p.X is > 6.9f and < 7.9f), p => Assert.InRange(p.Y, 1.0f, 2.2f));
        Assert.All(wheeled.Path.Where(p => p.X is > 6.9f and < 7.9f), p => Assert.InRange(p.Y, 2.8f, 4.0f));
        Assert.True(wheeled.Length > legged.Length + 1f, $"wheeled {wheeled.Length} m, legged {legged.Length} m");
    }

    [Fact]
    public void The_25_cm_step_stops_both()
    {
        var start = new Vector2(0.5f, -2f);
        var goal = new Vector2(10f, -2f);
        Assert.False(GridPlanner.FindPath(Legged.Traversability(Course.Value, TerrainCourse.StepZone), start, goal).Found);
        Assert.False(GridPlanner.FindPath(Wheeled.Traversability(Course.Value, TerrainCourse.StepZone), start, goal).Found);
        // Short of the step, across the rough ground and the 20 cm gap, the legged agent gets through.
        Assert.True(GridPlanner.FindPath(Legged.Traversability(Course.Value, TerrainCourse.StepZone), start, new Vector2(6f, -2f)).Found);
    }

    [Fact]
    public void The_doorway_stops_the_wheeled_agent_only()
    {
        var start = new Vector2(3f, 5.5f);
        var goal = new Vector2(9f, 5.5f);
        Assert.True(GridPlanner.FindPath(Legged.Traversability(Course.Value, TerrainCourse.DoorwayZone), start, goal).Found);
        Assert.False(GridPlanner.FindPath(Wheeled.Traversability(Course.Value, TerrainCourse.DoorwayZone), start, goal).Found);
    }

    [Fact]
    public void The_legged_agent_walks_under_the_overhang_only_if_its_body_fits()
    {
        var start = new Vector2(3f, 8f);
        var goal = new Vector2(9f, 8f);
        var tall = new LeggedAgent { BodyLength = 0.6f, BodyWidth = 0.4f, BodyHeight = 0.45f, LegClearance = 0.2f, MaxStep = 0.2f, Unknown = UnknownPolicy.Report };
        Assert.True(GridPlanner.FindPath(Legged.Traversability(Course.Value, TerrainCourse.OverhangZone), start, goal).Found);
        Assert.False(GridPlanner.FindPath(tall.Traversability(Course.Value, TerrainCourse.OverhangZone), start, goal).Found);
    }

    [Fact]
    public void Elevation_and_step_height_on_the_stairs_are_within_one_voxel_of_the_truth()
    {
        ElevationMap elevation = ElevationMap.Build(Course.Value, TerrainCourse.StairsZone, clearance: 0.45f);
        float[] steps = elevation.StepHeights(0.06f);
        int checkedCells = 0;
        for (float x = 6.825f; x < 7.95f; x += 0.05f)
        {
            elevation.TryGetCell(new Vector3(x, 1.6f, 0), out int cx, out int cy);
            // Risers lie on voxel boundaries, so a column next to one may read the neighbouring tread: one voxel either way.
            float lower = TerrainCourse.GroundHeight + (0.15f * (1 + (int)((x - 0.05f - 6.8f) / 0.3f)));
            float upper = TerrainCourse.GroundHeight + (0.15f * (1 + (int)((x + 0.05f - 6.8f) / 0.3f)));
            float h = elevation[cx, cy];
            if (!float.IsNaN(h))
            {
                checkedCells++;
                Assert.InRange(h, lower - 0.05f, upper + 0.05f);
                Assert.InRange(steps[(cy * elevation.Width) + cx], 0f, 0.15f + 0.05f);
            }
        }

        Assert.True(checkedCells >= 18, $"only {checkedCells} stair cells known");
    }
}
