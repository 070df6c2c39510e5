using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using Occupancy.Fleet;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Fleet;

/// <summary>Deltas: what a recorder sends sums to the map's evidence; a ledger applies each once; the codecs refuse damage.</summary>
public class DeltaTests
{
    private static MapDelta RoundTrip(MapDelta delta) => MapDelta.Parse(delta.ToBytes());

    [Fact]
    public void An_agents_deltas_sum_to_its_maps_evidence_frame_after_frame()
    {
        var map = new OccupancyMap(0.05);
        var recorder = new DeltaRecorder(map, "agent-1");
        Assert.Null(recorder.TakeDelta()); // nothing yet: no number used
        Assert.Equal(0, recorder.Sequence);
        var integrator = new DepthImageIntegrator(map, 6f);
        var fleet = new EvidenceMap(0.05);
        for (int frame = 0; frame < 12; frame++)
        {
            integrator.Integrate(TestData.RoomFrames[frame], StandardRoom.Intrinsics, StandardRoom.CameraPose(frame));
            MapDelta delta = RoundTrip(recorder.TakeDelta()!);
            Assert.Equal(frame + 1, delta.Sequence);
            Assert.Equal("agent-1", delta.AgentId);
            Assert.True(delta.BrickCount <= map.BrickCount);
            fleet.Apply(delta);

            var expected = new EvidenceMap(0.05);
            expected.Add(map);
            Assert.True(expected.ContentEquals(fleet), $"frame {frame}");
        }

        Assert.Null(recorder.TakeDelta());
        Assert.Equal(12, recorder.Sequence);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_recorder_on_another_thread_beside_the_integration_still_sums_to_the_maps_evidence()
    {
        var map = new OccupancyMap(0.05);
        var recorder = new DeltaRecorder(map, "busy");
        var fleet = new EvidenceMap(0.05);
        var integrator = new DepthImageIntegrator(map, 6f);
        using var done = new System.Threading.ManualResetEventSlim();
        int taken = 0;
        var reader = System.Threading.Tasks.Task.Run(() =>
        {
            // Deltas taken as fast as they come while frames are integrated on the test's thread.
            while (!done.IsSet)
            {
                if (recorder.TakeDelta() is MapDelta d)
                {
                    fleet.Apply(RoundTrip(d));
                    System.Threading.Interlocked.Increment(ref taken);
                }
            }
        }, TestContext.Current.CancellationToken);
        for (int frame = 0; frame < 20; frame++)
        {
            int before = System.Threading.Volatile.Read(ref taken);
            integrator.Integrate(TestData.RoomFrames[frame], StandardRoom.Intrinsics, StandardRoom.CameraPose(frame));

            // The recorder keeps reading as the next frames are integrated; wait until it took this one at least (under
            // load the reader thread may start late).
            var wait = System.Diagnostics.Stopwatch.StartNew();
            while (System.Threading.Volatile.Read(ref taken) == before && wait.Elapsed < TimeSpan.FromSeconds(10))
            {
                System.Threading.Thread.Yield();
            }
        }

        done.Set();
        await reader;
        if (recorder.TakeDelta() is MapDelta last)
        {
            fleet.Apply(last);
            taken++;
        }

        var expected = new EvidenceMap(0.05);
        expected.Add(map);
        Assert.True(expected.ContentEquals(fleet));
        Assert.True(taken >= 20, $"{taken} deltas for 20 frames");
        Assert.Equal(taken, recorder.Sequence);
    }

    [Fact]
    public void A_delta_carries_only_the_voxels_that_changed()
    {
        var map = new OccupancyMap(0.1);
        var recorder = new DeltaRecorder(map, "a");
        map.UpdateVoxel(new VoxelKey(0, 0, 0), true);
        map.UpdateVoxel(new VoxelKey(1, 0, 0), false);
        map.UpdateVoxel(new VoxelKey(100, 0, 0), false);
        MapDelta first = recorder.TakeDelta()!;
        Assert.Equal(2, first.BrickCount);

        map.UpdateVoxel(new VoxelKey(0, 0, 0), true);
        MapDelta second = recorder.TakeDelta()!;
        Assert.Equal([new BrickKey(0, 0, 0)], second.Bricks);
        var e = new EvidenceMap(0.1);
        e.Apply(second);
        Assert.True(e.TryGetLogOdds(new VoxelKey(0, 0, 0), out float inc));
        Assert.Equal(MathF.Round(2 * map.SensorModel.HitLogOdds * 65536) - MathF.Round(map.SensorModel.HitLogOdds * 65536), inc * 65536);
        Assert.False(e.TryGetLogOdds(new VoxelKey(1, 0, 0), out _)); // unchanged: not sent again
    }

    [Fact]
    public void Forgetting_takes_the_evidence_back_and_released_bricks_stay_in_the_fleet()
    {
        var map = new OccupancyMap(0.1);
        var recorder = new DeltaRecorder(map, "a");
        var fleet = new EvidenceMap(0.1);
        map.AdvanceTime(0);
        map.UpdateVoxel(new VoxelKey(0, 0, 0), false);  // -0.405: forgotten by the decay below
        map.UpdateVoxel(new VoxelKey(1, 0, 0), true);
        map.UpdateVoxel(new VoxelKey(1, 0, 0), true);   // 1.69: kept, halved
        map.UpdateVoxel(new VoxelKey(80, 0, 0), true);  // another brick: released below
        fleet.Apply(recorder.TakeDelta()!);

        var decay = DecayPolicy.Exponential(halfLife: 1);
        decay.Apply(map, 0);
        decay.Apply(map, 4); // /16: -0.025 forgotten, 0.106 kept
        fleet.Apply(recorder.TakeDelta()!);
        Assert.True(fleet.TryGetLogOdds(new VoxelKey(0, 0, 0), out float forgotten));
        Assert.Equal(0f, forgotten);
        Assert.True(fleet.TryGetLogOdds(new VoxelKey(1, 0, 0), out float kept));
        Assert.Equal(MathF.Round(map.GetLogOdds(new VoxelKey(1, 0, 0)) * 65536) / 65536, kept);

        float atRelease = map.GetLogOdds(new VoxelKey(80, 0, 0)); // decayed too, and sent so
        map.ClearRegion(new Aabb(new Vector3(7.5f, -1, -1), new Vector3(8.5f, 1, 1)));
        Assert.Null(recorder.TakeDelta()); // a release sends nothing: the fleet keeps what it has
        Assert.True(fleet.TryGetLogOdds(new VoxelKey(80, 0, 0), out float released));
        Assert.Equal(MathF.Round(atRelease * 65536) / 65536, released);

        map.UpdateVoxel(new VoxelKey(80, 0, 0), true); // seen again: new evidence, added
        fleet.Apply(recorder.TakeDelta()!);
        Assert.True(fleet.TryGetLogOdds(new VoxelKey(80, 0, 0), out float twice));
        Assert.Equal(released + (MathF.Round(map.SensorModel.HitLogOdds * 65536) / 65536), twice);
    }

    [Fact]
    public void A_ledger_applies_each_delta_once_and_keeps_its_state_through_bytes()
    {
        OccupancyMap a = EvidenceMapTests.RandomMap(1, 400), b = EvidenceMapTests.RandomMap(2, 400);
        var ra = new DeltaRecorder(a, "a");
        var rb = new DeltaRecorder(b, "b");
        var ledger = new DeltaLedger(0.1);
        MapDelta a1 = ra.TakeDelta()!, b1 = rb.TakeDelta()!;
        Assert.True(ledger.Apply(a1));
        Assert.True(ledger.Apply(b1));
        byte[] once = ledger.ToBytes();
        Assert.False(ledger.Apply(a1));                 // a retry
        Assert.False(ledger.Apply(RoundTrip(b1)));      // the same delta off the wire
        Assert.Equal(once, ledger.ToBytes());

        a.UpdateVoxel(new VoxelKey(5, 5, 5), true);
        MapDelta a2 = ra.TakeDelta()!;
        DeltaLedger restored = DeltaLedger.Parse(once);
        Assert.Equal(once, restored.ToBytes());
        Assert.True(restored.Apply(a2));
        Assert.False(restored.Apply(a1));              // older than the last applied: seen
        Assert.Equal(2, restored.Sequences["a"]);
        Assert.Equal(3, restored.Applied);

        var expected = new EvidenceMap(0.1);
        expected.Add(a);
        expected.Add(b);
        Assert.True(expected.ContentEquals(restored.Evidence));
    }

    [Fact]
    public void The_parts_of_a_partitioned_delta_apply_to_the_whole()
    {
        MapDelta delta = new DeltaRecorder(EvidenceMapTests.RandomMap(3), "p").TakeDelta()!;
        IReadOnlyDictionary<int, MapDelta> parts = delta.Partition(b => (b.X >> 1) + (2 * (b.Z >> 1)));
        Assert.True(parts.Count > 2);
        var whole = new EvidenceMap(0.1);
        whole.Apply(delta);
        var pieces = new EvidenceMap(0.1);
        foreach (MapDelta part in parts.Values)
        {
            Assert.Equal(delta.Sequence, part.Sequence);
            Assert.Equal("p", part.AgentId);
            pieces.Apply(RoundTrip(part));
        }

        Assert.True(whole.ContentEquals(pieces));
        Assert.Equal(delta.BrickCount, parts.Values.Sum(p => p.BrickCount));
    }

    [Fact]
    public void Bad_arguments_are_refused_with_their_names()
    {
        var map = new OccupancyMap(0.1);
        Assert.Equal("agentId", Assert.Throws<ArgumentException>(() => new DeltaRecorder(map, "")).ParamName);
        Assert.Equal("agentId", Assert.Throws<ArgumentException>(() => new DeltaRecorder(map, new string('x', 257))).ParamName);
        Assert.Throws<ArgumentNullException>(() => new DeltaRecorder(null!, "a"));
        var ledger = new DeltaLedger(0.2);
        map.UpdateVoxel(default, true);
        MapDelta d = new DeltaRecorder(map, "a").TakeDelta()!;
        Assert.Throws<ArgumentException>(() => ledger.Apply(d));
        Assert.Empty(ledger.Sequences);
    }

    public static TheoryData<string> Readers => new() { "delta", "evidence", "ledger" };

    private static (byte[] Bytes, Action<byte[]> Read) Sample(string reader)
    {
        OccupancyMap map = EvidenceMapTests.RandomMap(9, 1500);
        MapDelta delta = new DeltaRecorder(map, "agent-ü").TakeDelta()!;
        var ledger = new DeltaLedger(0.1);
        ledger.Apply(delta);
        return reader switch
        {
            "delta" => (delta.ToBytes(), b => MapDelta.Parse(b)),
            "evidence" => (ledger.Evidence.ToBytes(), b => EvidenceMap.Parse(b)),
            _ => (ledger.ToBytes(), b => DeltaLedger.Parse(b)),
        };
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_truncation_and_every_flipped_byte_is_an_invalid_data_error_naming_an_offset(string reader)
    {
        (byte[] bytes, Action<byte[]> read) = Sample(reader);
        read(bytes);
        var random = new Random(17);
        for (int cut = 0; cut < bytes.Length; cut += 1 + (cut / 16))
        {
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => read(bytes.AsSpan(0, cut).ToArray()));
            Assert.Contains("at byte", e.Message, StringComparison.Ordinal);
        }

        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            int at = trial < bytes.Length && trial < 200 ? trial : random.Next(bytes.Length);
            damaged[at] ^= (byte)(1 << random.Next(8));
            Assert.Throws<InvalidDataException>(() => read(damaged));
        }
    }

    [Fact]
    public void A_declared_count_beyond_what_the_bytes_hold_is_refused_before_allocating()
    {
        (byte[] bytes, _) = Sample("delta");
        // Re-sign a delta that claims the most bricks: refused by the size check, not by running out of memory.
        byte[] forged = (byte[])bytes.Clone();
        BitConverterLittle(forged, 24, MapDelta.MaxBricks);
        Reseal(forged);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => MapDelta.Parse(forged));
        Assert.Contains("at byte 24: the bricks need 540016640 bytes", e.Message, StringComparison.Ordinal);

        (byte[] evidence, _) = Sample("evidence");
        forged = (byte[])evidence.Clone();
        BitConverterLittle(forged, 16, EvidenceMap.MaxBricks);
        Reseal(forged);
        e = Assert.Throws<InvalidDataException>(() => EvidenceMap.Parse(forged));
        Assert.Contains("at byte 16", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5f / 65536, "not a multiple of 2^-16")]
    [InlineData(256f, "not a multiple of 2^-16 below 256")]
    [InlineData(float.PositiveInfinity, "non-finite")]
    public void An_increment_that_is_not_a_whole_fixed_point_step_is_refused(float value, string message)
    {
        // An uncompressed one-brick delta written by hand: voxel 3 holds the value, the others nothing.
        float[] voxels = Enumerable.Repeat(float.NaN, 512).ToArray();
        voxels[3] = value;
        byte[] bytes = new byte[30 + 1 + 4 + 2060 + 8];
        Span<byte> s = bytes;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(s, 0x4C44434F);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[4..], 1);
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(s[8..], 0.1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(s[16..], 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(s[24..], 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(s[28..], 1);
        s[30] = (byte)'a';
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(s[31..], 2060);
        for (int v = 0; v < 512; v++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(s[(35 + 12 + (v * 4))..], voxels[v]);
        }

        Reseal(bytes);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => MapDelta.Parse(bytes));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {35 + 12 + 12}", e.Message, StringComparison.Ordinal);

        voxels[3] = 1.5f; // a whole step: accepted
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(s[(35 + 12 + 12)..], 1.5f);
        Reseal(bytes);
        MapDelta ok = MapDelta.Parse(bytes);
        var e2 = new EvidenceMap(0.1);
        e2.Apply(ok);
        Assert.True(e2.TryGetLogOdds(new VoxelKey(3, 0, 0), out float l));
        Assert.Equal(1.5f, l);
    }

    private static void BitConverterLittle(byte[] bytes, int at, int value) => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value);

    private static void Reseal(byte[] bytes)
    {
        int end = bytes.Length - 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(end), System.IO.Hashing.XxHash3.HashToUInt64(bytes.AsSpan(0, end)));
    }
}
