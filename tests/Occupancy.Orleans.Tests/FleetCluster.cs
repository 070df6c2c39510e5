using System;
using System.Globalization;
using System.Threading.Tasks;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Occupancy.Orleans.Tests;

/// <summary>Test clusters on real loopback sockets: region grains with their state in Redis, or in memory.</summary>
internal static class FleetCluster
{
    private const string RedisPortKey = "OccupancyRedisPort";

    /// <summary>Every n-th write of the regions' state lands in storage and then fails (the acknowledgement lost), 0 for none.</summary>
    private const string LoseAckKey = "OccupancyLoseEveryNthAck";

    public static async Task<TestCluster> StartAsync(short silos, int? redisPort, int loseEveryNthAck = 0)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Options.ConfigureFileLogging = false; // no logs/ folder of silo logs in the working directory
        if (redisPort is int port)
        {
            builder.Properties[RedisPortKey] = port.ToString(CultureInfo.InvariantCulture);
        }

        if (loseEveryNthAck > 0)
        {
            builder.Properties[LoseAckKey] = loseEveryNthAck.ToString(CultureInfo.InvariantCulture);
        }

        builder.AddSiloBuilderConfigurator<Silo>();
        builder.AddClientBuilderConfigurator<Client>();
        TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A call to a silo that died fails after this, rather than Orleans' default 30 s, and is tried again.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

    private sealed class Client : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            // A dead silo is declared dead after two missed probes of one second (defaults: 3 of 5 s, 2 votes).
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            string? port = siloBuilder.Configuration[RedisPortKey];
            string? lose = siloBuilder.Configuration[LoseAckKey];
            if (!string.IsNullOrEmpty(lose))
            {
                // Memory storage behind a wrapper that fails after every n-th write has landed.
                int n = int.Parse(lose, CultureInfo.InvariantCulture);
                siloBuilder.AddMemoryGrainStorage("inner");
                siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(FleetStorage.Name, (services, _) => new LostAcknowledgements(services.GetRequiredKeyedService<IGrainStorage>("inner"), n));
            }
            else if (string.IsNullOrEmpty(port))
            {
                siloBuilder.AddMemoryGrainStorage(FleetStorage.Name);
            }
            else
            {
                siloBuilder.AddRedisGrainStorage(FleetStorage.Name, options => options.ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{port}"));
            }
        }
    }
}
