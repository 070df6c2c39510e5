using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Text;

namespace Occupancy.Files;

/// <summary>
/// Reads OctoMap's .bt and .ot files into a new map, as liboctomap 1.9.7 reads them and its <c>search</c> answers them:
/// a leaf at depth d (a pruned node) gives its value to all 8^(16 − d) voxels below it. One pass over the bytes checks
/// the structure and fills a new map brick by brick; every brick is counted against the limit before it is allocated,
/// so a tree that needs more is refused having allocated at most the limit, and a damaged tree leaves only the new map,
/// which is dropped.
/// </summary>
internal sealed class OctoMapReader
{
    private const int MaxHeaderBytes = 1 << 16;
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

    public static OccupancyMap Read(Stream stream, bool binary, SensorModel model, long maxVoxels)
    {
        (byte[] data, int length) = ReadAll(stream);
        try
        {
            var reader = new OctoMapReader(data, length, binary, model, maxVoxels);
            return reader.ReadTree(model);
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

    private OccupancyMap ReadTree(SensorModel model)
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
        if (size > 0)
        {
            Walk();
            if (_binary && _nodes != size) // readBinary checks the size; read (.ot) does not
            {
                throw FileErrors.At(_format, dataStart, $"the header's size is {size} nodes but the tree has {_nodes}");
            }
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
        int corner = (x & 7) | ((y & 7) << 3) | ((z & 7) << 6);
        for (int left = mask; left != 0; left &= left - 1)
        {
            // The children present, lowest first: a loop without a guess at which of the 8 exist.
            int i = System.Numerics.BitOperations.TrailingZeroCount(left);
            float value = BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(_pos));
            if (_data[_pos + 4] != 0)
            {
                throw FileErrors.At(_format, _pos + 4, "a voxel (a node at depth 16) has children");
            }

            if (!float.IsFinite(value))
            {
                throw FileErrors.At(_format, _pos, $"a leaf at depth 16 holds a non-finite log-odds ({value})");
            }

            _pos += 5;
            voxels[corner + (i & 1) + (((i >> 1) & 1) << 3) + ((i >> 2) << 6)] = value;
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

        // A block of 1, 2 or 4 voxels a side inside one brick: element by element (Span.Fill's call costs more than
        // the stores of a row this short).
        Span<float> voxels = Brick(vx >> 3, vy >> 3, vz >> 3);
        int first = ((vz & 7) << 6) | ((vy & 7) << 3) | (vx & 7);
        for (int k = 0; k < side; k++)
        {
            for (int j = 0; j < side; j++)
            {
                Span<float> row = voxels.Slice(first + (k << 6) + (j << 3), side);
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = value;
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
            AddBricks(1, OctoMapFormat.TreeDepth);
            int slot = _map.GetOrAddBrick(bx, by, bz);
            _lastSlab = _map.SlabOf(slot);
            _lastStart = OccupancyMap.CellStart(slot);
            _lastBrick = (bx, by, bz);
        }

        return _lastSlab.AsSpan(_lastStart, VoxelKey.BrickVoxels);
    }
}
