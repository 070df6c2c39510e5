using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Occupancy.Race;

/// <summary>
/// The race's input, shared byte for byte with the C++ harness. Little-endian:
/// "OCCSCAN1", uint32 version = 1, float64 resolution, float64 maxRange (≤ 0: none), uint32 frameCount,
/// per frame: float32 origin x, y, z, uint32 pointCount, pointCount × float32 x, y, z (world frame, metres, z up);
/// uint32 queryCount, queryCount × float32 x, y, z; uint32 rayCount, rayCount × float32 ox, oy, oz, dx, dy, dz, maxRange.
/// </summary>
internal sealed class ScanFile
{
    public double Resolution { get; init; }
    public double MaxRange { get; init; }
    public List<(Vector3 Origin, Vector3[] Points)> Frames { get; } = [];
    public Vector3[] Queries { get; init; } = [];
    public (Vector3 Origin, Vector3 Direction, float MaxRange)[] Rays { get; init; } = [];

    public void Write(string path)
    {
        using var w = new BinaryWriter(File.Create(path), Encoding.ASCII);
        w.Write("OCCSCAN1"u8);
        w.Write(1u);
        w.Write(Resolution);
        w.Write(MaxRange);
        w.Write((uint)Frames.Count);
        foreach ((Vector3 origin, Vector3[] points) in Frames)
        {
            WriteVector(w, origin);
            w.Write((uint)points.Length);
            foreach (Vector3 p in points)
            {
                WriteVector(w, p);
            }
        }

        w.Write((uint)Queries.Length);
        foreach (Vector3 q in Queries)
        {
            WriteVector(w, q);
        }

        w.Write((uint)Rays.Length);
        foreach ((Vector3 o, Vector3 d, float r) in Rays)
        {
            WriteVector(w, o);
            WriteVector(w, d);
            w.Write(r);
        }
    }

    public static ScanFile Read(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.ASCII);
        if (Encoding.ASCII.GetString(r.ReadBytes(8)) != "OCCSCAN1" || r.ReadUInt32() != 1)
        {
            throw new InvalidDataException($"{path} is not an OCCSCAN1 version 1 file.");
        }

        double resolution = r.ReadDouble(), maxRange = r.ReadDouble();
        uint frames = r.ReadUInt32();
        var file = new ScanFile { Resolution = resolution, MaxRange = maxRange };
        for (int f = 0; f < frames; f++)
        {
            Vector3 origin = ReadVector(r);
            var points = new Vector3[r.ReadUInt32()];
            for (int i = 0; i < points.Length; i++)
            {
                points[i] = ReadVector(r);
            }

            file.Frames.Add((origin, points));
        }

        var queries = new Vector3[r.ReadUInt32()];
        for (int i = 0; i < queries.Length; i++)
        {
            queries[i] = ReadVector(r);
        }

        var rays = new (Vector3, Vector3, float)[r.ReadUInt32()];
        for (int i = 0; i < rays.Length; i++)
        {
            rays[i] = (ReadVector(r), ReadVector(r), r.ReadSingle());
        }

        return new ScanFile { Resolution = resolution, MaxRange = maxRange, Queries = queries, Rays = rays }.WithFrames(file.Frames);
    }

    private ScanFile WithFrames(List<(Vector3, Vector3[])> frames)
    {
        Frames.AddRange(frames);
        return this;
    }

    private static void WriteVector(BinaryWriter w, Vector3 v)
    {
        w.Write(v.X);
        w.Write(v.Y);
        w.Write(v.Z);
    }

    private static Vector3 ReadVector(BinaryReader r) => new(r.ReadSingle(), r.ReadSingle(), r.ReadSingle());
}

/// <summary>OctoMap's classification of its map, written by the harness: "OCCVOX01", uint64 count, count × (int32 x, y, z, uint8 state).</summary>
internal static class VoxelFile
{
    public static Dictionary<(int, int, int), byte> Read(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        if (Encoding.ASCII.GetString(r.ReadBytes(8)) != "OCCVOX01")
        {
            throw new InvalidDataException($"{path} is not an OCCVOX01 file.");
        }

        long count = (long)r.ReadUInt64();
        var voxels = new Dictionary<(int, int, int), byte>((int)count);
        for (long i = 0; i < count; i++)
        {
            voxels[(r.ReadInt32(), r.ReadInt32(), r.ReadInt32())] = r.ReadByte();
        }

        return voxels;
    }

    /// <summary>
    /// How far a map agrees with a peer's classification file, voxel for voxel: the voxels both classify alike (free or
    /// occupied) over the voxels either of them knows. The file is streamed against the map's lookups rather than read
    /// into a table first: on the 64-beam scans at 5 cm (8 million voxels a file, two files a scene) the table took most
    /// of a scene's time in the race.
    /// </summary>
    public static double Agreement(string path, OccupancyMap map)
    {
        const int EntryBytes = 13;
        const int EntriesPerRead = 1 << 16;
        using FileStream file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[16];
        file.ReadExactly(head);
        if (!head[..8].SequenceEqual("OCCVOX01"u8))
        {
            throw new InvalidDataException($"{path} is not an OCCVOX01 file.");
        }

        long left = (long)BinaryPrimitives.ReadUInt64LittleEndian(head[8..]);
        long union = map.CountVoxels().Known, same = 0;
        byte[] buffer = new byte[EntryBytes * EntriesPerRead];
        while (left > 0)
        {
            int n = (int)Math.Min(left, EntriesPerRead);
            file.ReadExactly(buffer, 0, n * EntryBytes);
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> e = buffer.AsSpan(i * EntryBytes, EntryBytes);
                var key = new VoxelKey(BinaryPrimitives.ReadInt32LittleEndian(e), BinaryPrimitives.ReadInt32LittleEndian(e[4..]), BinaryPrimitives.ReadInt32LittleEndian(e[8..]));
                VoxelState ours = map.GetState(key);
                if (ours == VoxelState.Unknown)
                {
                    union++; // known to the peer only
                }
                else if ((ours == VoxelState.Occupied ? 2 : 1) == e[12])
                {
                    same++;
                }
            }

            left -= n;
        }

        return (double)same / union;
    }
}
