// Fleet: four cars map the street through one local Orleans cluster. Each car integrates its own forward depth camera
// into its own map at 10 Hz for 6 s and, after every frame, pushes what its map changed (a delta) to the cluster, where
// region grains merge the four cars' evidence. The sample then reads the cluster's map back, compares it with the
// four maps merged in this process, prints the agreement, and writes the merged bird's-eye view.
// World frame: metres, z up (ROS REP-103); seconds.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Occupancy;
using Occupancy.Fleet;
using Occupancy.Imaging;
using Occupancy.Orleans;
using Occupancy.Simulation;
using Orleans;
using Orleans.Hosting;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string outputDir = args.Length > 0 ? args[0] : "fleet";
Directory.CreateDirectory(outputDir);

// 1. The cluster: one silo in this process on loopback; region grains keep their state in memory (a real fleet names a
// durable storage, Redis say, under FleetStorage.Name).
using IHost host = Host.CreateDefaultBuilder()
    .UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage(FleetStorage.Name))
    .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Error))
    .Build();
await host.StartAsync();
var client = new FleetMapClient(host.Services.GetRequiredService<IClusterClient>(), new FleetMapOptions { Resolution = StreetScene.Resolution });

// 2. The cars: each its own map, camera and delta recorder.
const int cars = 4, frames = 60;
var street = new StreetFleet(cars);
var maps = new OccupancyMap[cars];
var integrators = new DepthImageIntegrator[cars];
var recorders = new DeltaRecorder[cars];
for (int i = 0; i < cars; i++)
{
    maps[i] = new OccupancyMap(StreetScene.Resolution);
    integrators[i] = new DepthImageIntegrator(maps[i], StreetScene.MaxRange);
    recorders[i] = new DeltaRecorder(maps[i], $"car-{i}");
}

Console.WriteLine($"Occupancy Fleet: {cars} cars on the street, one forward depth camera each ({street.Camera.Width}x{street.Camera.Height}), 10 Hz for {frames / 10} s, {StreetScene.Resolution} m voxels");

// 3. The drive: every frame each car sees, integrates and pushes its delta; the four pushes run at once.
long sent = 0, bricks = 0, parts = 0;
var clock = Stopwatch.StartNew();
double pushSeconds = 0;
for (int frame = 0; frame < frames; frame++)
{
    double t = frame / 10.0;
    MapDelta?[] deltas = await Task.WhenAll(Enumerable.Range(0, cars).Select(i => Task.Run(() =>
    {
        float[] depth = new float[street.Camera.PixelCount];
        street.Render(i, t, depth);
        integrators[i].Integrate(depth, street.Camera, street.CameraPose(i, t));
        return recorders[i].TakeDelta();
    })));
    long pushStart = Stopwatch.GetTimestamp();
    PushReceipt[] receipts = await Task.WhenAll(deltas.OfType<MapDelta>().Select(d => client.PushAsync([d])));
    pushSeconds += Stopwatch.GetElapsedTime(pushStart).TotalSeconds;
    sent += receipts.Sum(r => r.Bytes);
    bricks += receipts.Sum(r => r.Bricks);
    parts += receipts.Sum(r => r.Regions);
}

Console.WriteLine($"  drive             {clock.Elapsed.TotalSeconds:F1} s; pushes {pushSeconds:F2} s in all: {parts} region calls, {bricks} bricks merged");
Console.WriteLine($"  sent              {sent / 1024.0 / cars / (frames / 10.0):F0} KiB a car a second ({sent / 1024.0 / 1024.0:F1} MiB in all, LZ4 bricks)");

// 4. The cluster's map against the four maps merged here.
var everything = new Aabb(new Vector3(-20, -30, -2), new Vector3(100, 30, 20));
OccupancyMap fleetMap = await client.AssembleAsync(everything);
var here = new EvidenceMap(StreetScene.Resolution);
foreach (OccupancyMap m in maps)
{
    here.Add(m);
}

OccupancyMap single = here.ToMap();
long known = 0, alike = 0;
foreach (VoxelInfo v in single.EnumerateVoxels())
{
    known++;
    alike += fleetMap.GetState(v.Key) == v.State ? 1 : 0;
}

foreach (VoxelInfo v in fleetMap.EnumerateVoxels())
{
    known += single.GetState(v.Key) == VoxelState.Unknown ? 1 : 0; // known to the cluster only: a disagreement
}

int ownKnown = maps.Max(KnownVoxels);
Console.WriteLine($"  merged map        {fleetMap.BrickCount} bricks, {known} voxels known (the best single car knows {ownKnown})");
string picture = Path.Combine(outputDir, "fleet-merged.png");
MapPicture.Render(fleetMap, new Aabb(new Vector3(0, -11, 0.3f), new Vector3(80, 11, 3)), $"The street mapped by {cars} cars through one Orleans cluster", scale: 3).Save(picture);
Console.WriteLine($"  picture           {picture}");
await host.StopAsync();
Console.WriteLine($"agreement {100.0 * alike / Math.Max(known, 1):F3}% with the single-process merge");

static int KnownVoxels(OccupancyMap map)
{
    int n = 0;
    foreach (VoxelInfo _ in map.EnumerateVoxels())
    {
        n++;
    }

    return n;
}
