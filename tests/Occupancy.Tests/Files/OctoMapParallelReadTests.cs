using System;
using System.IO;
using Occupancy.Files;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// The parallel .bt and .ot reader against the one-pass reader: the same map slot for slot (the same bytes in an .occ
/// written from it, the same memory), the same node count, and for damaged trees and trees over the voxel limit the
/// same exception with the same message.
/// </summary>
public sealed class OctoMapParallelReadTests
{
    public static readonly TheoryData<string, int> FormatsAndThreads = new()
    {
        { "bt", 2 }, { "bt", 3 }, { "bt", 8 }, { "ot", 2 }, { "ot", 3 }, { "ot", 8 },
    };

    [Theory]
    [MemberData(nameof(FormatsAndThreads))]
    public void Parallel_read_gives_the_one_pass_map_slot_for_slot(string format, int threads)
    {
        byte[] file = FileOf(format);
        OccupancyMap sequential = Read(file, format, 1);
        OccupancyMap parallel = Read(file, format, threads);
        AssertSame(sequential, parallel);
        Assert.True(sequential.BrickCount > 1000, $"{sequential.BrickCount} bricks");
    }

    [Theory]
    [InlineData("bt")]
    [InlineData("ot")]
    public void Public_reads_of_large_inputs_agree_with_the_one_pass_reader(string format)
    {
        byte[] file = FileOf(format);
        Assert.True(file.Length >= OctoMapReader.ParallelMinBytes, $"{file.Length} bytes");
        OccupancyMap map = format == "bt" ? OctoMapFile.ReadBinary(new MemoryStream(file)) : OctoMapFile.Read(new MemoryStream(file));
        AssertSame(Read(file, format, 1), map);
    }

    [Theory]
    [InlineData("bt")]
    [InlineData("ot")]
    public void Damaged_trees_give_the_one_pass_exception_in_parallel(string format)
    {
        byte[] valid = FileOf(format);
        int data = valid.AsSpan().IndexOf("data\n"u8) + 5;
        var random = new Random(20261207 + format[0]);
        int refused = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] file;
            if (i % 2 == 0)
            {
                file = MutationTests.Mutate(valid, random);
            }
            else
            {
                // The bytes that shape the tree: a node's child flags (.ot) or a .bt node's 2-bit codes, or a log-odds
                // made non-finite.
                file = (byte[])valid.Clone();
                if (format == "ot")
                {
                    int node = data + (5 * random.Next((valid.Length - data) / 5));
                    if (random.Next(3) == 0)
                    {
                        BitConverter.TryWriteBytes(file.AsSpan(node), random.Next(2) == 0 ? float.NaN : float.PositiveInfinity);
                    }
                    else
                    {
                        file[node + 4] = (byte)random.Next(256);
                    }
                }
                else
                {
                    file[data + random.Next(valid.Length - data)] ^= (byte)(1 << random.Next(8));
                }
            }

            string expected = Outcome(file, format, 1);
            Assert.Equal(expected, Outcome(file, format, 2));
            Assert.Equal(expected, Outcome(file, format, 5));
            refused += expected.StartsWith("refused", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.True(refused > 60, $"only {refused} refused");
    }

    [Theory]
    [InlineData("bt")]
    [InlineData("ot")]
    public void A_tree_over_the_limit_is_refused_as_the_one_pass_reader_refuses_it(string format)
    {
        byte[] file = FileOf(format);
        int bricks = Read(file, format, 1).BrickCount;
        long limit = ((long)bricks * 512) - 1;
        string expected = Outcome(file, format, 1, limit);
        Assert.StartsWith("refused", expected, StringComparison.Ordinal);
        Assert.Contains("raise the voxel limit", expected, StringComparison.Ordinal);
        Assert.Equal(expected, Outcome(file, format, 2, limit));
        Assert.Equal(bricks, Read(file, format, 2, (long)bricks * 512).BrickCount);
    }

    /// <summary>
    /// A map with leaves at every depth the reader treats apart: a free box pruned to blocks of 32, 16 and 8 voxels
    /// (whole bricks) and 4 and 2 (inside bricks), its edges off the blocks, and scattered voxels of many log-odds in
    /// all eight octants of the root.
    /// </summary>
    private static OccupancyMap TestMap()
    {
        var map = new OccupancyMap(0.1);
        for (int z = -3; z < 37; z++)
        {
            for (int y = -45; y < 22; y++)
            {
                for (int x = -38; x < 29; x++)
                {
                    map.UpdateVoxel(new VoxelKey(x, y, z), false);
                }
            }
        }

        var random = new Random(7);
        for (int i = 0; i < 9_000; i++)
        {
            var key = new VoxelKey(random.Next(-90, 90), random.Next(-90, 90), random.Next(-30, 30));
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                map.UpdateVoxel(key, random.Next(3) == 0);
            }
        }

        return map;
    }

    private static readonly Lazy<OccupancyMap> Map = new(TestMap);
    private static readonly Lazy<byte[]> Bt = new(() => Write(Map.Value, "bt"));
    private static readonly Lazy<byte[]> Ot = new(() => Write(Map.Value, "ot"));

    private static byte[] FileOf(string format) => format == "bt" ? Bt.Value : Ot.Value;

    private static byte[] Write(OccupancyMap map, string format)
    {
        var s = new MemoryStream();
        if (format == "bt")
        {
            OctoMapFile.WriteBinary(map, s);
        }
        else
        {
            OctoMapFile.Write(map, s);
        }

        return s.ToArray();
    }

    private static OccupancyMap Read(byte[] file, string format, int threads, long maxVoxels = OctoMapFile.DefaultMaxVoxels) =>
        OctoMapReader.Read(new MemoryStream(file), format == "bt", SensorModel.Default, maxVoxels, threads);

    /// <summary>The exception's type and message, or the map as an .occ's bytes (its slots in order) and its memory.</summary>
    private static string Outcome(byte[] file, string format, int threads, long maxVoxels = 1 << 24)
    {
        try
        {
            OccupancyMap map = Read(file, format, threads, maxVoxels);
            var s = new MemoryStream();
            OccupancyFile.Save(map, s, null, OccupancyCompression.None);
            return $"read {map.BrickCount} bricks, {map.MemoryBytes} bytes, {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s.ToArray()))}";
        }
        catch (InvalidDataException e)
        {
            return $"refused: {e.Message}";
        }
    }

    private static void AssertSame(OccupancyMap expected, OccupancyMap actual)
    {
        Assert.Equal(expected.BrickCount, actual.BrickCount);
        Assert.Equal(expected.MemoryBytes, actual.MemoryBytes);
        var a = new MemoryStream();
        OccupancyFile.Save(expected, a, null, OccupancyCompression.None);
        var b = new MemoryStream();
        OccupancyFile.Save(actual, b, null, OccupancyCompression.None);
        Assert.Equal(a.ToArray(), b.ToArray());
        TestData.AssertSameMap(TestData.Snapshot(expected), TestData.Snapshot(actual));
    }
}
