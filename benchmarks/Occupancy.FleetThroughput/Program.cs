// Fleet throughput on loopback: eight agents' recorded deltas (the street, 320x240 forward depth at 10 Hz) pushed to
// clusters of 1, 2 and 3 silos (TestingHost, TCP on 127.0.0.1, all silos in this process on this machine's cores),
// each agent pushing its deltas in order, the eight at once; deltas of each frame (1 or 10 a call) and deltas taken once
// a second. Reports agent frames, region calls and bricks merged a second,
// with grain state in memory and, where redis-server is installed, in Redis; beside them the same deltas applied in
// one process without Orleans. Shows the overhead of the cluster, not how it scales (the silos share two cores here).
//   dotnet run -c Release --project benchmarks/Occupancy.FleetThroughput -- [frames=30] [batch=1,10] [region shift=3]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Occupancy;
using Occupancy.Fleet;
using Occupancy.Orleans;
using Occupancy.Simulation;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using StackExchange.Redis;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int frames = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
int[] batches = args.Length > 1 ? args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [1, 10];
int shift = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : new FleetMapOptions { Resolution = StreetScene.Resolution }.RegionShift;
const int agents = 8;

// Deltas, recorded once per run of a cluster (each run needs agents the cluster has not seen).
var fleet = new StreetFleet(agents);
int runs = 0;
// An agent takes its delta every `every` frames: 1 sends each frame's changes, 10 one second's (each brick once).
List<MapDelta>[] Record(string prefix, int every = 1)
{
    var lists = new List<MapDelta>[agents];
    Parallel.For(0, agents, i =>
    {
        var map = new OccupancyMap(StreetScene.Resolution);
        var integrator = new DepthImageIntegrator(map, StreetScene.MaxRange);
        var recorder = new DeltaRecorder(map, $"{prefix}-{i}");
        float[] depth = new float[fleet.Camera.PixelCount];
        lists[i] = [];
        for (int f = 0; f < frames; f++)
        {
            fleet.Render(i, f / 10.0, depth);
            integrator.Integrate(depth, fleet.Camera, fleet.CameraPose(i, f / 10.0));
            if (((f + 1) % every == 0 || f == frames - 1) && recorder.TakeDelta() is MapDelta d)
            {
                lists[i].Add(d);
            }
        }
    });
    return lists;
}

List<MapDelta>[] sample = Record("probe");
int deltaCount = sample.Sum(l => l.Count), brickCount = sample.Sum(l => l.Sum(d => d.BrickCount));
long bytes = sample.Sum(l => l.Sum(d => (long)d.ToBytes().Length));
Console.WriteLine($"# Fleet throughput, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, regions of {1 << shift}^3 bricks");
Console.WriteLine();
Console.WriteLine($"{agents} agents x {frames} frames: {deltaCount} deltas, {brickCount} bricks ({(double)brickCount / deltaCount:F0} a delta), {bytes / 1024.0 / 1024.0:F1} MiB encoded ({bytes / 1024.0 / deltaCount:F1} KiB a delta, {bytes / (double)brickCount:F0} B a brick, {bytes / 1024.0 / agents / (frames / 10.0):F0} KiB an agent a second).");
{
    List<MapDelta>[] seconds = Record("probe-seconds", every: 10);
    int n = seconds.Sum(l => l.Count), b = seconds.Sum(l => l.Sum(d => d.BrickCount));
    long encoded = seconds.Sum(l => l.Sum(d => (long)d.ToBytes().Length));
    Console.WriteLine($"The same frames with a delta taken every 10 frames (one second): {n} deltas, {b} bricks ({(double)b / n:F0} a delta), {encoded / 1024.0 / 1024.0:F1} MiB encoded ({encoded / 1024.0 / agents / (frames / 10.0):F0} KiB an agent a second).");
}

Console.WriteLine();

// In one process, without Orleans: the regions' ledgers applying the same parts, each step timed.
{
    var ledgers = new Dictionary<long, DeltaLedger>();
    long split = 0, encode = 0, decode = 0, apply = 0, persist = 0;
    int parts = 0;
    var clock = Stopwatch.StartNew();
    foreach (List<MapDelta> list in sample)
    {
        foreach (MapDelta d in list)
        {
            long t0 = Stopwatch.GetTimestamp();
            IReadOnlyDictionary<long, MapDelta> byRegion = d.Partition(b => FleetRegions.KeyOf(b.X >> shift, b.Y >> shift, b.Z >> shift));
            split += Stopwatch.GetTimestamp() - t0;
            foreach ((long region, MapDelta part) in byRegion)
            {
                if (!ledgers.TryGetValue(region, out DeltaLedger? l))
                {
                    ledgers.Add(region, l = new DeltaLedger(StreetScene.Resolution));
                }

                long t1 = Stopwatch.GetTimestamp();
                byte[] wire = part.ToBytes();
                long t2 = Stopwatch.GetTimestamp();
                MapDelta back = MapDelta.Parse(wire);
                long t3 = Stopwatch.GetTimestamp();
                l.Apply(back);
                long t4 = Stopwatch.GetTimestamp();
                _ = l.ToBytes(); // what a region grain writes to its storage before it acknowledges
                long t5 = Stopwatch.GetTimestamp();
                encode += t2 - t1;
                decode += t3 - t2;
                apply += t4 - t3;
                persist += t5 - t4;
                parts++;
            }
        }
    }

    double s = clock.Elapsed.TotalSeconds;
    double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / deltaCount;
    Console.WriteLine($"In one process, without Orleans (one thread): {deltaCount / s:F0} deltas/s, {parts / s:F0} region parts/s, {brickCount / s / 1000:F0}k bricks/s; a delta's {Ms(split + encode + decode + apply + persist):F2} ms: split {Ms(split):F2}, encode {Ms(encode):F2}, decode {Ms(decode):F2}, apply {Ms(apply):F2}, region state encoded {Ms(persist):F2}.");
    Console.WriteLine();
}

var regionKeys = new HashSet<long>();
foreach (List<MapDelta> list in sample)
{
    foreach (MapDelta d in list)
    {
        foreach (BrickKey b in d.Bricks)
        {
            regionKeys.Add(FleetRegions.KeyOf(b.X >> shift, b.Y >> shift, b.Z >> shift));
        }
    }
}

Console.WriteLine("| storage | silos | frames a delta | deltas a call | agent frames/s | region calls/s | bricks merged/s | MB/s sent | retries |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
var stateNotes = new List<string>();
using RedisProcess? redis = RedisProcess.TryStart();
foreach (string storage in redis is null ? new[] { "memory" } : new[] { "memory", "redis" })
{
    foreach (short silos in new short[] { 1, 2, 3 })
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Options.ConfigureFileLogging = false; // no logs/ folder of silo logs in the working directory
        if (storage == "redis")
        {
            builder.Properties["OccupancyRedisPort"] = redis!.Port.ToString(CultureInfo.InvariantCulture);
        }

        builder.AddSiloBuilderConfigurator<Silo>();
        TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var client = new FleetMapClient(cluster.Client, new FleetMapOptions { Resolution = StreetScene.Resolution, RegionShift = shift });
            await Push(client, Record($"warm{runs++}"), 1); // activations, connections, JIT
            foreach ((int every, int batch) in batches.Select(b => (1, b)).Append((10, 1)))
            {
                List<MapDelta>[] deltas = Record($"run{runs++}", every);
                var clock = Stopwatch.StartNew();
                PushReceipt[] receipts = await Push(client, deltas, batch);
                double s = clock.Elapsed.TotalSeconds;
                Console.WriteLine($"| {storage} | {silos} | {every} | {batch} | {agents * frames / s:F0} | {receipts.Sum(r => r.Regions) / s:F0} | {receipts.Sum(r => r.Bricks) / s / 1000:F1}k | {receipts.Sum(r => r.Bytes) / s / 1e6:F1} | {receipts.Sum(r => r.Retries)} |");
            }

            if (silos == 1 && storage == "memory")
            {
                RegionStatus[] states = await Task.WhenAll(regionKeys.Select(k => cluster.Client.GetGrain<IMapRegionGrain>(k).GetStatusAsync()));
                stateNotes.Add($"{states.Length} regions after {runs - 1} runs of {agents} agents: {states.Average(x => x.Bricks):F0} bricks a region (most {states.Max(x => x.Bricks)}), state {states.Average(x => x.StateBytes) / 1024.0:F0} KiB a region (most {states.Max(x => x.StateBytes) / 1024.0:F0} KiB), written whole at each merge call.");
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}

Console.WriteLine();
stateNotes.ForEach(Console.WriteLine);

// Each agent pushes its deltas in order, batch by batch; the agents at once.
static async Task<PushReceipt[]> Push(FleetMapClient client, List<MapDelta>[] deltas, int batch)
{
    var all = new List<PushReceipt>();
    PushReceipt[][] perAgent = await Task.WhenAll(deltas.Select(async list =>
    {
        var receipts = new List<PushReceipt>();
        for (int i = 0; i < list.Count; i += batch)
        {
            receipts.Add(await client.PushAsync(list.GetRange(i, Math.Min(batch, list.Count - i))));
        }

        return receipts.ToArray();
    }));
    return perAgent.SelectMany(r => r).ToArray();
}

internal sealed class Silo : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        string? port = siloBuilder.Configuration["OccupancyRedisPort"];
        if (string.IsNullOrEmpty(port))
        {
            siloBuilder.AddMemoryGrainStorage(FleetStorage.Name);
        }
        else
        {
            siloBuilder.AddRedisGrainStorage(FleetStorage.Name, o => o.ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{port}"));
        }
    }
}

/// <summary>redis-server on a free loopback port, persistence off; null when it is not installed.</summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly Process _process;

    private RedisProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static RedisProcess? TryStart()
    {
        string exe = "/usr/bin/redis-server";
        if (!System.IO.File.Exists(exe))
        {
            Console.Error.WriteLine("redis-server not found: the Redis rows are skipped (apt-get install redis-server).");
            return null;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(a);
        }

        Process p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        for (int i = 0; i < 500; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return new RedisProcess(p, port);
            }
            catch (SocketException)
            {
                System.Threading.Thread.Sleep(10);
            }
        }

        p.Kill();
        throw new InvalidOperationException("redis-server did not start.");
    }

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
