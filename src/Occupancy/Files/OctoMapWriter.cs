using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.IO;
using System.Text;

namespace Occupancy.Files;

/// <summary>
/// Writes a map as an OctoMap octree, pre-order as OctoMap does: the bricks sorted along the Morton curve are the
/// octree's upper 13 levels, each brick its lower 3. Nodes whose 8 children are leaves of one value collapse into one
/// leaf (OctoMap's pruning, carried to the end; never the root), so the tree is fully pruned: what liboctomap writes for
/// a tree it built by inserting scans (pruned as it goes), and what edit_octree writes back for our .bt.
/// <list type="bullet">
/// <item>.bt: the maximum-likelihood tree, 2 bits a child (01 free, 10 occupied, 11 inner), as <c>writeBinary</c>.</item>
/// <item>.ot: every node's float log-odds (inner nodes the maximum of their children, as <c>updateInnerOccupancy</c>)
/// and a byte of child flags, as <c>write</c>.</item>
/// </list>
/// </summary>
[SkipLocalsInit]
internal sealed class OctoMapWriter
{
    private const byte None = 0, Leaf = 1, Inner = 2;

    private readonly bool _binary;
    private readonly float _threshold, _free, _occupied;
    private readonly KernelWidth _masks;
    private ulong[] _mortons = []; // the known bricks' Morton codes, sorted, and their voxels beside them
    private ReadOnlyMemory<float>[] _bricks = [];
    private byte[] _out = ArrayPool<byte>.Shared.Rent(1 << 16); // pooled: a fresh multi-megabyte buffer a write would cost a full GC
    private int _length;

    private OctoMapWriter(OccupancyMap map, bool binary)
    {
        _binary = binary;
        _threshold = map.SensorModel.OccupiedLogOdds;
        _free = map.SensorModel.ClampMinLogOdds;
        _occupied = map.SensorModel.ClampMaxLogOdds;
        _masks = map.Kernels.Counts;
    }

    /// <summary>Writes <paramref name="map"/> as .bt (<paramref name="binary"/>) or .ot.</summary>
    /// <exception cref="ArgumentException">The map holds known voxels outside OctoMap's key range.</exception>
    public static void Write(OccupancyMap map, Stream stream, bool binary)
    {
        var writer = new OctoMapWriter(map, binary);
        long nodes;
        try
        {
            using (OccupancyMap.WriteScope write = map.BeginWrite())
            {
                writer.CollectBricks(map);
                Node root = writer._bricks.Length == 0 ? default : writer.EmitBricks(0, 0, writer._bricks.Length, true);
                nodes = root.Nodes;
            }

            WriteHeaderAndBody(map, stream, binary, writer, nodes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(writer._out);
        }
    }

    private static void WriteHeaderAndBody(OccupancyMap map, Stream stream, bool binary, OctoMapWriter writer, long nodes)
    {
        var header = new StringBuilder();
        header.Append(binary ? OctoMapFormat.BinaryHeader : OctoMapFormat.FullHeader).Append('\n')
            .Append(OctoMapFormat.Comment).Append('\n').Append("#\n")
            .Append("id ").Append(OctoMapFormat.TreeId).Append('\n')
            .Append("size ").Append(nodes.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("res ").Append(FormatLikeOstream(map.Resolution)).Append('\n')
            .Append("data\n");
        stream.Write(Encoding.ASCII.GetBytes(header.ToString()));
        stream.Write(writer._out.AsSpan(0, writer._length));
    }

    /// <summary>A double as C++'s default ostream prints it (%g, 6 significant digits): 0.1, 0.05, 0.123457, 1e-07.</summary>
    internal static string FormatLikeOstream(double value)
    {
        string s = value.ToString("G6", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return s;
        }

        // .NET writes 1E-07; C writes 1e-07 (at least two exponent digits, a sign always).
        int exponent = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{s[..e]}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}");
    }

    /// <summary>The known bricks with their Morton codes over OctoMap's brick keys, sorted.</summary>
    private void CollectBricks(OccupancyMap map)
    {
        var mortons = new ulong[map.BrickCount];
        var bricks = new ReadOnlyMemory<float>[mortons.Length];
        int n = 0;
        for (int slot = 0; slot < map.SlotCapacity; slot++)
        {
            if (!map.TryReadBrick(slot, out float[] slab, out long packed, out _))
            {
                continue;
            }

            var voxels = new ReadOnlyMemory<float>(slab, OccupancyMap.CellStart(slot), VoxelKey.BrickVoxels);
            if (!AnyKnown(voxels.Span, _masks))
            {
                continue;
            }

            (int bx, int by, int bz) = VoxelKey.UnpackBrick(packed);
            if (bx < OctoMapFormat.MinBrick || bx > OctoMapFormat.MaxBrick || by < OctoMapFormat.MinBrick || by > OctoMapFormat.MaxBrick || bz < OctoMapFormat.MinBrick || bz > OctoMapFormat.MaxBrick)
            {
                ThrowHelper.Argument(nameof(map), string.Create(CultureInfo.InvariantCulture, $"map holds known voxels in brick ({bx}, {by}, {bz}), outside OctoMap's 16-bit key range (voxel indices -32768..32767 an axis)."));
            }

            const int offset = OctoMapFormat.KeyOffset >> VoxelKey.BrickShift;
            mortons[n] = Morton((uint)(bx + offset), (uint)(by + offset), (uint)(bz + offset));
            bricks[n++] = voxels;
        }

        // Sorted by key with the voxels carried along (no comparison delegate).
        Array.Sort(mortons, bricks, 0, n);
        Array.Resize(ref mortons, n);
        Array.Resize(ref bricks, n);
        _mortons = mortons;
        _bricks = bricks;
    }

    private static bool AnyKnown(ReadOnlySpan<float> voxels, KernelWidth width)
    {
        // Known voxels are the ones equal to themselves (unknown is NaN); eight at a time where the counts family's
        // kernels run 256-bit vectors, one at a time otherwise (the two agree: the file tests run on every leg).
        int i = 0;
        if (width >= KernelWidth.Vector256)
        {
            ref float start = ref MemoryMarshal.GetReference(voxels);
            for (; i <= voxels.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                if (Vector256.EqualsAny(v, v))
                {
                    return true;
                }
            }
        }

        for (; i < voxels.Length; i++)
        {
            if (!float.IsNaN(voxels[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Interleaves 13-bit brick keys: x into bit 0 of each triple, y bit 1, z bit 2 (OctoMap's child order).</summary>
    private static ulong Morton(uint x, uint y, uint z)
    {
        if (Bmi2.X64.IsSupported)
        {
            const ulong X = 0x1249_2492_4924_9249UL; // bits 0, 3, 6, ...
            return Bmi2.X64.ParallelBitDeposit(x, X) | Bmi2.X64.ParallelBitDeposit(y, X << 1) | Bmi2.X64.ParallelBitDeposit(z, X << 2);
        }

        ulong m = 0;
        for (int b = 0; b < OctoMapFormat.BrickDepth; b++)
        {
            m |= ((ulong)((x >> b) & 1) << (3 * b)) | ((ulong)((y >> b) & 1) << ((3 * b) + 1)) | ((ulong)((z >> b) & 1) << ((3 * b) + 2));
        }

        return m;
    }

    /// <summary>A written node: kind, value (.bt: the clamped maximum-likelihood value), nodes in its subtree.</summary>
    private readonly record struct Node(byte Kind, float Value, long Nodes);

    /// <summary>The node at <paramref name="depth"/> (0..13) over the sorted bricks [lo, hi) that share its prefix.</summary>
    private Node EmitBricks(int depth, int lo, int hi, bool root)
    {
        if (depth == OctoMapFormat.BrickDepth)
        {
            ReadOnlySpan<float> voxels = _bricks[lo].Span;
            if (_binary)
            {
                return EmitBinaryBrick(voxels, root);
            }

            if (!root && Uniform(voxels) is float leaf)
            {
                // All 512 voxels one leaf value (a brick of settled free space, most of a room): the brick's subtree
                // prunes to one leaf, as the general path below would find node by node.
                WriteOtNode(leaf, 0);
                return new Node(Leaf, leaf, 1);
            }

            return EmitFullBrick(voxels, root);
        }

        Span<Node> children = stackalloc Node[8];
        int header = Reserve();
        int shift = 3 * (OctoMapFormat.BrickDepth - 1 - depth);
        int start = lo;
        for (int i = 0; i < 8; i++)
        {
            int end = start;
            while (end < hi && (int)((_mortons[end] >> shift) & 7) == i)
            {
                end++;
            }

            children[i] = end > start ? EmitBricks(depth + 1, start, end, false) : default;
            start = end;
        }

        return Finish(header, children, root);
    }

    /// <summary>
    /// A brick's subtree in .bt (depth 13 and below), from its known and occupied masks: a brick all free or all
    /// occupied is one leaf, otherwise its 8 nodes of 4³ voxels and their 64 nodes of 2³, pruned alike.
    /// </summary>
    [SkipLocalsInit]
    private Node EmitBinaryBrick(ReadOnlySpan<float> voxels, bool root)
    {
        Span<ulong> known = stackalloc ulong[VoxelMaskKernel.Words];
        Span<ulong> occupied = stackalloc ulong[VoxelMaskKernel.Words];
        VoxelMaskKernel.Masks(voxels, _threshold, known, occupied, _masks);
        ulong allKnown = ulong.MaxValue, anyOccupied = 0, allOccupied = ulong.MaxValue;
        for (int w = 0; w < VoxelMaskKernel.Words; w++)
        {
            allKnown &= known[w];
            anyOccupied |= occupied[w];
            allOccupied &= occupied[w];
        }

        if (!root && allKnown == ulong.MaxValue && (anyOccupied == 0 || allOccupied == ulong.MaxValue))
        {
            // All 512 voxels one leaf value (a brick of settled free space, most of a room).
            return new Node(Leaf, anyOccupied == 0 ? _free : _occupied, 1);
        }

        Span<Node> quarters = stackalloc Node[8];
        Span<Node> blocks = stackalloc Node[8];
        int header = Reserve();
        for (int q = 0; q < 8; q++)
        {
            var quarter = new Quarter(known, occupied, q);
            if (!quarter.AnyKnown)
            {
                quarters[q] = default;
                continue;
            }

            if (quarter.AllKnown && (!quarter.AnyOccupied || quarter.AllOccupied))
            {
                // 4³ voxels all free or all occupied: one leaf, as the blocks below would prune to.
                quarters[q] = new Node(Leaf, quarter.AnyOccupied ? _occupied : _free, 1);
                continue;
            }

            int quarterHeader = Reserve();
            for (int b = 0; b < 8; b++)
            {
                blocks[b] = EmitBinaryBlock(known, occupied, quarter.X + ((b & 1) * 2), quarter.Y + (((b >> 1) & 1) * 2), quarter.Z + ((b >> 2) * 2));
            }

            quarters[q] = Finish(quarterHeader, blocks, false);
        }

        return Finish(header, quarters, root);
    }

    /// <summary>
    /// Quarter q of a brick (the node of 4³ voxels at depth 14, child q of the brick's node) and what the brick's masks
    /// say of it: whether any or all of its voxels are known, any or all occupied.
    /// </summary>
    private readonly ref struct Quarter
    {
        public Quarter(ReadOnlySpan<ulong> known, ReadOnlySpan<ulong> occupied, int q)
        {
            X = (q & 1) * 4;
            Y = ((q >> 1) & 1) * 4;
            Z = (q >> 2) * 4;
            ulong pattern = 0x0F0F_0F0FUL << ((Y << 3) | X); // the quarter's 4 × 4 voxels in each of its 4 slices
            ulong anyKnown = 0, allKnown = pattern, anyOccupied = 0, allOccupied = pattern;
            for (int z = Z; z < Z + 4; z++)
            {
                anyKnown |= known[z] & pattern;
                allKnown &= known[z];
                anyOccupied |= occupied[z] & pattern;
                allOccupied &= occupied[z];
            }

            AnyKnown = anyKnown != 0;
            AllKnown = allKnown == pattern;
            AnyOccupied = anyOccupied != 0;
            AllOccupied = allOccupied == pattern;
        }

        /// <summary>Local corner of the quarter in the brick, voxels.</summary>
        public int X { get; }

        /// <summary>Local corner y.</summary>
        public int Y { get; }

        /// <summary>Local corner z.</summary>
        public int Z { get; }

        public bool AnyKnown { get; }

        public bool AllKnown { get; }

        public bool AnyOccupied { get; }

        public bool AllOccupied { get; }
    }

    /// <summary>The .bt node of the 2×2×2 block at local corner (x, y, z) of a brick, from the brick's masks.</summary>
    private Node EmitBinaryBlock(ReadOnlySpan<ulong> known, ReadOnlySpan<ulong> occupied, int x, int y, int z)
    {
        // Child i of the block is voxel (x + bit 0, y + bit 1, z + bit 2): two bits of each row, rows in child order.
        int shift = (y << 3) | x;
        int k = Block(known, z, shift), o = Block(occupied, z, shift);
        if (k == 0)
        {
            return default;
        }

        if (k == 0xFF && (o == 0 || o == 0xFF))
        {
            return new Node(Leaf, o == 0 ? _free : _occupied, 1);
        }

        int codes = Spread[k & ~o] | (Spread[k & o] << 1); // 01 free, 10 occupied, 00 unknown
        Ensure(2);
        _out[_length] = (byte)codes;
        _out[_length + 1] = (byte)(codes >> 8);
        _length += 2;
        return new Node(Inner, o != 0 ? _occupied : _free, 1 + BitOperations.PopCount((uint)k));
    }

    /// <summary>The 8 bits of a 2×2×2 block in OctoMap's child order: bit i is voxel (x + i&amp;1, y + (i&gt;&gt;1)&amp;1, z + i&gt;&gt;2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Block(ReadOnlySpan<ulong> mask, int z, int shift) =>
        (int)((mask[z] >> shift) & 3) | (int)(((mask[z] >> (shift + 8)) & 3) << 2)
        | (int)(((mask[z + 1] >> shift) & 3) << 4) | (int)(((mask[z + 1] >> (shift + 8)) & 3) << 6);

    /// <summary>Each of 8 bits moved to the low bit of a 2-bit code: bit i to bit 2i.</summary>
    private static readonly ushort[] Spread = MakeSpread();

    private static ushort[] MakeSpread()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int v = 0;
            for (int b = 0; b < 8; b++)
            {
                v |= ((i >> b) & 1) << (2 * b);
            }

            table[i] = (ushort)v;
        }

        return table;
    }

    /// <summary>
    /// A brick's subtree in .ot (depth 13 and below) that is not one leaf: its 8 nodes of 4³ voxels and their 64 nodes
    /// of 2³, each pruned to a leaf where its voxels are all known and of one value.
    /// </summary>
    [SkipLocalsInit]
    private Node EmitFullBrick(ReadOnlySpan<float> voxels, bool root)
    {
        Span<ulong> known = stackalloc ulong[VoxelMaskKernel.Words];
        Span<ulong> occupied = stackalloc ulong[VoxelMaskKernel.Words];
        VoxelMaskKernel.Masks(voxels, _threshold, known, occupied, _masks);
        Span<Node> quarters = stackalloc Node[8];
        Span<Node> blocks = stackalloc Node[8];
        int header = Reserve();
        for (int q = 0; q < 8; q++)
        {
            var quarter = new Quarter(known, occupied, q);
            if (!quarter.AnyKnown)
            {
                quarters[q] = default;
                continue;
            }

            int corner = quarter.X | (quarter.Y << 3) | (quarter.Z << 6);
            if (quarter.AllKnown && SameValue(voxels, corner, 4))
            {
                // 4³ voxels of one value: one leaf, as the blocks below would prune to.
                WriteOtNode(voxels[corner], 0);
                quarters[q] = new Node(Leaf, voxels[corner], 1);
                continue;
            }

            int quarterHeader = Reserve();
            for (int b = 0; b < 8; b++)
            {
                int bx = quarter.X + ((b & 1) * 2), by = quarter.Y + (((b >> 1) & 1) * 2), bz = quarter.Z + ((b >> 2) * 2);
                blocks[b] = EmitVoxels(voxels, bx | (by << 3) | (bz << 6), Block(known, bz, (by << 3) | bx));
            }

            quarters[q] = Finish(quarterHeader, blocks, false);
        }

        return Finish(header, quarters, root);
    }

    /// <summary>
    /// Whether the cube of <paramref name="side"/>³ known voxels at brick index <paramref name="corner"/> holds one
    /// value, as OctoMap's pruning compares children (float equality).
    /// </summary>
    private static bool SameValue(ReadOnlySpan<float> voxels, int corner, int side)
    {
        float first = voxels[corner];
        for (int z = 0; z < side; z++)
        {
            for (int y = 0; y < side; y++)
            {
                ReadOnlySpan<float> row = voxels.Slice(corner + (z << 6) + (y << 3), side);
                for (int x = 0; x < row.Length; x++)
                {
                    if (row[x] != first)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>
    /// A .ot node at depth 15 (a 2×2×2 block at brick index <paramref name="corner"/>, whose known children are
    /// <paramref name="mask"/>, bit i for child i) and its voxels, in one pass.
    /// </summary>
    private Node EmitVoxels(ReadOnlySpan<float> voxels, int corner, int mask)
    {
        if (mask == 0)
        {
            return default;
        }

        // Children in OctoMap's order: x is bit 0 of the child index, y bit 1, z bit 2.
        ReadOnlySpan<float> block = voxels.Slice(corner, 74);
        ReadOnlySpan<float> v = [block[0], block[1], block[8], block[9], block[64], block[65], block[72], block[73]];
        if (mask == 0xFF && SameValue(voxels, corner, 2))
        {
            WriteOtNode(v[0], 0);
            return new Node(Leaf, v[0], 1);
        }

        // The maximum of the known children (MaxNumber passes over the unknown, NaN, ones).
        float max = -float.MaxValue;
        for (int i = 0; i < 8; i++)
        {
            max = float.MaxNumber(max, v[i]);
        }

        int count = BitOperations.PopCount((uint)mask);
        Ensure(5 * (count + 1));
        Span<byte> output = _out.AsSpan(_length, 5 * (count + 1));
        BinaryPrimitives.WriteSingleLittleEndian(output, max);
        output[4] = (byte)mask;
        int at = 5;
        for (int left = mask; left != 0; left &= left - 1)
        {
            BinaryPrimitives.WriteSingleLittleEndian(output[at..], v[BitOperations.TrailingZeroCount(left)]);
            output[at + 4] = 0;
            at += 5;
        }

        _length += at;
        return new Node(Inner, max, 1 + count);
    }

    /// <summary>The one log-odds of a brick whose voxels are all known and bit-identical (a .ot leaf), or null.</summary>
    private static float? Uniform(ReadOnlySpan<float> voxels)
    {
        float first = voxels[0];
        if (float.IsNaN(first))
        {
            return null;
        }

        int bits = BitConverter.SingleToInt32Bits(first);
        ReadOnlySpan<int> all = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(voxels);
        for (int i = 1; i < all.Length; i++)
        {
            if (all[i] != bits)
            {
                return null;
            }
        }

        return first;
    }

    /// <summary>Room for a node's own record, filled in by <see cref="Finish"/> once its children are known.</summary>
    private int Reserve()
    {
        int at = _length;
        Ensure(_binary ? 2 : 5);
        _length += _binary ? 2 : 5;
        return at;
    }

    private Node Finish(int header, ReadOnlySpan<Node> children, bool root)
    {
        long nodes = 1;
        bool collapsible = !root;
        float max = -float.MaxValue;
        int mask = 0, codes = 0;
        for (int i = 0; i < 8; i++)
        {
            Node c = children[i];
            if (c.Kind == None)
            {
                collapsible = false;
                continue;
            }

            nodes += c.Nodes;
            mask |= 1 << i;
            max = Math.Max(max, c.Value);
            collapsible &= c.Kind == Leaf && c.Value == children[0].Value;
            int code = c.Kind == Inner ? 3 : c.Value >= _threshold ? 2 : 1;
            codes |= code << (2 * i);
        }

        if (mask == 0)
        {
            _length = header; // nothing known below: the node does not exist
            return default;
        }

        if (collapsible)
        {
            // OctoMap's pruning: the children are dropped and the node becomes a leaf holding their value.
            _length = header;
            if (!_binary)
            {
                WriteOtNode(children[0].Value, 0);
            }

            return new Node(Leaf, children[0].Value, 1);
        }

        if (_binary)
        {
            _out[header] = (byte)codes;
            _out[header + 1] = (byte)(codes >> 8);
        }
        else
        {
            BinaryPrimitives.WriteSingleLittleEndian(_out.AsSpan(header), max);
            _out[header + 4] = (byte)mask;
        }

        return new Node(Inner, max, nodes);
    }

    private void WriteOtNode(float value, byte mask)
    {
        Ensure(5);
        BinaryPrimitives.WriteSingleLittleEndian(_out.AsSpan(_length), value);
        _out[_length + 4] = mask;
        _length += 5;
    }

    private void Ensure(int more)
    {
        if (_length + more > _out.Length)
        {
            long needed = (long)_length + more;
            if (needed > Array.MaxLength)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The OctoMap tree of this map takes more than {Array.MaxLength} bytes, more than one file buffer holds."));
            }

            byte[] grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(2L * _out.Length, needed)));
            _out.AsSpan(0, _length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_out);
            _out = grown;
        }
    }
}
