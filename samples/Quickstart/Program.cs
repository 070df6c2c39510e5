// Quickstart: builds the occupancy map of the standard synthetic room from its 20 depth frames, prints what it
// built and how fast, and writes a top-down picture of the map. World frame: metres, z up.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;
using Occupancy;
using Occupancy.Imaging;
using Occupancy.Simulation;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string output = args.Length > 0 ? args[0] : "quickstart-map.png";

// 1. The world and the sensor: the standard room, a 640x480 depth camera at 20 poses.
Scene room = StandardRoom.CreateScene();
var intrinsics = StandardRoom.Intrinsics;
float[][] frames = StandardRoom.RenderAllDepth(room);

// 2. The map: 5 cm voxels, OctoMap's sensor model; depth frames integrated projectively.
var map = new OccupancyMap(StandardRoom.Resolution);
var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
long points = 0, noReturn = 0;
var perFrame = new double[frames.Length];
for (int i = 0; i < frames.Length; i++)
{
    long start = Stopwatch.GetTimestamp();
    IntegrationStats stats = integrator.Integrate(frames[i], intrinsics, StandardRoom.CameraPose(i));
    perFrame[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    points += stats.Measurements - stats.NoReturn;
    noReturn += stats.NoReturn;
}

// 3. What the map knows.
VoxelCounts counts = map.CountVoxels();
Array.Sort(perFrame);
Console.WriteLine($"Occupancy Quickstart: the standard room ({StandardRoom.Size} m x {StandardRoom.Size} m x {StandardRoom.Height} m, {StandardRoom.BoxCount} boxes)");
Console.WriteLine($"  frames            {frames.Length} x {intrinsics.Width}x{intrinsics.Height} depth");
Console.WriteLine($"  kernels           {Kernels.Describe()}");
Console.WriteLine($"  points            {points:N0} returns, {noReturn:N0} pixels with no return");
Console.WriteLine($"  voxels            {counts.Known:N0} known = {counts.Free:N0} free + {counts.Occupied:N0} occupied ({map.Resolution} m)");
Console.WriteLine($"  time per frame    {perFrame[perFrame.Length / 2]:F2} ms median, {perFrame[0]:F2} ms best, {perFrame[^1]:F2} ms worst (first frame includes JIT and brick allocation)");
Console.WriteLine($"  memory            {map.MemoryBytes / (1024.0 * 1024.0):F1} MiB in {map.BrickCount:N0} bricks");

// A query: what does a ray from the room centre towards +x hit?
RayCastResult ray = map.CastRay(new Vector3(0, 0, 1.2f), Vector3.UnitX, 5f, UnknownPolicy.TreatAsFree);
Console.WriteLine($"  ray +x from (0, 0, 1.2) {ray.Outcome} at {ray.Distance:F2} m, voxel {ray.Key}");

// 4. A top-down picture: obstacles between 0.1 m and 2.9 m high, free floor, unknown.
TopDownView view = TopDownView.Render(map, new Aabb(new Vector3(-5.2f, -5.2f, 0.1f), new Vector3(5.2f, 5.2f, 2.9f)));
// Three pixels per voxel column, without smoothing, so single voxels stay visible.
PngImages.SaveColor(output, view.Width, view.Height, view.Rgb.Span, scale: 3);

Console.WriteLine($"  top-down view     {Path.GetFullPath(output)} ({view.Width * 3}x{view.Height * 3} px, 3 px per 5 cm column)");
