using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// OctoMap 1.9.7 as the independent side of the file tests: our helper built against Debian's liboctomap-dev
/// (benchmarks/octomap/octomap_files.cpp: writes fixtures, dumps what search answers) and Debian's octomap-tools
/// (edit_octree, convert_octree, bt2vrml, graph2tree). Where they are missing the tests skip, unless
/// OCCUPANCY_REQUIRE_PEERS=1 (CI sets it), where they fail.
/// </summary>
internal static class OctoMapTools
{
    private static readonly Lazy<string?> LazyHelper = new(BuildHelper);
    private static readonly Lazy<string?> LazyFixtures = new(WriteFixtures);

    /// <summary>The folder of liboctomap-written fixtures (NAME.bt, NAME.ot, scans.graph); skips or fails when unavailable.</summary>
    public static string Fixtures
    {
        get
        {
            Require(LazyFixtures.Value is not null, "liboctomap-dev and g++ are needed to write OctoMap's fixtures");
            return LazyFixtures.Value!;
        }
    }

    /// <summary>Skips the test (or fails it under OCCUPANCY_REQUIRE_PEERS=1) unless Debian's octomap-tools are installed.</summary>
    public static void RequireTools() => Require(File.Exists("/usr/bin/edit_octree") && File.Exists("/usr/bin/graph2tree"), "Debian's octomap-tools are needed");

    /// <summary>Runs a program; returns its exit code and output.</summary>
    public static (int Code, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    /// <summary>What liboctomap's search answers for every key of a tree's leaves' bounding box grown by one.</summary>
    public static SearchDump Dump(string treeFile)
    {
        string helper = LazyHelper.Value!;
        string output = Path.Combine(Path.GetTempPath(), $"octomap-dump-{Guid.NewGuid():N}.bin");
        try
        {
            (int code, string text) = Run(helper, "dump", treeFile, output);
            Assert.True(code == 0, $"octomap_files dump {treeFile} failed: {text}");
            byte[] bytes = File.ReadAllBytes(output);
            var ints = new int[6];
            Buffer.BlockCopy(bytes, 0, ints, 0, 24);
            var values = new float[(bytes.Length - 24) / 4];
            Buffer.BlockCopy(bytes, 24, values, 0, values.Length * 4);
            return new SearchDump(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], values);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>
    /// A scan graph inserted by liboctomap node by node (insertPointCloud with the node's pose, as graph2tree inserts),
    /// with or without its discretize, written lossless to <paramref name="treeFile"/> (.ot).
    /// </summary>
    public static void InsertGraph(string graph, string treeFile, double resolution, double maxRange, bool discretize)
    {
        string helper = LazyHelper.Value!;
        (int code, string text) = Run(helper, "insert", graph, treeFile, resolution.ToString(System.Globalization.CultureInfo.InvariantCulture), maxRange.ToString(System.Globalization.CultureInfo.InvariantCulture), discretize ? "1" : "0");
        Assert.True(code == 0, $"octomap_files insert {graph} failed: {text}");
    }

    private static void Require(bool available, string what)
    {
        if (available)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("OCCUPANCY_REQUIRE_PEERS") == "1")
        {
            Assert.Fail(what + " (OCCUPANCY_REQUIRE_PEERS=1): apt-get install liboctomap-dev octomap-tools g++");
        }

        Assert.Skip(what + ": apt-get install liboctomap-dev octomap-tools g++");
    }

    private static string? BuildHelper()
    {
        string source = Path.Combine(TestData.RepositoryRoot(), "benchmarks", "octomap", "octomap_files.cpp");
        if (!File.Exists("/usr/include/octomap/octomap.h") || !File.Exists("/usr/bin/g++"))
        {
            return null;
        }

        string output = Path.Combine(AppContext.BaseDirectory, "octomap", "octomap_files");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        if (!File.Exists(output) || File.GetLastWriteTimeUtc(output) < File.GetLastWriteTimeUtc(source))
        {
            (int code, string text) = Run("/usr/bin/g++", "-O2", "-std=c++17", source, "-loctomap", "-loctomath", "-o", output);
            Assert.True(code == 0, "building octomap_files failed: " + text);
        }

        return output;
    }

    private static string? WriteFixtures()
    {
        string? helper = LazyHelper.Value;
        if (helper is null)
        {
            return null;
        }

        // Written once per build of the helper: a marker written last says the folder is complete.
        string folder = Path.Combine(AppContext.BaseDirectory, "octomap", "fixtures");
        string marker = Path.Combine(folder, "complete");
        if (File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(helper))
        {
            return folder;
        }

        Directory.CreateDirectory(folder);
        (int code, string text) = Run(helper, "fixtures", folder);
        Assert.True(code == 0, "octomap_files fixtures failed: " + text);
        File.WriteAllText(marker, "written by octomap_files fixtures\n");
        return folder;
    }
}

/// <summary>liboctomap's search answers over a box of OctoMap keys (inclusive), x fastest; NaN where it found no node.</summary>
internal sealed record SearchDump(int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ, float[] Values)
{
    /// <summary>Asserts that a map holds exactly these voxels with bit-identical log-odds, and no other known voxel.</summary>
    public void AssertMatches(OccupancyMap map, string what)
    {
        long known = 0, i = 0, mismatches = 0;
        string first = string.Empty;
        for (int z = MinZ; z <= MaxZ; z++)
        {
            for (int y = MinY; y <= MaxY; y++)
            {
                for (int x = MinX; x <= MaxX; x++, i++)
                {
                    float theirs = Values[i];
                    var key = new VoxelKey(x - 32768, y - 32768, z - 32768);
                    float ours = map.GetLogOdds(key);
                    known += float.IsNaN(theirs) ? 0 : 1;
                    if (BitConverter.SingleToInt32Bits(theirs) != BitConverter.SingleToInt32Bits(ours) && !(float.IsNaN(theirs) && float.IsNaN(ours)))
                    {
                        if (mismatches++ == 0)
                        {
                            first = $"{key}: OctoMap {theirs}, ours {ours}";
                        }
                    }
                }
            }
        }

        Assert.True(mismatches == 0, $"{what}: {mismatches} voxels differ from OctoMap's search, first {first}");
        Assert.Equal(known, map.CountVoxels().Known);
    }
}
