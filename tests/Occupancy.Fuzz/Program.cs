using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Occupancy;
using Occupancy.Files;

namespace Occupancy.Fuzz;

/// <summary>
/// The readers' fuzz harness. <c>occupancy-fuzz READER</c> (READER: occ, bt, ot, graph, ply, xyz, and the fleet's delta,
/// evidence, ledger) is the afl++ target
/// (SharpFuzz, persistent mode); <c>occupancy-fuzz READER --replay FILE...</c> runs inputs without afl to reproduce
/// findings; <c>occupancy-fuzz --write-seeds DIR</c> writes the seed corpora with the library's writers.
/// </summary>
/// <remarks>
/// Each input goes through the reader twice: from a seekable <see cref="MemoryStream"/> (the readers check counts
/// against the length that follows) and from a non-seekable stream that hands out at most 7 bytes a read (the readers
/// cannot check lengths first, and every buffer refill is exercised); <c>--seekable-only</c> drops the second. A .occ
/// input is read again with its checksums made right, and so is a fleet input (its trailing checksum). The documented failure is <see cref="InvalidDataException"/>;
/// any other exception, or a hang, is a finding. Replay runs the same reads and names the one that failed.
/// </remarks>
internal static class Program
{
    /// <summary>The voxel limit the harness gives the OctoMap readers (the documented guard against huge trees).</summary>
    private const long MaxVoxels = 1L << 20;

    private static readonly Dictionary<string, Action<Stream>> Readers = new(StringComparer.Ordinal)
    {
        ["occ"] = static s => OccupancyFile.Load(s, out _),
        ["bt"] = static s => ReadOctoMap(s, binary: true),
        ["ot"] = static s => ReadOctoMap(s, binary: false),
        ["graph"] = static s => ScanGraphFile.Read(s),
        ["ply"] = static s => PlyFile.ReadPoints(s),
        ["xyz"] = static s => XyzFile.Read(s),
        ["delta"] = static s => Fleet.MapDelta.Parse(ReadAll(s)),
        ["evidence"] = static s => Fleet.EvidenceMap.Parse(ReadAll(s)),
        ["ledger"] = static s => Fleet.DeltaLedger.Parse(ReadAll(s)),
    };

    /// <summary>Readers whose input ends in an XxHash3 of everything before it: also read with that checksum made right.</summary>
    private static readonly HashSet<string> TrailingChecksum = new(StringComparer.Ordinal) { "delta", "evidence", "ledger" };

    private static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--write-seeds")
        {
            Seeds.Write(args[1]);
            return 0;
        }

        if (args.Length == 0 || !Readers.TryGetValue(args[0], out Action<Stream>? reader))
        {
            Console.Error.WriteLine("usage: occupancy-fuzz READER                    (afl++ target; READER: occ|bt|ot|graph|ply|xyz|delta|evidence|ledger)");
            Console.Error.WriteLine("       occupancy-fuzz READER --seekable-only    (afl++ target, seekable streams only: to fuzz past a");
            Console.Error.WriteLine("                                                 known finding of the non-seekable path)");
            Console.Error.WriteLine("       occupancy-fuzz READER --replay FILE...   (run inputs without afl)");
            Console.Error.WriteLine("       occupancy-fuzz --write-seeds DIR         (write the seed corpora)");
            return 2;
        }

        // .occ chunks carry checksums that almost every mutation breaks; the .occ target also reads each input with its
        // checksums made right, so that the parsing behind them is fuzzed too.
        bool fixSums = args[0] == "occ" || TrailingChecksum.Contains(args[0]);
        Func<byte[], byte[]?> fix = TrailingChecksum.Contains(args[0]) ? FixTrailingChecksum : OccChecksums.Fix;
        if (args.Length == 1 || (args.Length == 2 && args[1] == "--seekable-only"))
        {
            bool trickle = args.Length == 1;
            SharpFuzz.Fuzzer.Run(stream =>
            {
                byte[] input = ReadAll(stream);
                RunBoth(reader, input, trickle);
                if (fixSums && fix(input) is { } fixedInput)
                {
                    RunBoth(reader, fixedInput, trickle);
                }
            });
            return 0;
        }

        if (args.Length >= 3 && args[1] == "--replay")
        {
            return Replay(reader, args.AsSpan(2), fixSums ? fix : null);
        }

        Console.Error.WriteLine("unknown arguments; run without arguments for usage");
        return 2;
    }

    /// <summary>One input through the reader from both kinds of stream; only <see cref="InvalidDataException"/> is expected.</summary>
    private static void RunBoth(Action<Stream> reader, byte[] input, bool trickle)
    {
        try
        {
            reader(new MemoryStream(input, writable: false));
        }
        catch (InvalidDataException)
        {
        }

        if (!trickle)
        {
            return;
        }

        try
        {
            reader(new TrickleStream(input));
        }
        catch (InvalidDataException)
        {
        }
    }

    /// <summary>
    /// Runs each file as the afl target does and prints what happened; a finding prints its exception, and when it needs
    /// the checksums made right, writes the input that reproduces it with the plain reader beside the file (.fixed).
    /// </summary>
    private static unsafe int Replay(Action<Stream> reader, ReadOnlySpan<string> files, Func<byte[], byte[]?>? fix)
    {
        // An instrumented Occupancy.dll writes its coverage to afl's shared memory; outside afl it gets a scratch map.
        SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(1 << 16);
        int findings = 0;
        foreach (string file in files)
        {
            byte[] raw = File.ReadAllBytes(file);
            byte[]? fixedInput = fix?.Invoke(raw);
            var runs = new List<(string How, byte[] Input, bool Seekable)> { ("seekable", raw, true), ("non-seekable", raw, false) };
            if (fixedInput is not null)
            {
                runs.Add(("seekable, checksums fixed", fixedInput, true));
                runs.Add(("non-seekable, checksums fixed", fixedInput, false));
            }

            foreach ((string how, byte[] input, bool seekable) in runs)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    reader(seekable ? new MemoryStream(input, writable: false) : new TrickleStream(input));
                    Console.WriteLine($"{file} ({how}): read ({clock.ElapsedMilliseconds} ms)");
                }
                catch (InvalidDataException e)
                {
                    Console.WriteLine($"{file} ({how}): InvalidDataException ({clock.ElapsedMilliseconds} ms): {e.Message}");
                }
#pragma warning disable CA1031 // Anything else escaping the reader is the finding to report.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    findings++;
                    Console.WriteLine($"{file} ({how}): FINDING ({clock.ElapsedMilliseconds} ms): {e}");
                    if (!ReferenceEquals(input, raw))
                    {
                        File.WriteAllBytes(file + ".fixed", input);
                        Console.WriteLine($"{file}.fixed: the input with its checksums fixed (reproduces with the plain reader)");
                    }
                }
            }
        }

        return findings == 0 ? 0 : 1;
    }

    /// <summary>
    /// An OctoMap tree read in one pass (from a stream like the one given: seekable or trickling) and by the parallel
    /// reader with two threads (which public reads use on machines of 4 processors or more) from the same bytes: both
    /// must end alike, in maps of the same bricks and memory or in an <see cref="InvalidDataException"/> with the same
    /// message. A difference is a finding.
    /// </summary>
    private static void ReadOctoMap(Stream stream, bool binary)
    {
        bool seekable = stream.CanSeek;
        byte[] bytes = ReadAll(stream);
        (OccupancyMap? one, string? oneError) = TryReadOctoMap(seekable ? new MemoryStream(bytes, writable: false) : new TrickleStream(bytes), binary, 1);
        (OccupancyMap? two, string? twoError) = TryReadOctoMap(new MemoryStream(bytes, writable: false), binary, 2);
        if (oneError != twoError || (one is not null && two is not null && (one.BrickCount != two.BrickCount || one.MemoryBytes != two.MemoryBytes)))
        {
            throw new InvalidOperationException($"the one-pass and parallel readers differ: {oneError ?? $"{one!.BrickCount} bricks"} against {twoError ?? $"{two!.BrickCount} bricks"}");
        }

        if (oneError is not null)
        {
            throw new InvalidDataException(oneError);
        }
    }

    private static (OccupancyMap? Map, string? Error) TryReadOctoMap(Stream stream, bool binary, int threads)
    {
        try
        {
            return (OctoMapReader.Read(stream, binary, SensorModel.Default, MaxVoxels, threads), null);
        }
        catch (InvalidDataException e)
        {
            return (null, e.Message);
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Makes the checksums of a .occ input right (the header's, then each whole chunk's, in file order).</summary>
    private static class OccChecksums
    {
        private const int HeaderBytes = 96, HeaderSumAt = 88, ChunkHeaderBytes = 24;

        /// <summary>A copy with every checksum that covers whole bytes made right, or null when none changed.</summary>
        public static byte[]? Fix(byte[] input)
        {
            if (input.Length < HeaderBytes)
            {
                return null;
            }

            byte[] copy = (byte[])input.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(HeaderSumAt), XxHash3.HashToUInt64(copy.AsSpan(0, HeaderSumAt)));
            long at = HeaderBytes;
            while (at + ChunkHeaderBytes <= copy.Length)
            {
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan((int)at + 16));
                long end = at + ChunkHeaderBytes + size;
                if (end > copy.Length)
                {
                    break;
                }

                BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan((int)at), XxHash3.HashToUInt64(copy.AsSpan((int)at + 8, (int)(end - at - 8))));
                at = end;
            }

            return copy.AsSpan().SequenceEqual(input) ? null : copy;
        }
    }

    /// <summary>The input with its last 8 bytes made the XxHash3 of the bytes before them; null when that changes nothing.</summary>
    private static byte[]? FixTrailingChecksum(byte[] input)
    {
        if (input.Length < 8)
        {
            return null;
        }

        byte[] copy = (byte[])input.Clone();
        int end = copy.Length - 8;
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(end), XxHash3.HashToUInt64(copy.AsSpan(0, end)));
        return copy.AsSpan().SequenceEqual(input) ? null : copy;
    }

    /// <summary>A read-only stream that cannot seek and hands out at most 7 bytes a read.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, 7), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The seed corpora: small valid files of every format, from the library's writers where it has one.</summary>
    private static class Seeds
    {
        public static void Write(string root)
        {
            OccupancyMap small = Map(0.1, 50, 0);
            OccupancyMap spread = Map(0.05, 40, 9); // voxels in several bricks, negative indices too
            var labels = new SemanticLayer(small);
            foreach (VoxelInfo v in small.EnumerateVoxels(VoxelState.Occupied))
            {
                labels.Vote(v.Key, (SemanticClass)(1 + (Math.Abs(v.Key.X + v.Key.Y) % 5)));
            }

            Save(root, "occ", "small.occ", s => OccupancyFile.Save(small, s));
            Save(root, "occ", "labels.occ", s => OccupancyFile.Save(small, s, labels));
            Save(root, "occ", "two-bricks.occ", s => OccupancyFile.Save(TwoBricks(), s)); // .occ stores 2,060 bytes a brick
            Save(root, "occ", "empty.occ", s => OccupancyFile.Save(new OccupancyMap(0.2), s));

            Save(root, "bt", "small.bt", s => OctoMapFile.WriteBinary(small, s));
            Save(root, "bt", "spread.bt", s => OctoMapFile.WriteBinary(spread, s));
            Save(root, "bt", "empty.bt", s => OctoMapFile.WriteBinary(new OccupancyMap(0.2), s));
            Save(root, "ot", "small.ot", s => OctoMapFile.Write(small, s));
            Save(root, "ot", "spread.ot", s => OctoMapFile.Write(spread, s));
            Save(root, "ot", "empty.ot", s => OctoMapFile.Write(new OccupancyMap(0.2), s));

            Save(root, "graph", "one-node.graph", s => Graph(s, nodes: 1, points: 3, edges: 0));
            Save(root, "graph", "two-nodes-edge.graph", s => Graph(s, nodes: 2, points: 2, edges: 1));
            Save(root, "graph", "empty.graph", s => Graph(s, nodes: 0, points: 0, edges: 0));

            Save(root, "ply", "voxels-le.ply", s => PlyFile.WriteVoxels(small, s));
            Save(root, "ply", "ascii.ply", s => Text(s, """
                ply
                format ascii 1.0
                comment a seed
                element vertex 3
                property float x
                property float y
                property double z
                property uchar red
                element face 1
                property list uchar int vertex_indices
                end_header
                0.5 1 -2.25 255
                1e3 -0.0 3 0
                -7 8 9.5 12
                3 0 1 2

                """));
            Save(root, "ply", "binary-be.ply", BigEndianPly);

            Save(root, "xyz", "points.xyz", s => Text(s, "# x y z\n0 0 0\n1.5 -2 3e-2\n4,5,6\n7;8;9 # comment\n\n-1.25\t2.5\t1e10\r\n"));
            Save(root, "xyz", "one.xyz", s => Text(s, "0.1 0.2 0.3"));

            var ledger = new Fleet.DeltaLedger(0.05);
            Fleet.MapDelta spreadDelta = new Fleet.DeltaRecorder(spread, "agent-ü").TakeDelta()!;
            Fleet.MapDelta smallDelta = new Fleet.DeltaRecorder(TwoBricks(), "b").TakeDelta()!;
            ledger.Apply(spreadDelta);
            Save(root, "delta", "spread.delta", s => s.Write(spreadDelta.ToBytes()));
            Save(root, "delta", "two-bricks.delta", s => s.Write(smallDelta.ToBytes()));
            Save(root, "evidence", "spread.evidence", s => s.Write(ledger.Evidence.ToBytes()));
            Save(root, "evidence", "empty.evidence", s => s.Write(new Fleet.EvidenceMap(0.2).ToBytes()));
            Save(root, "ledger", "one-agent.ledger", s => s.Write(ledger.ToBytes()));
            Save(root, "ledger", "empty.ledger", s => s.Write(new Fleet.DeltaLedger(0.2).ToBytes()));
        }

        /// <summary>A map of about <paramref name="voxels"/> voxels, free and occupied, along a walk.</summary>
        private static OccupancyMap Map(double resolution, int voxels, int stride)
        {
            var map = new OccupancyMap(resolution);
            for (int i = 0; i < voxels; i++)
            {
                var key = new VoxelKey((i % 5) + (stride * (i % 3)) - stride, (i / 5 % 5) - (stride * (i % 2)), i / 25);
                map.UpdateVoxel(key, occupied: i % 3 != 0);
                if (i % 7 == 0)
                {
                    map.UpdateVoxel(key, occupied: true); // a second hit: another log-odds value
                }
            }

            return map;
        }

        /// <summary>A few voxels either side of x = 0: two bricks, one of negative index.</summary>
        private static OccupancyMap TwoBricks()
        {
            var map = new OccupancyMap(0.05);
            for (int x = -2; x < 2; x++)
            {
                map.UpdateVoxel(new VoxelKey(x, 1, 2), occupied: x != 0);
            }

            return map;
        }

        /// <summary>A scan graph as OctoMap's ScanGraph::writeBinary writes it.</summary>
        private static void Graph(Stream s, int nodes, int points, int edges)
        {
            using var w = new BinaryWriter(s, Encoding.ASCII, leaveOpen: true);
            w.Write((uint)nodes);
            for (int n = 0; n < nodes; n++)
            {
                w.Write((uint)points);
                for (int p = 0; p < points; p++)
                {
                    Vector(w, p * 0.5, -p, 2.0 + n);
                }

                Pose(w, n);
                w.Write((uint)n);
            }

            w.Write((uint)edges);
            for (int e = 0; e < edges; e++)
            {
                w.Write(0u);
                w.Write(1u);
                Pose(w, e);
                w.Write(1.0);
            }
        }

        private static void Pose(BinaryWriter w, int n)
        {
            Vector(w, n, 0.25 * n, 0.5);
            w.Write(4);
            w.Write(Math.Cos(0.1 * n)); // w, x, y, z: a turn about z
            w.Write(0.0);
            w.Write(0.0);
            w.Write(Math.Sin(0.1 * n));
        }

        private static void Vector(BinaryWriter w, double x, double y, double z)
        {
            w.Write(3);
            w.Write(x);
            w.Write(y);
            w.Write(z);
        }

        /// <summary>A binary big-endian PLY with mixed types, an element before the vertices and a list property.</summary>
        private static void BigEndianPly(Stream s)
        {
            Text(s, "ply\nformat binary_big_endian 1.0\nelement camera 1\nproperty short id\nelement vertex 2\nproperty double x\nproperty int y\nproperty list uchar ushort extra\nproperty float z\nend_header\n");
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt16BigEndian(b, 7);
            s.Write(b[..2]);
            for (int v = 0; v < 2; v++)
            {
                BinaryPrimitives.WriteDoubleBigEndian(b, 1.5 * v);
                s.Write(b);
                BinaryPrimitives.WriteInt32BigEndian(b, -3 * v);
                s.Write(b[..4]);
                s.WriteByte((byte)v);
                for (int i = 0; i < v; i++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)(i + 1000));
                    s.Write(b[..2]);
                }

                BinaryPrimitives.WriteSingleBigEndian(b, 0.125f * v);
                s.Write(b[..4]);
            }
        }

        private static void Text(Stream s, string text) => s.Write(Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\n")));

        private static void Save(string root, string reader, string name, Action<Stream> write)
        {
            string dir = Path.Combine(root, reader);
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, name);
            using (var file = File.Create(path))
            {
                write(file);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {new FileInfo(path).Length} bytes"));
        }
    }
}
