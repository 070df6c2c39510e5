using System;
using System.IO;
using Occupancy.Cli;
using Occupancy.Files;
using Occupancy.Tests.Files;
using Xunit;

namespace Occupancy.Tests.Cli;

/// <summary>The occupancy tool's verbs end to end on liboctomap's files, and its exit codes.</summary>
public sealed class CliTests
{
    [Fact]
    public void Convert_info_integrate_diff_and_render_work_end_to_end()
    {
        OctoMapTools.RequireTools();
        string folder = OctoMapFileTests.TemporaryFolder();
        string fixtures = OctoMapTools.Fixtures;
        string ot = Path.Combine(fixtures, "room-0.08.ot"), occ = Path.Combine(folder, "room.occ"), bt = Path.Combine(folder, "room.bt");

        (int code, string output, _) = Run("convert", ot, occ);
        Assert.Equal(0, code);
        Assert.Equal(0, Run("convert", occ, bt).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(fixtures, "room-0.08.bt")), File.ReadAllBytes(bt)); // OctoMap's own .bt

        (code, output, _) = Run("info", occ);
        Assert.Equal(0, code);
        VoxelCounts counts = OctoMapFile.Load(ot).CountVoxels();
        Assert.Contains("resolution  0.08 m", output, StringComparison.Ordinal);
        Assert.Contains($"voxels      {counts.Known} known: {counts.Free} free, {counts.Occupied} occupied", output, StringComparison.Ordinal);

        // integrate a scan graph and compare it with graph2tree's tree of the same graph.
        string graph = Path.Combine(fixtures, "scans.graph"), ours = Path.Combine(folder, "graph.occ"), theirs = Path.Combine(folder, "g.bt");
        (code, output, _) = Run("integrate", graph, ours, "--resolution", "0.1", "--max-range", "3", "--mode", "exact");
        Assert.True(code == 0, output);
        Assert.Contains("integrated 4 scans, 72000 points", output, StringComparison.Ordinal);
        Assert.Equal(0, OctoMapTools.Run("/usr/bin/graph2tree", "-i", graph, "-o", theirs, "-res", "0.1", "-m", "3").Code);
        (code, output, _) = Run("diff", ours, theirs + ".ot");
        Assert.Equal(0, code);
        Assert.StartsWith("agreement   100.0000% of ", output, StringComparison.Ordinal);
        Assert.Contains("A occupied, B free      0", output, StringComparison.Ordinal);

        string png = Path.Combine(folder, "room.png");
        (code, output, _) = Run("render", occ, png, "--zmax", "2");
        Assert.Equal(0, code);
        Assert.True(new FileInfo(png).Length > 1000);

        string ply = Path.Combine(folder, "room.ply");
        Assert.Equal(0, Run("convert", occ, ply, "--cubes").Code);
        Assert.Equal(counts.Occupied * 8, PlyFile.LoadPoints(ply).Length);
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Exit_codes_are_2_for_usage_and_1_for_bad_input_with_one_line_on_stderr()
    {
        string folder = OctoMapFileTests.TemporaryFolder();
        Assert.Equal(2, Run().Code);
        Assert.Equal(2, Run("frobnicate").Code);
        Assert.Equal(2, Run("info").Code);
        Assert.Equal(2, Run("integrate", "a.graph", "b.occ", "--mode", "fast").Code);
        Assert.Equal(2, Run("integrate", "a.graph", "b.occ", "--resolution", "7").Code);
        Assert.Equal(2, Run("convert", "a.bt", "b.occ", "--bogus").Code);
        Assert.Equal(0, Run("--help").Code);
        string cloud = Path.Combine(folder, "cloud.xyz");
        File.WriteAllText(cloud, "1 0 0\n2 0.5 0\n");
        Assert.Equal(2, Run("integrate", cloud, Path.Combine(folder, "x.occ"), "--origin", "1e7,0,0").Code); // outside the map
        Assert.Equal(2, Run("integrate", cloud, Path.Combine(folder, "x.occ"), "--origin", "3e38,3e38,0").Code);
        Assert.Equal(2, Run("integrate", cloud, Path.Combine(folder, "x.occ"), "--color", "purple").Code);
        Assert.Equal(2, Run("integrate", cloud, Path.Combine(folder, "x.png")).Code);
        Assert.Equal(0, Run("integrate", cloud, Path.Combine(folder, "x.occ"), "--origin", "0,0,0.5").Code);

        (int code, _, string error) = Run("info", Path.Combine(folder, "missing.bt"));
        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("no such file", error, StringComparison.Ordinal);

        string broken = Path.Combine(folder, "broken.occ");
        File.WriteAllBytes(broken, [0x89, (byte)'O', (byte)'C', (byte)'C', 1, 2, 3]);
        (code, _, error) = Run("convert", broken, Path.Combine(folder, "out.bt"));
        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("Invalid .occ file at byte", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "out.bt")));

        var far = new OccupancyMap(0.1);
        far.UpdateVoxel(new VoxelKey(50000, 0, 0), true);
        string farPath = Path.Combine(folder, "far.occ");
        OccupancyFile.Save(far, farPath);
        (code, _, error) = Run("convert", farPath, Path.Combine(folder, "far.bt"));
        Assert.Equal(1, code);
        Assert.Contains("16-bit key range", error, StringComparison.Ordinal);
        Directory.Delete(folder, true);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
