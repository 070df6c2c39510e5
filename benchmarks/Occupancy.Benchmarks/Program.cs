using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Occupancy.Benchmarks;

/// <summary>
/// Entry point. Examples:
///   dotnet run -c Release --project benchmarks/Occupancy.Benchmarks -- --filter '*'            (short config, minutes)
///   dotnet run -c Release --project benchmarks/Occupancy.Benchmarks -- --filter '*Kernel*' --legs   (three hardware legs)
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        bool legs = Array.IndexOf(args, "--legs") >= 0;
        bool full = Array.IndexOf(args, "--full") >= 0;
        string[] rest = Array.FindAll(args, a => a is not "--legs" and not "--full");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, CreateConfig(legs, full));
    }

    /// <summary>
    /// The short configuration runs the whole suite in minutes; --full uses BenchmarkDotNet's default accuracy;
    /// --legs runs every benchmark on the three hardware legs (default, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0)
    /// and, in between, DOTNET_EnableAVX512=0 (the default leg uses AVX-512 where a kernel has a use for it).
    /// </summary>
    public static IConfig CreateConfig(bool legs, bool full)
    {
        Job baseJob = full ? Job.Default : Job.ShortRun.WithWarmupCount(2).WithIterationCount(5);
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddLogger(DefaultConfig.Instance.GetLoggers().ToArray())
            .AddExporter(DefaultConfig.Instance.GetExporters().ToArray())
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.JoinSummary);
        if (!legs)
        {
            return config.AddJob(baseJob.WithId("default"));
        }

        return config
            .AddJob(baseJob.WithId("default").AsBaseline())
            .AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX512", "0")).WithId("no-avx512"))
            .AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX2", "0")).WithId("no-avx2"))
            .AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableHWIntrinsic", "0")).WithId("no-hwintrinsic"));
    }
}
