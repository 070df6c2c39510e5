using System.IO.Hashing;
using System.Numerics;
using BenchmarkDotNet.Attributes;
using Occupancy.Files;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>
/// The files of the standard room's map: .occ save and load in memory, OctoMap .bt/.ot writes, and the checksum
/// candidates for .occ's chunks over one full chunk (256 bricks, 527,360 bytes): XxHash3 and CRC-32 from
/// System.IO.Hashing, CRC-32C through the CPU's crc32 instruction (BitOperations.Crc32C, 8 bytes a step).
/// </summary>
[MemoryDiagnoser]
public class FileBenchmarks
{
    private OccupancyMap _map = null!;
    private byte[] _occ = null!;
    private byte[] _chunk = null!;
    private MemoryStream _sink = null!;
    private byte[] _compressed = null!;
    private byte[] _decoded = null!;
    private int _compressedLength;

    [GlobalSetup]
    public void Setup()
    {
        _map = RoomData.IntegratedMap();

        var s = new MemoryStream();
        OccupancyFile.Save(_map, s);
        _occ = s.ToArray();
        _chunk = _occ.AsSpan(96 + 24, 256 * 2060).ToArray();
        _sink = new MemoryStream(_occ.Length * 2);
        _compressed = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(_chunk.Length)];
        _decoded = new byte[_chunk.Length];
        _compressedLength = K4os.Compression.LZ4.LZ4Codec.Encode(_chunk, _compressed);
    }

    [Benchmark]
    public void OccSave()
    {
        _sink.SetLength(0);
        OccupancyFile.Save(_map, _sink);
    }

    [Benchmark]
    public OccupancyMap OccLoad() => OccupancyFile.Load(new MemoryStream(_occ));

    [Benchmark]
    public void BtWrite()
    {
        _sink.SetLength(0);
        OctoMapFile.WriteBinary(_map, _sink);
    }

    [Benchmark]
    public void OtWrite()
    {
        _sink.SetLength(0);
        OctoMapFile.Write(_map, _sink);
    }

    [Benchmark]
    public int ChunkLz4Encode() => K4os.Compression.LZ4.LZ4Codec.Encode(_chunk, _compressed);

    [Benchmark]
    public int ChunkLz4Decode() => K4os.Compression.LZ4.LZ4Codec.Decode(_compressed.AsSpan(0, _compressedLength), _decoded);

    [Benchmark]
    public ulong ChunkXxHash3() => XxHash3.HashToUInt64(_chunk);

    [Benchmark]
    public uint ChunkCrc32() => Crc32.HashToUInt32(_chunk);

    [Benchmark]
    public uint ChunkCrc32C()
    {
        uint crc = ~0u;
        ReadOnlySpan<ulong> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(_chunk);
        foreach (ulong w in words)
        {
            crc = BitOperations.Crc32C(crc, w);
        }

        return ~crc;
    }
}
