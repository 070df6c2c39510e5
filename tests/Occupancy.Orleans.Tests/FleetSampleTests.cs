using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Occupancy.Orleans.Tests;

/// <summary>samples/Fleet as a user runs it: four cars through one local cluster, the merged map against the single-process merge.</summary>
public class FleetSampleTests
{
    [Fact]
    public void The_fleet_sample_agrees_with_the_single_process_merge_and_draws_the_map()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Occupancy.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Occupancy.sln not found above " + AppContext.BaseDirectory);
        }

        string sample = Path.Combine(root, "samples", "Fleet", "bin", "Release", "net10.0", "Fleet.dll");
        Assert.True(File.Exists(sample), $"{sample} is missing: build the solution in Release first (dotnet build -c Release)");
        string output = Path.Combine(Path.GetTempPath(), "occupancy-fleet-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(sample);
            start.ArgumentList.Add(output);
            using Process process = Process.Start(start)!;
            string stderr = string.Empty;
            process.ErrorDataReceived += (_, e) => stderr += e.Data + "\n";
            process.BeginErrorReadLine();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "the sample ran past two minutes");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{stdout}\n{stderr}");
            string[] lines = stdout.TrimEnd().Split('\n');
            Assert.Equal("agreement 100.000% with the single-process merge", lines[^1].TrimEnd());
            Assert.True(new FileInfo(Path.Combine(output, "fleet-merged.png")).Length > 1000);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
