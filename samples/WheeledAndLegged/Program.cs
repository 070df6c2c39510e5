// WheeledAndLegged: one map of the terrain course, built from a simulated depth camera, serves two agents. A wheeled
// base goes round by the ramp, a legged robot takes the stairs. Prints each path's length and cost and writes two
// pictures: the wheeled agent's costmap with its path, the elevation map with the legged agent's path.
// World frame: metres, z up.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using Occupancy;
using Occupancy.Imaging;
using Occupancy.Navigation;
using Occupancy.Simulation;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string outputDirectory = args.Length > 0 ? args[0] : ".";
Directory.CreateDirectory(outputDirectory);

// 1. Sense: render the course from every camera pose and integrate the depth images into one map.
Scene course = TerrainCourse.CreateScene();
var map = new OccupancyMap(TerrainCourse.Resolution);
var integrator = new DepthImageIntegrator(map, TerrainCourse.MaxRange);
var depth = new float[TerrainCourse.Intrinsics.PixelCount];
IReadOnlyList<Pose3> poses = TerrainCourse.CameraPoses();
foreach (Pose3 pose in poses)
{
    DepthRenderer.Render(course, TerrainCourse.Intrinsics, pose, depth);
    integrator.Integrate(depth, TerrainCourse.Intrinsics, pose);
}

Console.WriteLine($"Terrain course mapped from {poses.Count} depth frames: {map.CountVoxels().Known:N0} known voxels, {map.MemoryBytes / 1048576.0:F1} MiB");

// 2. Two agents, one interface.
var wheeled = new WheeledAgent { Footprint = Footprint.Circle(0.35f), GroundClearance = 0.05f, BodyHeight = 0.5f, MaxSlope = 0.3f, MaxStep = 0.08f, Unknown = UnknownPolicy.Report };
var legged = new LeggedAgent { BodyLength = 0.6f, BodyWidth = 0.4f, BodyHeight = 0.25f, LegClearance = 0.2f, MaxStep = 0.2f, Unknown = UnknownPolicy.Report };
var start = new Vector2(1f, 1.6f);
var goal = new Vector2(10f, 1.6f);
Aabb zone = TerrainCourse.StairsZone;
TraversabilityGrid wheeledGrid = wheeled.Traversability(map, zone);
TraversabilityGrid leggedGrid = legged.Traversability(map, zone);
PathResult wheeledPath = GridPlanner.FindPath(wheeledGrid, start, goal);
PathResult leggedPath = GridPlanner.FindPath(leggedGrid, start, goal);
Report("wheeled", wheeledPath);
Report("legged ", leggedPath);

// 3. Pictures: the wheeled agent's costmap (its traversal costs, measured from the local ground so that the ramp and
//    the platform are drivable) and the elevation map, each with its agent's path.
ElevationMap elevation = ElevationMap.Build(map, zone, clearance: 0.45f);
Save(Path.Combine(outputDirectory, "wheeled-costmap.png"), wheeledGrid.Width, wheeledGrid.Height, (x, y) =>
{
    float c = wheeledGrid[x, y];
    if (float.IsNaN(c))
    {
        return new Rgb(90, 110, 140); // unknown
    }

    if (float.IsPositiveInfinity(c))
    {
        return new Rgb(0, 0, 0); // impassable
    }

    byte shade = (byte)Math.Clamp(255 - ((c - 1) * 50), 60, 255); // 1 (white) to 5 (dark blue): inflation near obstacles
    return new Rgb(shade, shade, 255);
}, wheeledPath, wheeledGrid.OriginX, wheeledGrid.OriginY, wheeledGrid.Resolution);
Save(Path.Combine(outputDirectory, "legged-elevation.png"), elevation.Width, elevation.Height, (x, y) =>
{
    float h = elevation[x, y];
    if (float.IsNaN(h))
    {
        return new Rgb(90, 110, 140);
    }

    byte v = (byte)Math.Clamp(40 + (h / 0.7f * 215), 0, 255);
    return new Rgb(v, v, (byte)(v / 2));
}, leggedPath, elevation.OriginX, elevation.OriginY, elevation.Resolution);
return wheeledPath.Found && leggedPath.Found ? 0 : 1;

static void Report(string name, PathResult plan) =>
    Console.WriteLine(plan.Found
        ? $"  {name} path: {plan.Length:F2} m, cost {plan.Cost:F2}, {plan.Path.Count} cells"
        : $"  {name} path: none");

void Save(string file, int width, int height, Func<int, int, Rgb> colour, PathResult plan, int originX, int originY, double resolution)
{
    var rgb = new byte[3 * width * height];
    void Set(int x, int y, Rgb c)
    {
        int i = 3 * ((((height - 1 - y) * width)) + x); // north up
        (rgb[i], rgb[i + 1], rgb[i + 2]) = (c.R, c.G, c.B);
    }

    for (int y = 0; y < height; y++)
    {
        for (int x = 0; x < width; x++)
        {
            Set(x, y, colour(x, y));
        }
    }

    foreach (Vector2 p in plan.Path)
    {
        int x = (int)Math.Floor(p.X / resolution) - originX, y = (int)Math.Floor(p.Y / resolution) - originY;
        if ((uint)x < (uint)width && (uint)y < (uint)height)
        {
            Set(x, y, new Rgb(230, 30, 30));
        }
    }

    PngImages.SaveColor(file, width, height, rgb, scale: 3);
    Console.WriteLine($"  wrote {Path.GetFullPath(file)}");
}

/// <summary>One 8-bit RGB colour.</summary>
internal readonly record struct Rgb(byte R, byte G, byte B);
