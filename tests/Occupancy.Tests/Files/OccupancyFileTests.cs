using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using Occupancy.Files;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// The .occ format: bit-identical round trips (log-odds, sensor model, labels), atomic saves under a write that fails
/// at any byte, loads that check before they allocate and name the offset of any damage.
/// </summary>
public sealed class OccupancyFileTests
{
    [Fact]
    public void Round_trip_is_bit_identical_with_sensor_model_and_labels()
    {
        var model = new SensorModel(0.72, 0.38, 0.11, 0.975, 0.55);
        var map = new OccupancyMap(0.05, model);
        var integrator = new PointCloudIntegrator(map, Occupancy.Simulation.StandardRoom.MaxRange);
        for (int i = 0; i < 4; i++)
        {
            integrator.IntegrateWorldFrame(TestData.RoomCloud(i), Occupancy.Simulation.StandardRoom.CameraPose(i).Position);
        }

        var labels = new SemanticLayer(map);
        var random = new Random(20261206);
        foreach (VoxelInfo v in map.EnumerateVoxels(VoxelState.Occupied))
        {
            labels.Vote(v.Key, (SemanticClass)random.Next(1, 10));
        }

        var stream = new MemoryStream();
        OccupancyFile.Save(map, stream, labels);
        stream.Position = 0;
        OccupancyMap back = OccupancyFile.Load(stream, out SemanticLayer? backLabels);

        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(map.Resolution, back.Resolution);
        Assert.Equal(map.BrickCount, back.BrickCount);
        Assert.Equal(model.HitProbability, back.SensorModel.HitProbability);
        Assert.Equal(model.MissProbability, back.SensorModel.MissProbability);
        Assert.Equal(model.ClampMinProbability, back.SensorModel.ClampMinProbability);
        Assert.Equal(model.ClampMaxProbability, back.SensorModel.ClampMaxProbability);
        Assert.Equal(model.OccupiedProbability, back.SensorModel.OccupiedProbability);
        TestData.AssertSameMap(TestData.Snapshot(map), TestData.Snapshot(back));
        Assert.NotNull(backLabels);
        Assert.Same(back, backLabels.Map);
        Assert.Equal(labels.Count, backLabels.Count);
        foreach (VoxelInfo v in map.EnumerateVoxels(VoxelState.Occupied))
        {
            Assert.Equal(labels.ClassOf(v.Key), backLabels.ClassOf(v.Key));
        }

        // The same map saved twice is the same bytes.
        var again = new MemoryStream();
        OccupancyFile.Save(back, again, backLabels);
        Assert.Equal(stream.Length, again.Length);
    }

    [Fact]
    public void An_empty_map_round_trips_and_a_file_without_labels_loads_none()
    {
        var stream = new MemoryStream();
        OccupancyFile.Save(new OccupancyMap(0.2), stream);
        stream.Position = 0;
        OccupancyMap back = OccupancyFile.Load(stream, out SemanticLayer? labels);
        Assert.Equal(0, back.BrickCount);
        Assert.Equal(0.2, back.Resolution);
        Assert.Null(labels);
    }

    [Fact]
    public void A_save_that_fails_at_any_byte_leaves_the_old_file_intact_and_no_temporary_file()
    {
        string folder = OctoMapFileTests.TemporaryFolder();
        string path = Path.Combine(folder, "map.occ");
        OccupancyMap old = SmallMap(1), replacement = SmallMap(2);
        OccupancyFile.Save(old, path);
        byte[] before = File.ReadAllBytes(path);
        var full = new MemoryStream();
        OccupancyFile.Save(replacement, full);
        int tried = 0;
        for (long n = 0; n < full.Length; n += n < 200 ? 1 : 997)
        {
            long limit = n;
            Assert.Throws<IOException>(() => AtomicFile.Write(path, s => OccupancyFile.Save(replacement, s), s => new FailingStream(s, limit)));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(["map.occ"], Directory.GetFiles(folder).Select(Path.GetFileName));
            tried++;
        }

        Assert.True(tried > 200);
        OccupancyFile.Save(replacement, path);
        TestData.AssertSameMap(TestData.Snapshot(replacement), TestData.Snapshot(OccupancyFile.Load(path)));
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Counts_beyond_the_stream_are_refused_before_anything_is_allocated()
    {
        byte[] file = Save(SmallMap(3));
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(72), 1L << 40); // bricks
        ResealHeader(file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => OccupancyFile.Load(new MemoryStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("at byte 72", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated before refusing");
    }

    [Fact]
    public void Damage_is_named_by_offset()
    {
        byte[] file = Save(SmallMap(4));
        int firstChunk = 96;

        byte[] flipped = (byte[])file.Clone();
        flipped[firstChunk + 24 + 500] ^= 0x10;
        Assert.Contains($"at byte {firstChunk}: the checksum of the chunk", Load(flipped), StringComparison.Ordinal);

        byte[] header = (byte[])file.Clone();
        header[20] ^= 1;
        Assert.Contains("at byte 88: the header's checksum", Load(header), StringComparison.Ordinal);

        Assert.Contains("ends inside the header", Load(file[..50]), StringComparison.Ordinal);
        // Truncated: a stream that knows its length is refused at the header's counts; one that does not, where it ends.
        Assert.Contains("at byte 72: the header declares", Load(file[..(firstChunk + 100)]), StringComparison.Ordinal);
        Assert.Contains($"at byte {firstChunk + 100}: the file ends inside a chunk", Load(file[..(firstChunk + 100)], seekable: false), StringComparison.Ordinal);
        Assert.Contains("ends inside a chunk header", Load(file[..^10], seekable: false), StringComparison.Ordinal);
        Assert.Contains("does not start with the .occ magic", Load([.. "# Octomap OcTree binary file\n"u8]), StringComparison.Ordinal);

        // A brick with +inf (checksum made right, so the value check itself must catch it).
        byte[] infinite = (byte[])file.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(infinite.AsSpan(firstChunk + 24 + 12 + (4 * 7)), float.PositiveInfinity);
        ResealChunk(infinite, firstChunk);
        Assert.Contains($"at byte {firstChunk + 24 + 12 + 28}: voxel 7 of brick", Load(infinite), StringComparison.Ordinal);

        // The same brick twice.
        byte[] twice = (byte[])file.Clone();
        int record = firstChunk + 24;
        Buffer.BlockCopy(file, record, twice, record + BrickCodec.RecordBytes, BrickCodec.RecordBytes);
        ResealChunk(twice, firstChunk);
        Assert.Contains("appears twice", Load(twice), StringComparison.Ordinal);
    }

    [Fact]
    public void Compressed_and_uncompressed_files_load_to_the_same_map()
    {
        OccupancyMap map = OctoMapFileTests.IntegratedRoom(frames: 3);
        var packed = new MemoryStream();
        var plain = new MemoryStream();
        OccupancyFile.Save(map, packed);
        OccupancyFile.Save(map, plain, null, OccupancyCompression.None);
        Assert.True(packed.Length * 4 < plain.Length, $"LZ4 {packed.Length} bytes, as is {plain.Length}");
        packed.Position = plain.Position = 0;
        var expected = TestData.Snapshot(map);
        TestData.AssertSameMap(expected, TestData.Snapshot(OccupancyFile.Load(packed)));
        TestData.AssertSameMap(expected, TestData.Snapshot(OccupancyFile.Load(plain)));
    }

    [Fact]
    public void Damaged_lz4_blocks_behind_a_valid_checksum_give_only_the_documented_exception()
    {
        // The checksum stops damage in transit before the decoder; a file made to pass it must still be refused cleanly.
        var s = new MemoryStream();
        OccupancyFile.Save(SmallMap(8), s);
        byte[] valid = s.ToArray();
        const int chunk = 96;
        int stored = (int)BinaryPrimitives.ReadUInt32LittleEndian(valid.AsSpan(chunk + 16));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(valid.AsSpan(chunk + 20))); // LZ4
        var random = new Random(20261206);
        int refused = 0;
        for (int i = 0; i < 3000; i++)
        {
            byte[] file = (byte[])valid.Clone();
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                file[chunk + 24 + random.Next(stored)] = (byte)random.Next(256);
            }

            ResealChunk(file, chunk);
            try
            {
                OccupancyFile.Load(new MemoryStream(file));
            }
            catch (InvalidDataException)
            {
                refused++;
            }
        }

        Assert.True(refused > 100, $"{refused} refused");
    }

    [Fact]
    public void Labels_of_another_map_are_refused()
    {
        OccupancyMap a = SmallMap(5), b = SmallMap(6);
        var e = Assert.Throws<ArgumentException>(() => OccupancyFile.Save(a, new MemoryStream(), new SemanticLayer(b)));
        Assert.Equal("labels", e.ParamName);
    }

    /// <summary>A few bricks of random hits and misses.</summary>
    internal static OccupancyMap SmallMap(int seed)
    {
        var random = new Random(seed);
        var map = new OccupancyMap(0.1);
        for (int i = 0; i < 400; i++)
        {
            map.UpdateVoxel(new VoxelKey(random.Next(-12, 12), random.Next(-12, 12), random.Next(0, 6)), random.Next(3) == 0);
        }

        return map;
    }

    /// <summary>Uncompressed, so that tests can find and edit records at known offsets.</summary>
    private static byte[] Save(OccupancyMap map)
    {
        var s = new MemoryStream();
        OccupancyFile.Save(map, s, null, OccupancyCompression.None);
        return s.ToArray();
    }

    private static string Load(byte[] file, bool seekable = true) =>
        Assert.Throws<InvalidDataException>(() => OccupancyFile.Load(seekable ? new MemoryStream(file) : new BufferedStream(new ForwardOnlyStream(file)))).Message;

    private static void ResealHeader(byte[] file) =>
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(88), XxHash3.HashToUInt64(file.AsSpan(0, 88)));

    private static void ResealChunk(byte[] file, int chunk)
    {
        int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(chunk + 16));
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(chunk), XxHash3.HashToUInt64(file.AsSpan(chunk + 8, 16 + size)));
    }

    /// <summary>A stream that cannot tell its length, as a pipe or a socket.</summary>
    internal sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _at;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _at; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, data.Length - _at);
            Buffer.BlockCopy(data, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Passes writes through until <c>limit</c> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = limit - _written;
            if (room < buffer.Length)
            {
                inner.Write(buffer[..(int)Math.Max(room, 0)]);
                _written = limit;
                throw new IOException($"no space left after {limit} bytes");
            }

            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
