using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace Occupancy.Files;

/// <summary>
/// Reads OctoMap's .bt and .ot files into a new map, as liboctomap 1.9.7 reads them and its <c>search</c> answers them:
/// a leaf at depth d (a pruned node) gives its value to all 8^(16 − d) voxels below it. One pass over the bytes checks
/// the structure and fills a new map brick by brick; every brick is counted against the limit before it is allocated,
/// so a tree that needs more is refused having allocated at most the limit, and a damaged tree leaves only the new map,
/// which is dropped. Large inputs on machines of 4 processors or more are read with several threads into the same map
/// slot for slot, with the same exceptions (<see cref="TryReadParallel"/>).
/// </summary>
internal sealed class OctoMapReader
{
    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>Inputs from this size are read with several threads (below it, starting them costs more than they save).</summary>
    internal const int ParallelMinBytes = 32 << 10;

    /// <summary>
    /// Processors from which reads use several threads: with 2, a helper shares the only other processor with whatever
    /// else runs, and a read waits for a helper preempted in the middle of its part (docs/files.md, Speed).
    /// </summary>
    internal const int ParallelMinProcessors = 4;

    /// <summary>The most threads a read fills bricks with.</summary>
    private const int MaxThreads = 8;

    /// <summary>Parts a parallel fill is cut into per thread, taken in turn (a thread held up elsewhere takes fewer).</summary>
    private const int PartsPerThread = 16;
    private readonly byte[] _data;
    private readonly int _length;
    private readonly bool _binary;
    private readonly string _format;
    private readonly float _free, _occupied;
    private readonly long _maxVoxels;
    private OccupancyMap _map = null!;
    private long _nodes, _bricks;
    private int _pos;
    private (int X, int Y, int Z) _lastBrick = (int.MinValue, 0, 0);
    private float[]? _lastSlab;
    private int _lastStart;

    // A parallel read: the plan's units (leaves at depth 13 or above, and the nodes at depth 13 with children), in
    // pre-order, and whether this reader fills planned bricks (a worker: it never adds bricks to the map itself).
    private Unit[] _units = [];
    private int _unitCount;
    private bool _worker;

    private OctoMapReader(byte[] data, int length, bool binary, SensorModel model, long maxVoxels)
    {
        _data = data;
        _length = length;
        _binary = binary;
        _format = binary ? OctoMapFormat.BinaryName : OctoMapFormat.FullName;
        _free = model.ClampMinLogOdds;
        _occupied = model.ClampMaxLogOdds;
        _maxVoxels = maxVoxels;
    }

    public static OccupancyMap Read(Stream stream, bool binary, SensorModel model, long maxVoxels) =>
        Read(stream, binary, model, maxVoxels, threads: 0);

    /// <summary>
    /// Reads a tree with up to <paramref name="threads"/> threads filling bricks: 1 reads in one pass, more plan and
    /// fill in parallel (the same map, slot for slot), 0 picks by the input's size and the processors there are.
    /// </summary>
    internal static OccupancyMap Read(Stream stream, bool binary, SensorModel model, long maxVoxels, int threads)
    {
        (byte[] data, int length) = ReadAll(stream);
        try
        {
            if (threads == 0)
            {
                threads = length >= ParallelMinBytes && Environment.ProcessorCount >= ParallelMinProcessors ? Math.Min(Environment.ProcessorCount, MaxThreads) : 1;
            }

            var reader = new OctoMapReader(data, length, binary, model, maxVoxels);
            return reader.ReadTree(model, threads);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary>The rest of the stream in a pooled buffer (a fresh multi-megabyte array a read would cost a full GC).</summary>
    private static (byte[] Data, int Length) ReadAll(Stream stream)
    {
        if (stream.CanSeek)
        {
            long left = stream.Length - stream.Position;
            if (left > Array.MaxLength)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"An OctoMap file of {left} bytes is larger than this reader takes ({Array.MaxLength} bytes)."));
            }

            byte[] bytes = ArrayPool<byte>.Shared.Rent((int)Math.Max(left, 1));
            stream.ReadExactly(bytes, 0, (int)left);
            return (bytes, (int)left);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        int length = 0;
        int read;
        while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                if (length == Array.MaxLength)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"An OctoMap file of more than {Array.MaxLength} bytes is larger than this reader takes."));
                }

                byte[] grown = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)length * 2, Array.MaxLength));
                buffer.AsSpan(0, length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = grown;
            }
        }

        return (buffer, length);
    }

    private OccupancyMap ReadTree(SensorModel model, int threads)
    {
        (double resolution, long size, string id) = ReadHeader();
        if (!_binary && id != OctoMapFormat.TreeId)
        {
            throw FileErrors.At(_format, 0, $"tree type '{id}' is not supported: only OcTree (float log-odds nodes) is");
        }

        if (!(resolution >= OccupancyMap.MinResolution && resolution <= OccupancyMap.MaxResolution))
        {
            throw FileErrors.At(_format, 0, string.Create(CultureInfo.InvariantCulture, $"resolution {resolution} m lies outside the {OccupancyMap.MinResolution}..{OccupancyMap.MaxResolution} m this library's maps take"));
        }

        int dataStart = _pos;
        _map = new OccupancyMap(resolution, model);
        if (size > 0 && !(threads > 1 && TryReadParallel(dataStart, threads)))
        {
            Walk();
        }

        if (size > 0 && _binary && _nodes != size) // readBinary checks the size; read (.ot) does not
        {
            throw FileErrors.At(_format, dataStart, $"the header's size is {size} nodes but the tree has {_nodes}");
        }

        return _map;
    }

    /// <summary>Parses the header lines as OctoMap's readHeader does; leaves <see cref="_pos"/> at the first data byte.</summary>
    private (double Resolution, long Size, string Id) ReadHeader()
    {
        string first = _binary ? OctoMapFormat.BinaryHeader : OctoMapFormat.FullHeader;
        int end = Array.IndexOf(_data, (byte)'\n', 0, Math.Min(_length, MaxHeaderBytes));
        string line = Encoding.ASCII.GetString(_data, 0, end < 0 ? Math.Min(_length, first.Length) : end);
        if (!line.StartsWith(first, StringComparison.Ordinal))
        {
            throw FileErrors.At(_format, 0, $"the first line is not \"{first}\"");
        }

        _pos = end + 1;
        string id = string.Empty;
        double resolution = 0;
        long size = 0;
        while (true)
        {
            (string token, int at) = NextToken();
            if (token.Length == 0)
            {
                throw FileErrors.At(_format, at, "the header has no 'data' line");
            }

            if (token == "data")
            {
                SkipLine();
                break;
            }

            if (token[0] == '#')
            {
                SkipLine();
            }
            else if (token == "id")
            {
                id = NextToken().Token;
                if (id == "1")
                {
                    id = OctoMapFormat.TreeId; // files of OctoMap before 1.4
                }
            }
            else if (token == "res")
            {
                (string value, int vat) = NextToken();
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out resolution))
                {
                    throw FileErrors.At(_format, vat, $"resolution '{value}' is not a number");
                }
            }
            else if (token == "size")
            {
                (string value, int vat) = NextToken();
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size > uint.MaxValue)
                {
                    throw FileErrors.At(_format, vat, $"size '{value}' is not a node count");
                }
            }
            else
            {
                SkipLine(); // OctoMap warns about an unknown keyword and skips its line
            }
        }

        if (id.Length == 0)
        {
            throw FileErrors.At(_format, _pos, "the header has no 'id'");
        }

        return (resolution, size, id);
    }

    private (string Token, int At) NextToken()
    {
        while (_pos < _length && _pos < MaxHeaderBytes && IsSpace(_data[_pos]))
        {
            _pos++;
        }

        int start = _pos;
        while (_pos < _length && _pos - start < 256 && !IsSpace(_data[_pos]))
        {
            _pos++;
        }

        if (_pos >= MaxHeaderBytes)
        {
            throw FileErrors.At(_format, _pos, $"the header is longer than {MaxHeaderBytes} bytes");
        }

        return (Encoding.ASCII.GetString(_data, start, _pos - start), start);
    }

    private void SkipLine()
    {
        while (_pos < _length && _data[_pos++] != '\n')
        {
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private void Walk()
    {
        _nodes = 1; // the root
        if (_binary)
        {
            if (!WalkBinary(0, 0, 0, 0))
            {
                // A root without children keeps the value readBinary gives it: occupied, everywhere.
                AddLeaf(0, 0, 0, 0, _occupied);
            }
        }
        else
        {
            WalkFull(0, 0, 0, 0);
        }
    }

    /// <summary>One .bt node at <paramref name="depth"/> with key corner (x, y, z); false when it has no children.</summary>
    private bool WalkBinary(int depth, int x, int y, int z)
    {
        if (_pos + 2 > _length)
        {
            throw FileErrors.At(_format, _pos, $"the tree ends inside a node at depth {depth}");
        }

        int codes = _data[_pos] | (_data[_pos + 1] << 8);
        _pos += 2;
        if (codes == 0)
        {
            return false;
        }

        if (depth == OctoMapFormat.TreeDepth - 1)
        {
            VoxelsBinary(codes, x, y, z);
            return true;
        }

        // The children by their 2-bit codes, set bits visited without a branch per child: leaves (1 free, 2 occupied)
        // first, then inner nodes (3), each in child order, as readBinary reads them.
        int bit = OctoMapFormat.TreeDepth - 1 - depth;
        int inner = codes & (codes >> 1) & 0x5555, leaves = (codes ^ (codes >> 1)) & 0x5555;
        _nodes += System.Numerics.BitOperations.PopCount((uint)(inner | leaves));
        for (int left = leaves; left != 0; left &= left - 1)
        {
            int b = System.Numerics.BitOperations.TrailingZeroCount(left), i = b >> 1;
            int cx = x | ((i & 1) << bit), cy = y | (((i >> 1) & 1) << bit), cz = z | ((i >> 2) << bit);
            AddLeaf(depth + 1, cx, cy, cz, ((codes >> b) & 2) != 0 ? _occupied : _free);
        }

        for (int left = inner; left != 0; left &= left - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(left) >> 1;
            int cx = x | ((i & 1) << bit), cy = y | (((i >> 1) & 1) << bit), cz = z | ((i >> 2) << bit);
            if (!WalkBinary(depth + 1, cx, cy, cz))
            {
                // Marked inner but without children: readBinary gives it the maximum of no children, -FLT_MAX.
                AddLeaf(depth + 1, cx, cy, cz, -float.MaxValue);
            }
        }

        return true;
    }

    /// <summary>The voxel children (depth 16) of a .bt node at depth 15 with key corner (x, y, z), in one pass.</summary>
    private void VoxelsBinary(int codes, int x, int y, int z)
    {
        Span<float> voxels = Brick((x - OctoMapFormat.KeyOffset) >> 3, (y - OctoMapFormat.KeyOffset) >> 3, (z - OctoMapFormat.KeyOffset) >> 3);
        if ((codes & (codes >> 1) & 0x5555) != 0)
        {
            throw FileErrors.At(_format, _pos - 2, "a voxel (a node at depth 16) is marked as having children");
        }

        // Without a branch per child (on a surface, which children exist is anyone's guess): code 0 stores NaN, which
        // the new brick already holds there, since no other leaf covers these voxels.
        _nodes += System.Numerics.BitOperations.PopCount((uint)((codes | (codes >> 1)) & 0x5555));
        ReadOnlySpan<float> values = [float.NaN, _free, _occupied, float.NaN];
        Span<float> row = voxels.Slice((x & 7) | ((y & 7) << 3) | ((z & 7) << 6), 74);
        row[0] = values[codes & 3];
        row[1] = values[(codes >> 2) & 3];
        row[8] = values[(codes >> 4) & 3];
        row[9] = values[(codes >> 6) & 3];
        row[64] = values[(codes >> 8) & 3];
        row[65] = values[(codes >> 10) & 3];
        row[72] = values[(codes >> 12) & 3];
        row[73] = values[(codes >> 14) & 3];
    }

    /// <summary>One .ot node at <paramref name="depth"/>: its float log-odds, its child flags, its children.</summary>
    private void WalkFull(int depth, int x, int y, int z)
    {
        if (_pos + 5 > _length)
        {
            throw FileErrors.At(_format, _pos, $"the tree ends inside a node at depth {depth}");
        }

        float value = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(_pos));
        int mask = _data[_pos + 4];
        _pos += 5;
        if (mask == 0)
        {
            if (!float.IsFinite(value))
            {
                throw FileErrors.At(_format, _pos - 5, $"a leaf at depth {depth} holds a non-finite log-odds ({value})");
            }

            AddLeaf(depth, x, y, z, value);
            return;
        }

        if (depth == OctoMapFormat.TreeDepth)
        {
            throw FileErrors.At(_format, _pos - 1, "a voxel (a node at depth 16) has children");
        }

        if (depth == OctoMapFormat.TreeDepth - 1)
        {
            VoxelsFull(mask, x, y, z);
            return;
        }

        int bit = OctoMapFormat.TreeDepth - 1 - depth;
        for (int left = mask; left != 0; left &= left - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(left);
            _nodes++;
            WalkFull(depth + 1, x | ((i & 1) << bit), y | (((i >> 1) & 1) << bit), z | ((i >> 2) << bit));
        }
    }

    /// <summary>The voxel children (depth 16) of a .ot node at depth 15 with key corner (x, y, z), in one pass.</summary>
    private void VoxelsFull(int mask, int x, int y, int z)
    {
        int count = System.Numerics.BitOperations.PopCount((uint)mask);
        if (_pos + (5 * count) > _length)
        {
            throw FileErrors.At(_format, _pos, "the tree ends inside a voxel");
        }

        _nodes += count;

        Span<float> voxels = Brick((x - OctoMapFormat.KeyOffset) >> 3, (y - OctoMapFormat.KeyOffset) >> 3, (z - OctoMapFormat.KeyOffset) >> 3);
        Span<float> block = voxels.Slice((x & 7) | ((y & 7) << 3) | ((z & 7) << 6), 74);
        ReadOnlySpan<byte> records = _data.AsSpan(_pos, 5 * count);

        // The children present, lowest first, stored as read; a fault (a voxel with children, a non-finite log-odds)
        // is noted without a branch and reported after the loop, the first in the file as the walk meets it.
        int faults = 0;
        if (mask == 0xFF)
        {
            // All eight (half of a room's nodes at depth 15): straight-line code, every index a constant.
            records = records[..40];
            faults = Voxel(records, 0, ref block[0]) | Voxel(records, 5, ref block[1]) | Voxel(records, 10, ref block[8]) |
                Voxel(records, 15, ref block[9]) | Voxel(records, 20, ref block[64]) | Voxel(records, 25, ref block[65]) |
                Voxel(records, 30, ref block[72]) | Voxel(records, 35, ref block[73]);
        }
        else
        {
            int r = 0;
            for (int left = mask; left != 0; left &= left - 1, r += 5)
            {
                int i = System.Numerics.BitOperations.TrailingZeroCount(left);
                faults |= Voxel(records, r, ref block[(i & 1) | ((i & 2) << 2) | ((i & 4) << 4)]);
            }
        }

        if (faults != 0)
        {
            ThrowVoxelFault(count);
        }

        _pos += 5 * count;
    }

    /// <summary>Stores a voxel record's log-odds; nonzero when it is faulty (child flags set, or not finite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Voxel(ReadOnlySpan<byte> records, int at, ref float voxel)
    {
        int bits = BinaryPrimitives.ReadInt32LittleEndian(records.Slice(at, 4));
        voxel = BitConverter.Int32BitsToSingle(bits);
        return records[at + 4] | ((((bits >> 23) & 0xFF) + 1) >> 8); // an exponent of all ones: infinite or NaN
    }

    /// <summary>The first fault among the <paramref name="count"/> voxel records at <see cref="_pos"/>, as a per-voxel check finds it.</summary>
    private void ThrowVoxelFault(int count)
    {
        for (int r = _pos; r < _pos + (5 * count); r += 5)
        {
            float value = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(r));
            if (_data[r + 4] != 0)
            {
                throw FileErrors.At(_format, r + 4, "a voxel (a node at depth 16) has children");
            }

            if (!float.IsFinite(value))
            {
                throw FileErrors.At(_format, r, $"a leaf at depth 16 holds a non-finite log-odds ({value})");
            }
        }
    }

    /// <summary>A leaf at <paramref name="depth"/> with OctoMap key corner (x, y, z): its bricks counted, then filled in.</summary>
    private void AddLeaf(int depth, int x, int y, int z, float value)
    {
        int sideBits = OctoMapFormat.TreeDepth - depth;
        int side = 1 << sideBits;
        int vx = x - OctoMapFormat.KeyOffset, vy = y - OctoMapFormat.KeyOffset, vz = z - OctoMapFormat.KeyOffset;
        if (side >= VoxelKey.BrickSize)
        {
            // Whole bricks, each its own (the tree's leaves are disjoint), all counted before any is allocated.
            AddBricks(1L << (3 * (sideBits - VoxelKey.BrickShift)), depth);
            for (int bz = vz >> 3; bz < (vz + side) >> 3; bz++)
            {
                for (int by = vy >> 3; by < (vy + side) >> 3; by++)
                {
                    for (int bx = vx >> 3; bx < (vx + side) >> 3; bx++)
                    {
                        // New (the leaves are disjoint), and written once, with the value.
                        _map.AdoptFilledBrick(bx, by, bz, value);
                    }
                }
            }

            return;
        }

        // A block of 1, 2 or 4 voxels a side inside one brick, aligned to its side: stores of the value, without a
        // loop over the rows for the common blocks (Span.Fill's call costs more than the stores of a row this short).
        Span<float> voxels = Brick(vx >> 3, vy >> 3, vz >> 3);
        int first = ((vz & 7) << 6) | ((vy & 7) << 3) | (vx & 7);
        if (side == 1)
        {
            voxels[first] = value;
        }
        else if (side == 2)
        {
            Span<float> block = voxels.Slice(first, 74);
            block[0] = value;
            block[1] = value;
            block[8] = value;
            block[9] = value;
            block[64] = value;
            block[65] = value;
            block[72] = value;
            block[73] = value;
        }
        else
        {
            Span<float> block = voxels.Slice(first, 220);
            for (int plane = 0; plane < 256; plane += 64)
            {
                for (int row = plane; row < plane + 32; row += 8)
                {
                    block[row] = value;
                    block[row + 1] = value;
                    block[row + 2] = value;
                    block[row + 3] = value;
                }
            }
        }
    }

    /// <summary>
    /// Adds bricks the map will allocate; refuses the tree when their storage (512 voxels a brick, whatever number of
    /// them is known) exceeds the limit: that, not the known voxels, is what a load costs.
    /// </summary>
    private void AddBricks(long bricks, int depth)
    {
        _bricks += bricks;
        if (_bricks > _maxVoxels / VoxelKey.BrickVoxels)
        {
            throw FileErrors.At(_format, _pos, string.Create(CultureInfo.InvariantCulture, $"the tree needs more than {_maxVoxels / VoxelKey.BrickVoxels} bricks of 512 voxels, the {_maxVoxels}-voxel limit (a leaf at depth {depth} alone covers {bricks} bricks); raise the voxel limit to load it"));
        }
    }

    /// <summary>
    /// A brick of the map being filled, counted against the limit before it is allocated. Pre-order visits a brick's
    /// voxels in one run, so a brick differs from the last one exactly when it is new: the last one is kept.
    /// </summary>
    private Span<float> Brick(int bx, int by, int bz)
    {
        if (_lastBrick != (bx, by, bz))
        {
            if (_worker)
            {
                throw new InvalidOperationException("A unit's subtree reached outside its brick."); // cannot happen: a node at depth 13 covers one brick
            }

            AddBricks(1, OctoMapFormat.TreeDepth);
            int slot = _map.AdoptFilledBrick(bx, by, bz, float.NaN); // new: pre-order never returns to a brick it left
            _lastSlab = _map.SlabOf(slot);
            _lastStart = OccupancyMap.CellStart(slot);
            _lastBrick = (bx, by, bz);
        }

        return _lastSlab.AsSpan(_lastStart, VoxelKey.BrickVoxels);
    }

    /// <summary>
    /// Reads the tree with several threads, as <see cref="Walk"/> reads it: the same voxels, the same slots in the same
    /// order (so the same map, byte for byte in any file written from it), the same exception for a damaged tree.
    /// A first pass (<see cref="PlanFull"/>, <see cref="PlanBinary"/>) walks the nodes above the bricks' depth (13)
    /// as the one-pass reader does, with its checks, and skips the subtree of each node at depth 13 (<see
    /// cref="SkipFull"/>, <see cref="SkipBinary"/>: node sizes are fixed, so only child flags are read); it records
    /// each such node and each leaf at depth 13 or above as a unit, in pre-order, and counts their bricks: a node at
    /// depth 13 is one brick, a leaf all it covers, exactly the bricks the one-pass reader adds, in its order, so each
    /// unit's bricks take known slots. A fault or a count above the limit ends the plan having allocated nothing, and
    /// the one-pass reader reads the tree instead (and throws what it throws). Then the map makes the planned bricks'
    /// slots and slabs at once, this thread publishes them in slot order while helpers fill units, and all fill parts
    /// of the units in turn. A unit's subtree is read and checked as the one-pass reader reads it, from its planned
    /// start: a fault stops its part, and the fault of the first part with one is thrown. That is the one-pass
    /// reader's: the units before it are where the plan put them and read whole, nothing above depth 13 is faulty, and
    /// their bricks are within the limit; a skip past the fault (a voxel with children) may misplace later units,
    /// whose faults come after it.
    /// </summary>
    /// <returns>False when the plan found a fault or too many bricks: nothing was allocated, and <see cref="Walk"/> reads the tree.</returns>
    private bool TryReadParallel(int dataStart, int threads)
    {
        _nodes = 1; // the root
        _units = new Unit[64];
        bool planned = _binary ? PlanBinaryRoot() : PlanFull(0, 0, 0, 0);
        if (!planned)
        {
            _pos = dataStart;
            _nodes = 0;
            _bricks = 0;
            _units = [];
            _unitCount = 0;
            return false;
        }

        int bricks = (int)_bricks;
        _map.ReserveBricks(bricks);

        // Parts of about equal work: a subtree's bytes, and 64 bytes a brick's fill.
        long total = 0;
        for (int u = 0; u < _unitCount; u++)
        {
            total += _units[u].Cost;
        }

        int parts = Math.Min(_unitCount, threads * PartsPerThread);
        int[] firsts = new int[parts + 1];
        long done = 0;
        for (int u = 0, part = 1; u < _unitCount && part < parts; u++)
        {
            done += _units[u].Cost;
            if (done * parts >= total * part)
            {
                firsts[part++] = u + 1;
            }
        }

        for (int part = 1; part <= parts; part++)
        {
            firsts[part] = part == parts ? _unitCount : Math.Max(firsts[part], firsts[part - 1]);
        }

        var fill = new ParallelFill(this, firsts);
        for (int i = Math.Min(threads, parts) - 1; i > 0; i--)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static f => f.Run(), fill, preferLocal: false);
        }

        // The bricks' keys into the map's table and directory, in slot order (the one-pass reader's), while the helpers
        // fill: publishing touches no voxel.
        for (int u = 0; u < _unitCount; u++)
        {
            ref readonly Unit unit = ref _units[u];
            int sideBricks = 1 << (OctoMapFormat.BrickDepth - unit.Depth);
            int bx = (unit.X - OctoMapFormat.KeyOffset) >> VoxelKey.BrickShift;
            int by = (unit.Y - OctoMapFormat.KeyOffset) >> VoxelKey.BrickShift;
            int bz = (unit.Z - OctoMapFormat.KeyOffset) >> VoxelKey.BrickShift;
            for (int z = bz; z < bz + sideBricks; z++)
            {
                for (int y = by; y < by + sideBricks; y++)
                {
                    for (int x = bx; x < bx + sideBricks; x++)
                    {
                        _map.PublishReservedBrick(x, y, z);
                    }
                }
            }
        }

        fill.Run();
        _nodes += fill.Finish();
        return true;
    }

    /// <summary>A worker of a parallel read: the same bytes and values, filling bricks that the map already holds.</summary>
    private OctoMapReader(OctoMapReader plan)
    {
        _data = plan._data;
        _length = plan._length;
        _binary = plan._binary;
        _format = plan._format;
        _free = plan._free;
        _occupied = plan._occupied;
        _maxVoxels = plan._maxVoxels;
        _map = plan._map;
        _worker = true;
    }

    /// <summary>Fills a unit's bricks (a worker): a leaf's with its value, a node's at depth 13 as its subtree gives.</summary>
    private void FillUnit(in Unit unit)
    {
        if (unit.Leaf)
        {
            int count = 1 << (3 * (OctoMapFormat.BrickDepth - unit.Depth));
            for (int slot = unit.Slot; slot < unit.Slot + count; slot++)
            {
                _map.BrickAtReserved(slot).Fill(unit.Value);
            }

            return;
        }

        int bx = (unit.X - OctoMapFormat.KeyOffset) >> VoxelKey.BrickShift;
        int by = (unit.Y - OctoMapFormat.KeyOffset) >> VoxelKey.BrickShift;
        int bz = (unit.Z - OctoMapFormat.KeyOffset) >> VoxelKey.BrickShift;
        _lastBrick = (bx, by, bz);
        _lastSlab = _map.SlabAtReserved(unit.Slot);
        _lastStart = OccupancyMap.CellStart(unit.Slot);
        Span<float> voxels = _lastSlab.AsSpan(_lastStart, VoxelKey.BrickVoxels);
        voxels.Fill(float.NaN); // all unknown, as a new brick of the one-pass reader is
        _pos = unit.Pos;
        if (_binary)
        {
            if (!WalkBinary(OctoMapFormat.BrickDepth, unit.X, unit.Y, unit.Z))
            {
                voxels.Fill(-float.MaxValue); // marked inner without children, as WalkBinary's caller reads it
            }
        }
        else
        {
            WalkFull(OctoMapFormat.BrickDepth, unit.X, unit.Y, unit.Z);
        }

        if (_pos != unit.End)
        {
            throw new InvalidOperationException("A unit's subtree was read to another end than the plan's."); // cannot happen: both read the same nodes
        }
    }

    /// <summary>Plans a .ot node at depth 13 or above as <see cref="WalkFull"/> reads it; false at a fault or too many bricks.</summary>
    private bool PlanFull(int depth, int x, int y, int z)
    {
        if (_pos + 5 > _length)
        {
            return false;
        }

        int at = _pos;
        float value = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(_pos));
        int mask = _data[_pos + 4];
        _pos += 5;
        if (mask == 0)
        {
            return float.IsFinite(value) && AddUnit(true, depth, x, y, z, value, at);
        }

        if (depth == OctoMapFormat.BrickDepth)
        {
            return SkipFull(System.Numerics.BitOperations.PopCount((uint)mask)) && AddUnit(false, depth, x, y, z, 0, at);
        }

        int bit = OctoMapFormat.TreeDepth - 1 - depth;
        for (int left = mask; left != 0; left &= left - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(left);
            _nodes++;
            if (!PlanFull(depth + 1, x | ((i & 1) << bit), y | (((i >> 1) & 1) << bit), z | ((i >> 2) << bit)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Skips <paramref name="pending"/> .ot subtrees: each node is 5 bytes, and its child flags add the children still
    /// to come, a count that ends the subtrees at 0 (a loop whose only dependency is an add: the bytes' addresses do not
    /// depend on the flags). A voxel with children here counts them, which misplaces what follows; the worker that
    /// fills this subtree refuses the voxel as the one-pass reader does, and its fault is the first of the file (see
    /// <see cref="TryReadParallel"/>).
    /// </summary>
    private bool SkipFull(int pending)
    {
        ref byte data = ref MemoryMarshal.GetArrayDataReference(_data);
        int records = (_length - _pos) / 5; // whole nodes left: none is read beyond them
        int flags = _pos + 4;
        while (pending > 0)
        {
            if (--records < 0)
            {
                return false;
            }

            pending += System.Numerics.BitOperations.PopCount(Unsafe.Add(ref data, flags)) - 1;
            flags += 5;
        }

        _pos = flags - 4;
        return true;
    }

    /// <summary>Plans the .bt root: one with no children (a leaf over the whole key space) is left to the one-pass reader.</summary>
    private bool PlanBinaryRoot() => PlanBinary(0, 0, 0, 0) == 1;

    /// <summary>
    /// Plans a .bt node above depth 13 as <see cref="WalkBinary"/> reads it: 1 when it has children, 0 when not, −1 at
    /// a fault or too many bricks.
    /// </summary>
    private int PlanBinary(int depth, int x, int y, int z)
    {
        if (_pos + 2 > _length)
        {
            return -1;
        }

        int codes = _data[_pos] | (_data[_pos + 1] << 8);
        _pos += 2;
        if (codes == 0)
        {
            return 0;
        }

        int bit = OctoMapFormat.TreeDepth - 1 - depth;
        int inner = codes & (codes >> 1) & 0x5555, leaves = (codes ^ (codes >> 1)) & 0x5555;
        _nodes += System.Numerics.BitOperations.PopCount((uint)(inner | leaves));
        for (int left = leaves; left != 0; left &= left - 1)
        {
            int b = System.Numerics.BitOperations.TrailingZeroCount(left), i = b >> 1;
            int cx = x | ((i & 1) << bit), cy = y | (((i >> 1) & 1) << bit), cz = z | ((i >> 2) << bit);
            if (!AddUnit(true, depth + 1, cx, cy, cz, ((codes >> b) & 2) != 0 ? _occupied : _free, _pos))
            {
                return -1;
            }
        }

        for (int left = inner; left != 0; left &= left - 1)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(left) >> 1;
            int cx = x | ((i & 1) << bit), cy = y | (((i >> 1) & 1) << bit), cz = z | ((i >> 2) << bit);
            int at = _pos;
            if (depth + 1 == OctoMapFormat.BrickDepth)
            {
                if (!SkipBinary() || !AddUnit(false, depth + 1, cx, cy, cz, 0, at))
                {
                    return -1;
                }

                continue;
            }

            int child = PlanBinary(depth + 1, cx, cy, cz);
            if (child < 0 || (child == 0 && !AddUnit(true, depth + 1, cx, cy, cz, -float.MaxValue, at)))
            {
                return -1;
            }
        }

        return 1;
    }

    /// <summary>
    /// Skips a .bt node at depth 13 and its subtree: the nodes at depth 14 are read for their children, those at depth
    /// 15 (whose children are voxels, without nodes of their own) stepped over unread, 2 bytes each.
    /// </summary>
    private bool SkipBinary()
    {
        int p = _pos, length = _length;
        byte[] data = _data;
        if (p + 2 > length)
        {
            return false;
        }

        int codes = data[p] | (data[p + 1] << 8);
        p += 2;
        for (int a = System.Numerics.BitOperations.PopCount((uint)(codes & (codes >> 1) & 0x5555)); a > 0; a--)
        {
            if (p + 2 > length)
            {
                return false;
            }

            int codes14 = data[p] | (data[p + 1] << 8);
            p += 2 + (2 * System.Numerics.BitOperations.PopCount((uint)(codes14 & (codes14 >> 1) & 0x5555)));
        }

        if (p > length)
        {
            return false;
        }

        _pos = p;
        return true;
    }

    /// <summary>
    /// Records a unit and counts its bricks (one for a node at depth 13, all it covers for a leaf): false when they
    /// take the count past the limit (the one-pass reader then refuses the tree where it does).
    /// </summary>
    private bool AddUnit(bool leaf, int depth, int x, int y, int z, float value, int at)
    {
        int bricks = leaf ? 1 << Math.Min(3 * (OctoMapFormat.BrickDepth - depth), 30) : 1;
        if (_bricks + bricks > Math.Min(_maxVoxels / VoxelKey.BrickVoxels, Array.MaxLength / 2))
        {
            return false;
        }

        if (_unitCount == _units.Length)
        {
            Array.Resize(ref _units, _unitCount * 2);
        }

        long cost = leaf ? 64L * bricks : 64 + (_pos - at);
        _units[_unitCount++] = new Unit(at, _pos, depth, x, y, z, value, (int)_bricks, leaf, cost);
        _bricks += bricks;
        return true;
    }

    /// <summary>
    /// A unit of a parallel read: a leaf at depth 13 or above (<paramref name="Leaf"/>, its bricks filled with
    /// <paramref name="Value"/>) or a node at depth 13 with children (its subtree read from <paramref name="Pos"/>), the
    /// first of its bricks' slots, and its share of the work; a node's subtree ends before <paramref name="End"/>.
    /// </summary>
    private readonly record struct Unit(int Pos, int End, int Depth, int X, int Y, int Z, float Value, int Slot, bool Leaf, long Cost);

    /// <summary>
    /// The parts of a parallel read's units, taken in turn by the reading thread and the helpers it queued: a helper
    /// that starts late finds none left, and the reading thread waits only for parts a helper has taken.
    /// </summary>
    private sealed class ParallelFill
    {
        private readonly OctoMapReader _plan;
        private readonly int[] _firsts;
        private readonly Exception?[] _faults;
        private readonly long[] _nodes;
        private readonly object _gate = new();
        private int _next = -1;
        private int _left;

        public ParallelFill(OctoMapReader plan, int[] firsts)
        {
            _plan = plan;
            _firsts = firsts;
            _left = firsts.Length - 1;
            _faults = new Exception?[_left];
            _nodes = new long[_left];
        }

        /// <summary>Fills parts until none is left; a fault ends its part (the first fault of the part's units).</summary>
        public void Run()
        {
            OctoMapReader? worker = null;
            int part;
            while ((part = Interlocked.Increment(ref _next)) < _faults.Length)
            {
                try
                {
                    worker ??= new OctoMapReader(_plan);
                    worker._nodes = 0;
                    for (int u = _firsts[part]; u < _firsts[part + 1]; u++)
                    {
                        worker.FillUnit(in _plan._units[u]);
                    }

                    _nodes[part] = worker._nodes;
                }
                catch (Exception e)
                {
                    _faults[part] = e; // thrown by the reading thread, in file order
                }
                finally
                {
                    if (Interlocked.Decrement(ref _left) == 0)
                    {
                        lock (_gate)
                        {
                            Monitor.PulseAll(_gate);
                        }
                    }
                }
            }
        }

        /// <summary>Waits for the parts helpers still fill; throws the first part's fault, or returns the nodes read.</summary>
        public long Finish()
        {
            for (int spin = 0; spin < 100 && Volatile.Read(ref _left) > 0; spin++)
            {
                Thread.SpinWait(30);
            }

            lock (_gate)
            {
                while (Volatile.Read(ref _left) > 0)
                {
                    Monitor.Wait(_gate);
                }
            }

            long nodes = 0;
            for (int part = 0; part < _faults.Length; part++)
            {
                if (_faults[part] is { } fault)
                {
                    ExceptionDispatchInfo.Throw(fault);
                }

                nodes += _nodes[part];
            }

            return nodes;
        }
    }
}
