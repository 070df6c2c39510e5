using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Occupancy.Files;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// OctoMap's .bt and .ot against liboctomap 1.9.7 itself: files it writes load as its search answers them (pruned
/// nodes included, at 0.1, 0.08 and 0.05 m), files we write are what it writes for the same tree, and Debian's
/// octomap-tools read ours (edit_octree rewrites our .bt byte for byte).
/// </summary>
public sealed class OctoMapFileTests
{
    public static readonly TheoryData<string> Trees = new(
        "room-0.1.bt", "room-0.1.ot", "room-0.08.bt", "room-0.08.ot", "room-0.05.bt", "room-0.05.ot",
        "free-only-0.08.bt", "free-only-0.08.ot", "deep-pruning-0.1.bt", "deep-pruning-0.1.ot", "empty-0.1.bt", "empty-0.1.ot");

    [Theory]
    [MemberData(nameof(Trees))]
    public void Liboctomap_files_load_as_its_search_answers_them(string name)
    {
        string path = Path.Combine(OctoMapTools.Fixtures, name);
        OccupancyMap map = OctoMapFile.Load(path);
        double expected = double.Parse(Regex.Match(name, @"-(0\.\d+)\.").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(expected, map.Resolution);
        OctoMapTools.Dump(path).AssertMatches(map, name);
        if (!name.StartsWith("empty", StringComparison.Ordinal))
        {
            Assert.True(map.CountVoxels().Known > 1000, name);
        }
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void Our_files_of_a_liboctomap_tree_are_byte_identical_to_its_own(string name)
    {
        // liboctomap's trees are pruned as they are built and its inner nodes hold their children's maximum, so its
        // files are the canonical form of the map they hold: ours for the same map must be the same bytes.
        string path = Path.Combine(OctoMapTools.Fixtures, name);
        OccupancyMap map = OctoMapFile.Load(path);
        using var ours = new MemoryStream();
        if (name.EndsWith(".bt", StringComparison.Ordinal))
        {
            OctoMapFile.WriteBinary(map, ours);
        }
        else
        {
            OctoMapFile.Write(map, ours);
        }

        Assert.Equal(File.ReadAllBytes(path), ours.ToArray());
    }

    [Fact]
    public void Edit_octree_rewrites_our_bt_of_an_integrated_map_byte_for_byte()
    {
        OctoMapTools.RequireTools();
        string folder = TemporaryFolder();
        OccupancyMap map = IntegratedRoom(frames: 6);
        string ours = Path.Combine(folder, "ours.bt"), edited = Path.Combine(folder, "edited.bt");
        OctoMapFile.Save(map, ours);
        (int code, string output) = OctoMapTools.Run("/usr/bin/edit_octree", "-o", edited, ours);
        Assert.True(code == 0, output);
        Assert.Equal(File.ReadAllBytes(edited), File.ReadAllBytes(ours));
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Octomap_tools_read_our_ot_and_bt_and_liboctomap_searches_them_as_our_map()
    {
        OctoMapTools.RequireTools();
        string folder = TemporaryFolder();
        OccupancyMap map = IntegratedRoom(frames: 6);
        string ot = Path.Combine(folder, "ours.ot"), bt = Path.Combine(folder, "ours.bt"), converted = Path.Combine(folder, "converted.bt");
        OctoMapFile.Save(map, ot);
        OctoMapFile.Save(map, bt);

        // liboctomap reads our .ot: every voxel's log-odds as ours, bit for bit.
        OctoMapTools.Dump(ot).AssertMatches(map, "our .ot read by liboctomap");

        // convert_octree reads our .ot and writes its .bt (maximum likelihood, pruned): the same bytes as our .bt.
        (int code, string output) = OctoMapTools.Run("/usr/bin/convert_octree", ot, converted);
        Assert.True(code == 0, output);
        Assert.Equal(File.ReadAllBytes(bt), File.ReadAllBytes(converted));

        // Our .bt read by liboctomap holds each known voxel's state, with OctoMap's clamping log-odds.
        OccupancyMap maximumLikelihood = OctoMapFile.Load(bt);
        OctoMapTools.Dump(bt).AssertMatches(maximumLikelihood, "our .bt read by liboctomap");
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            Assert.Equal(v.State, maximumLikelihood.GetState(v.Key));
        }

        // bt2vrml draws one box a occupied leaf: their volume is the occupied voxels'.
        (code, output) = OctoMapTools.Run("/usr/bin/bt2vrml", bt);
        Assert.True(code == 0, output);
        double volume = File.ReadLines(bt + ".wrl").Select(l => Regex.Match(l, @"Box \{ size ([0-9.e+-]+) ")).Where(m => m.Success)
            .Sum(m => Math.Pow(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / map.Resolution, 3));
        Assert.Equal(map.CountVoxels().Occupied, (long)Math.Round(volume));
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Ot_round_trip_is_lossless_and_bt_round_trip_keeps_states()
    {
        OccupancyMap map = IntegratedRoom(frames: 4);
        var ot = new MemoryStream();
        OctoMapFile.Write(map, ot);
        ot.Position = 0;
        TestData.AssertSameMap(TestData.Snapshot(map), TestData.Snapshot(OctoMapFile.Read(ot)));

        var bt = new MemoryStream();
        OctoMapFile.WriteBinary(map, bt);
        bt.Position = 0;
        OccupancyMap back = OctoMapFile.ReadBinary(bt);
        Assert.Equal(map.CountVoxels(), back.CountVoxels());
        foreach (VoxelInfo v in back.EnumerateVoxels())
        {
            Assert.Equal(map.GetState(v.Key), v.State);
            Assert.Equal(v.State == VoxelState.Occupied ? SensorModel.Default.ClampMaxLogOdds : SensorModel.Default.ClampMinLogOdds, v.LogOdds);
        }
    }

    [Fact]
    public void A_map_beyond_octomaps_key_range_is_refused_naming_the_brick()
    {
        var map = new OccupancyMap(0.1);
        map.UpdateVoxel(new VoxelKey(40000, 0, 0), true);
        var e = Assert.Throws<ArgumentException>(() => OctoMapFile.WriteBinary(map, new MemoryStream()));
        Assert.Equal("map", e.ParamName);
        Assert.Contains("16-bit key range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pruned_node_covering_too_many_voxels_is_refused_before_the_map_is_filled()
    {
        // A root whose 8 children are occupied leaves at depth 1: 8 × 2^45 voxels.
        byte[] file = [.. "# Octomap OcTree binary file\nid OcTree\nsize 9\nres 0.1\ndata\n"u8, 0xAA, 0xAA];
        var e = Assert.Throws<InvalidDataException>(() => OctoMapFile.ReadBinary(new MemoryStream(file)));
        Assert.Contains("the tree needs more than 262144 bricks of 512 voxels, the 134217728-voxel limit", e.Message, StringComparison.Ordinal);
        Assert.Contains("at byte", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scattered_one_voxel_bricks_count_a_brick_each_against_the_limit()
    {
        // 4,096 voxels, each alone in its brick: 4,096 bricks (2 M voxels of storage), refused under a 1 M-voxel limit
        // though the voxels themselves are few; the same map loads under a limit that holds its bricks.
        var map = new OccupancyMap(0.1);
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < 16; j++)
            {
                for (int k = 0; k < 16; k++)
                {
                    map.UpdateVoxel(new VoxelKey(i * 8, j * 8, k * 8), true);
                }
            }
        }

        var bt = new MemoryStream();
        OctoMapFile.WriteBinary(map, bt);
        var e = Assert.Throws<InvalidDataException>(() => OctoMapFile.ReadBinary(new MemoryStream(bt.ToArray()), null, 1 << 20));
        Assert.Contains("the tree needs more than 2048 bricks", e.Message, StringComparison.Ordinal);
        Assert.Equal(4096, OctoMapFile.ReadBinary(new MemoryStream(bt.ToArray()), null, 4096 * 512).BrickCount);
    }

    [Fact]
    public void Header_formats_resolution_as_cpp_ostream()
    {
        Assert.Equal("0.1", OctoMapWriter.FormatLikeOstream(0.1));
        Assert.Equal("0.05", OctoMapWriter.FormatLikeOstream(0.05));
        Assert.Equal("0.123457", OctoMapWriter.FormatLikeOstream(0.123456789));
        Assert.Equal("1e-07", OctoMapWriter.FormatLikeOstream(1e-7));
        Assert.Equal("2", OctoMapWriter.FormatLikeOstream(2.0));
    }

    internal static OccupancyMap IntegratedRoom(int frames)
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var integrator = new PointCloudIntegrator(map, StandardRoom.MaxRange);
        for (int i = 0; i < frames; i++)
        {
            integrator.IntegrateWorldFrame(TestData.RoomCloud(i), StandardRoom.CameraPose(i).Position);
        }

        return map;
    }

    internal static string TemporaryFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "occupancy-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
