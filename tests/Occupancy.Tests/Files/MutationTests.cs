using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using Occupancy.Files;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// Every reader against 10,000 seeded mutations of a valid file (bit flips, truncations, length fields set to edge
/// values, bytes inserted or deleted), from streams that can tell their length and streams that cannot: each load
/// succeeds or throws the documented <see cref="InvalidDataException"/>, and none allocates more than a bound. The long runs with afl++ are tests/fuzz/run.sh.
/// </summary>
public sealed class MutationTests
{
    private const int Mutations = 10_000;
    private const long MaxVoxels = 1 << 20;

    public static readonly TheoryData<string> Formats = new("occ", "bt", "ot", "graph", "ply", "xyz");

    [Theory]
    [MemberData(nameof(Formats))]
    public void Mutated_files_give_only_the_documented_exception_with_bounded_memory(string format)
    {
        byte[] valid = ValidFile(format);
        Load(format, valid); // the unmutated file loads
        var random = new Random(20261206 + (format[0] * 31) + format[^1]);
        int refused = 0;
        long worst = 0;
        for (int i = 0; i < Mutations; i++)
        {
            byte[] file = Mutate(valid, random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                // Every other load from a stream that cannot tell its length (a pipe, a socket): there no count can be
                // checked against the bytes that follow, and memory must still grow only with bytes read.
                Load(format, file, seekable: i % 2 == 0);
            }
            catch (InvalidDataException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{format} mutation {i} threw {e.GetType().Name}: {e.Message}\ninput: {Convert.ToBase64String(file)}");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            worst = Math.Max(worst, allocated);
            // A reader holds at most the voxels allowed (4 bytes each in bricks, with the map's brick tables: about 10
            // bytes a voxel at the limit), the map's dense brick directory (at most 32 MiB, grown by doubling), the
            // points the bytes can hold, and its buffers.
            Assert.True(allocated < (MaxVoxels * 12) + (80L << 20) + (file.Length * 64L), $"{format} mutation {i} allocated {allocated} bytes for a {file.Length}-byte input");
        }

        Assert.True(refused > Mutations / 10, $"only {refused} of {Mutations} mutations were refused");
    }

    private static void Load(string format, byte[] file, bool seekable = true)
    {
        Stream s = seekable ? new MemoryStream(file) : new OccupancyFileTests.ForwardOnlyStream(file);
        _ = format switch
        {
            "occ" => (object)OccupancyFile.Load(s),
            "bt" => OctoMapFile.ReadBinary(s, null, MaxVoxels),
            "ot" => OctoMapFile.Read(s, null, MaxVoxels),
            "graph" => ScanGraphFile.Read(s),
            "ply" => PlyFile.ReadPoints(s),
            _ => XyzFile.Read(s),
        };
    }

    internal static byte[] Mutate(byte[] valid, Random random)
    {
        byte[] file = (byte[])valid.Clone();
        switch (random.Next(6))
        {
            case 0: // flip 1..8 bits
                for (int k = random.Next(1, 9); k > 0; k--)
                {
                    file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                }

                return file;
            case 1: // truncate
                return file[..random.Next(file.Length)];
            case 2: // a 4- or 8-byte field set to an edge value
            {
                int at = random.Next(Math.Max(1, file.Length - 8));
                long[] edges = [0, 1, -1, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, 1L << 32, 0x7FC00000, 0x7F800000];
                long value = edges[random.Next(edges.Length)];
                if (random.Next(2) == 0 && at + 8 <= file.Length)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(at), value);
                }
                else if (at + 4 <= file.Length)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(at), (int)value);
                }

                return file;
            }

            case 3: // a text number replaced (headers of .bt/.ot/.ply, xyz lines)
            {
                int at = random.Next(file.Length);
                string[] numbers = ["0", "-1", "99999999999", "4294967295", "1e308", "nan", "-0", "0.0000001", "18446744073709551616"];
                byte[] n = Encoding.ASCII.GetBytes(numbers[random.Next(numbers.Length)]);
                return [.. file[..at], .. n, .. file[Math.Min(file.Length, at + random.Next(1, 6))..]];
            }

            case 4: // bytes inserted
            {
                int at = random.Next(file.Length);
                var extra = new byte[random.Next(1, 32)];
                random.NextBytes(extra);
                return [.. file[..at], .. extra, .. file[at..]];
            }

            default: // bytes deleted
            {
                int at = random.Next(file.Length);
                return [.. file[..at], .. file[Math.Min(file.Length, at + random.Next(1, 32))..]];
            }
        }
    }

    /// <summary>A small valid file of each format, made by the library's writers or by hand.</summary>
    internal static byte[] ValidFile(string format)
    {
        OccupancyMap map = OccupancyFileTests.SmallMap(11);
        var s = new MemoryStream();
        switch (format)
        {
            case "occ":
                var labels = new SemanticLayer(map);
                labels.Vote(new VoxelKey(1, 2, 3), SemanticClass.Wall);
                OccupancyFile.Save(map, s, labels);
                break;
            case "bt":
                OctoMapFile.WriteBinary(map, s);
                break;
            case "ot":
                OctoMapFile.Write(map, s);
                break;
            case "ply":
                PlyFile.WriteVoxels(map, s, new PlyExportOptions { Geometry = PlyGeometry.Cubes });
                break;
            case "xyz":
                s.Write("# x y z\n1.5 -2.25 0.125\n-3,4.5,10\n0\t0\t-0.0625 7\n2 2 2\n"u8);
                break;
            default:
                WriteGraph(s);
                break;
        }

        return s.ToArray();
    }

    /// <summary>A scan graph as OctoMap writes it: two nodes of three points, rotated poses, one edge.</summary>
    private static void WriteGraph(Stream s)
    {
        void U32(uint v) => s.Write(BitConverter.GetBytes(v));
        void Vector(double x, double y, double z)
        {
            s.Write(BitConverter.GetBytes(3));
            s.Write(BitConverter.GetBytes(x));
            s.Write(BitConverter.GetBytes(y));
            s.Write(BitConverter.GetBytes(z));
        }

        void Pose(double x, double yaw)
        {
            Vector(x, 0.5, 1.2);
            s.Write(BitConverter.GetBytes(4));
            s.Write(BitConverter.GetBytes(Math.Cos(yaw / 2)));
            s.Write(BitConverter.GetBytes(0.0));
            s.Write(BitConverter.GetBytes(0.0));
            s.Write(BitConverter.GetBytes(Math.Sin(yaw / 2)));
        }

        U32(2);
        for (uint n = 0; n < 2; n++)
        {
            U32(3);
            Vector(1, 2, 3);
            Vector(-0.5, 0.25, 10);
            Vector(4, 0, -1);
            Pose(n, 0.3 * n);
            U32(n);
        }

        U32(1);
        U32(0);
        U32(1);
        Pose(1, 0.3);
        s.Write(BitConverter.GetBytes(1.0));
    }
}
