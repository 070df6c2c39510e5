using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Occupancy.Fleet;
using Occupancy.Simulation;
using Orleans.TestingHost;
using Xunit;

namespace Occupancy.Orleans.Tests;

/// <summary>
/// Eight agents on the street push deltas concurrently to three silos whose regions persist to Redis; one silo is
/// killed mid-run. The cluster's map must equal the in-process merge of the agents' maps bit for bit, with every
/// region part merged exactly once.
/// </summary>
public class FleetClusterTests(ITestOutputHelper output)
{
    private static readonly FleetMapOptions Options = new() { Resolution = StreetScene.Resolution };

    /// <summary>All the agents can see: the street and the building fronts up to their tops.</summary>
    internal static readonly Aabb Everything = new(new System.Numerics.Vector3(-20, -30, -2), new System.Numerics.Vector3(100, 30, 20));

    [Fact]
    public async Task Eight_agents_on_three_silos_lose_nothing_acknowledged_and_count_nothing_twice_when_a_silo_dies()
    {
        using RedisServer redis = RedisServer.Start();
        TestCluster cluster = await FleetCluster.StartAsync(3, redis.Port);
        try
        {
            var client = new FleetMapClient(cluster.Client, Options);
            var fleet = new StreetFleet(8);
            FleetAgent[] agents = Enumerable.Range(0, fleet.Count).Select(i => new FleetAgent(fleet, i)).ToArray();
            const int frames = 12, killAt = 6;
            var receipts = new List<PushReceipt>();
            var regions = new HashSet<long>();
            int regionsOnKilled = 0;
            Task? kill = null;
            var clock = Stopwatch.StartNew();
            for (int frame = 0; frame < frames; frame++)
            {
                // Each agent sees its frame and pushes its delta; the agents run at once.
                MapDelta?[] deltas = await Task.WhenAll(agents.Select(a => Task.Run(() => a.See(frame))));
                foreach (MapDelta? d in deltas)
                {
                    foreach (BrickKey b in d?.Bricks ?? [])
                    {
                        (int x, int y, int z) = FleetRegions.RegionOf(b, Options.RegionShift);
                        regions.Add(FleetRegions.KeyOf(x, y, z));
                    }
                }

                if (frame == killAt)
                {
                    // Kill the secondary silo that holds the most regions while this round's pushes are in flight.
                    var hosts = new Dictionary<string, int>();
                    foreach (long r in regions)
                    {
                        RegionStatus s = await cluster.Client.GetGrain<IMapRegionGrain>(r).GetStatusAsync();
                        hosts[s.Host!] = hosts.GetValueOrDefault(s.Host!) + 1;
                    }

                    SiloHandle victim = cluster.SecondarySilos.MaxBy(h => hosts.GetValueOrDefault(HostOf(hosts, h)))!;
                    regionsOnKilled = hosts.GetValueOrDefault(HostOf(hosts, victim));
                    output.WriteLine($"regions {regions.Count} on {hosts.Count} silos; killing {victim.SiloAddress} with {regionsOnKilled}");
                    kill = cluster.KillSiloAsync(victim);
                }

                PushReceipt[] pushed = await Task.WhenAll(deltas.Where(d => d is not null).Select(d => client.PushAsync([d!])));
                receipts.AddRange(pushed);
                output.WriteLine($"frame {frame}: {clock.Elapsed.TotalSeconds:F1} s, retries {pushed.Sum(p => p.Retries)}");
            }

            await kill!;
            Assert.True(regionsOnKilled > 0, "the killed silo held no region: the test would prove nothing");

            // The cluster's map against the in-process merge of every agent's final map.
            var expected = new EvidenceMap(StreetScene.Resolution);
            foreach (FleetAgent a in agents)
            {
                expected.Add(a.Map);
            }

            output.WriteLine($"run {clock.Elapsed.TotalSeconds:F1} s");
            EvidenceMap merged = await client.ReadEvidenceAsync(Everything);
            Assert.Equal(expected.BrickCount, merged.BrickCount);
            Assert.True(expected.ContentEquals(merged));
            Assert.Equal(expected.ToBytes(), merged.ToBytes());

            // Every part merged exactly once: what the regions counted equals the parts pushed.
            int parts = receipts.Sum(r => r.Regions);
            Assert.Equal(parts, receipts.Sum(r => r.Applied + r.Skipped));
            long counted = 0;
            foreach (long r in regions)
            {
                RegionStatus s = await cluster.Client.GetGrain<IMapRegionGrain>(r).GetStatusAsync();
                counted += s.DeltasApplied;
                Assert.Equal(agents.Count(a => a.Map.BrickCount > 0 && Touches(a, r)), s.Agents);
            }

            Assert.Equal(parts, counted);
            output.WriteLine($"{receipts.Count} pushes, {parts} region parts, {receipts.Sum(r => r.Retries)} retries, {receipts.Sum(r => r.Skipped)} skipped as seen, {merged.BrickCount} bricks, {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static string HostOf(Dictionary<string, int> hosts, SiloHandle silo) =>
        hosts.Keys.FirstOrDefault(h => h.Contains(silo.SiloAddress.Endpoint.ToString(), StringComparison.Ordinal)) ?? string.Empty;

    private static bool Touches(FleetAgent agent, long region)
    {
        (int rx, int ry, int rz) = FleetRegions.CoordinatesOf(region);
        int s = 3 + Options.RegionShift;
        foreach (VoxelInfo v in agent.Map.EnumerateVoxels())
        {
            if (v.Key.X >> s == rx && v.Key.Y >> s == ry && v.Key.Z >> s == rz)
            {
                return true;
            }
        }

        return false;
    }
}
