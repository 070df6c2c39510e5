using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Occupancy;

/// <summary>
/// A sparse, unbounded 3D occupancy map: probabilistic (log-odds) voxels of one resolution, stored in 8×8×8 bricks
/// that are allocated on first touch and found through a hash of the brick coordinate.
/// World frame: right-handed, metres, z up (ROS REP-103). Voxel (i, j, k) covers [i·r, (i+1)·r) on x, and so on.
/// </summary>
/// <remarks>
/// <para>
/// Storage type: log-odds are stored as 32-bit floats, NaN meaning "never observed". Float makes every update the
/// same IEEE operation OctoMap performs (add, then clamp), so a map integrated from the same scans agrees with
/// OctoMap voxel for voxel rather than within a quantisation error. A quantised int16 with saturating adds would halve
/// brick memory (1 KiB instead of 2 KiB), but the projective kernel is bound by the depth gather, not by the brick
/// load/store, and memory is already far below OctoMap's for the same map (see the benchmarks and README).
/// </para>
/// <para>
/// Threads: any number of threads may query at once, also while one thread writes (integrates, updates, clears): a
/// reader sees each voxel as it was before or after each write, never a torn value, and no answer outlives the state
/// it summarises. Writes take turns: a second writer waits for the first. See docs/threads.md.
/// </para>
/// </remarks>
public sealed partial class OccupancyMap
{
    /// <summary>Smallest supported resolution, metres.</summary>
    public const double MinResolution = 0.01;

    /// <summary>Largest supported resolution, metres.</summary>
    public const double MaxResolution = 1.0;

    /// <summary>Largest voxel index on any axis; the map spans indices [−2^23, 2^23 − 1] (±83 km at 1 cm).</summary>
    public const int MaxVoxelIndex = (1 << 23) - 1;

    /// <summary>Smallest voxel index on any axis.</summary>
    public const int MinVoxelIndex = -(1 << 23);

    internal const int BrickVoxels = VoxelKey.BrickVoxels;

    /// <summary>
    /// Bricks in each slab after the first three (which hold 8, 8 and 16): 32, 64 KiB, below the large-object heap's
    /// 85,000 bytes. Large-object (and pinned) slabs measured two to five times slower to fill in a burst of loads:
    /// their memory is fresh each time and their allocations wait on background collections. Pinned slabs spare the
    /// collector copying a growing map's slabs between generations (a fresh one-scan LiDAR build at 5 cm, 100 MB of
    /// slabs: 131 against 166-222 ms), but after a full collection the pinned heap's memory comes back from the system
    /// page by page: 120 slabs in 22 ms (1 300 page faults) against 0.16 ms, and a room map's `.bt` read 20 ms
    /// against 1.1 (2-core AMD EPYC VM).
    /// </summary>
    private const int SlabShift = 5;
    private const int SlabBricks = 1 << SlabShift;
    internal const int FullSlabFloats = SlabBricks * BrickVoxels;

    private readonly BrickTable _table = new();
    private readonly BrickGrid _grid = new();
    private readonly object _addLock = new();
    private int _brickCount;

    /// <summary>The occupied threshold's bits, ordered as the floats are (see <see cref="OrderedBits"/>), for <see cref="StateOf"/>.</summary>
    private readonly int _occupiedKey;

    // Voxels live in slabs, arrays of many bricks: a slot's 512 log-odds are one cell of a slab, fixed by the slot's
    // number (CellStart), so that a map of thousands of bricks is a hundred-odd objects for the garbage collector to
    // mark and move, not thousands of 2 KiB arrays (a burst of them, a file load or a first scan, was more than half
    // collection work). A free slot's cell is all unknown and returns with the slot. _bricks holds the slab of each
    // slot in use and null for a free one: readers find a brick's voxels there.
    private float[]?[] _bricks = new float[]?[256];
    private float[][] _slabs = new float[8][];
    private int _slabCount;
    private long _slabBytes;
    private long[] _brickKeys = new long[256];
    private int[] _freeSlots = new int[64];
    private int _freeCount;
    private int _slotHighWater;

    // Query-side summaries, one word per slot: (version << 1) | "the brick holds an occupied voxel", valid while the
    // map's version (OccupancyMap.Threads.cs) is the one it was computed under. Grown with the slots, by the writer.
    private long[] _summaries = new long[256];

    /// <summary>Creates an empty map.</summary>
    /// <param name="resolution">Edge length of a voxel in metres, from 0.01 to 1.</param>
    /// <param name="sensorModel">Log-odds sensor model; OctoMap's defaults when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The resolution is not finite or outside [0.01, 1] m.</exception>
    /// <exception cref="InvalidOperationException">the OCCUPANCY_KERNEL environment variable asks for a kernel this machine cannot run (see <c>Kernels</c>).</exception>
    public OccupancyMap(double resolution, SensorModel? sensorModel = null)
        : this(resolution, sensorModel, KernelSet.Best)
    {
    }

    /// <summary>Creates an empty map whose queries and integrators use the given kernels.</summary>
    internal OccupancyMap(double resolution, SensorModel? sensorModel, KernelSet kernels)
    {
        if (!(resolution >= MinResolution && resolution <= MaxResolution))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(resolution), resolution, string.Create(CultureInfo.InvariantCulture, $"resolution must be between {MinResolution} and {MaxResolution} metres, but was {resolution}."));
        }

        Resolution = resolution;
        InverseResolution = 1.0 / resolution;
        SensorModel = sensorModel ?? SensorModel.Default;
        Kernels = kernels;
        _occupiedKey = OrderedBits(BitConverter.SingleToInt32Bits(SensorModel.OccupiedLogOdds));
    }

    /// <summary>Gives the full-size slabs of a map no one can reach any more to the next maps (<see cref="SlabPool"/>).</summary>
    ~OccupancyMap()
    {
        float[][] slabs = _slabs;
        for (int i = 0; i < _slabCount && i < slabs.Length; i++)
        {
            if (slabs[i] is { Length: FullSlabFloats } slab)
            {
                SlabPool.Return(slab);
            }
        }
    }

    /// <summary>The kernel implementations this map's queries and integrators use.</summary>
    internal KernelSet Kernels { get; }

    /// <summary>Voxel edge length, metres.</summary>
    public double Resolution { get; }

    /// <summary>1 / <see cref="Resolution"/>, voxels per metre.</summary>
    internal double InverseResolution { get; }

    /// <summary>The log-odds sensor model used by every update.</summary>
    public SensorModel SensorModel { get; }

    /// <summary>Number of allocated bricks (8×8×8 voxels each).</summary>
    public int BrickCount => Volatile.Read(ref _brickCount);

    /// <summary>
    /// Bytes of managed memory the map holds: the voxel slabs (with cells that released bricks left for reuse), the
    /// brick table and slot bookkeeping.
    /// </summary>
    public long MemoryBytes =>
        Volatile.Read(ref _slabBytes) + _table.MemoryBytes + _grid.MemoryBytes +
        ((long)_summaries.Length * sizeof(long)) +
        ((long)_bricks.Length * (IntPtr.Size + sizeof(long))) + ((long)_freeSlots.Length * sizeof(int));

    /// <summary>Number of slots ever handed out; slot indices are below this.</summary>
    internal int SlotCapacity => Volatile.Read(ref _slotHighWater);

    /// <summary>The voxel containing a point. Uses floor, so −0.01 m is voxel −1 at any resolution above 1 cm.</summary>
    /// <param name="point">A point in the world frame, metres.</param>
    /// <exception cref="ArgumentException">The point is not finite or lies outside the map's index range.</exception>
    public VoxelKey KeyOf(Vector3 point)
    {
        if (!TryGetKey(point, out VoxelKey key))
        {
            ThrowHelper.Argument(nameof(point), string.Create(CultureInfo.InvariantCulture, $"point {point} is not finite or lies outside the map (voxel indices {MinVoxelIndex}..{MaxVoxelIndex})."));
        }

        return key;
    }

    /// <summary>The voxel containing a point, or false when the point is not finite or outside the index range.</summary>
    /// <param name="point">A point in the world frame, metres.</param>
    /// <param name="key">The voxel; default when false is returned.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetKey(Vector3 point, out VoxelKey key)
    {
        double inv = InverseResolution;
        double fx = Math.Floor(point.X * inv);
        double fy = Math.Floor(point.Y * inv);
        double fz = Math.Floor(point.Z * inv);
        // The comparisons are false for NaN, so non-finite points fail here too.
        if (fx >= MinVoxelIndex && fx <= MaxVoxelIndex && fy >= MinVoxelIndex && fy <= MaxVoxelIndex && fz >= MinVoxelIndex && fz <= MaxVoxelIndex)
        {
            key = new VoxelKey((int)fx, (int)fy, (int)fz);
            return true;
        }

        key = default;
        return false;
    }

    /// <summary>Centre of a voxel in the world frame, metres.</summary>
    public Vector3 CenterOf(VoxelKey key)
    {
        double r = Resolution;
        return new Vector3((float)((key.X + 0.5) * r), (float)((key.Y + 0.5) * r), (float)((key.Z + 0.5) * r));
    }

    /// <summary>True when the key lies within the map's index range.</summary>
    public static bool IsInRange(VoxelKey key) =>
        key.X >= MinVoxelIndex && key.X <= MaxVoxelIndex && key.Y >= MinVoxelIndex && key.Y <= MaxVoxelIndex && key.Z >= MinVoxelIndex && key.Z <= MaxVoxelIndex;

    /// <summary>
    /// Applies one hit or miss to a voxel, as OctoMap's <c>updateNode</c>: log-odds += hit or miss, then clamp.
    /// </summary>
    /// <param name="key">The voxel.</param>
    /// <param name="occupied">True for a hit, false for a miss.</param>
    /// <exception cref="ArgumentException">The key lies outside the map's index range.</exception>
    public void UpdateVoxel(VoxelKey key, bool occupied)
    {
        if (!IsInRange(key))
        {
            ThrowHelper.Argument(nameof(key), string.Create(CultureInfo.InvariantCulture, $"key {key} lies outside the map (voxel indices {MinVoxelIndex}..{MaxVoxelIndex})."));
        }

        using WriteScope write = BeginWrite();
        int slot = GetOrAddBrick(key.BrickX, key.BrickY, key.BrickZ);
        ref float v = ref BrickAt(slot)[key.LocalIndex];
        MarkObserved(slot);
        SensorModel m = SensorModel;
        v = ApplyUpdate(v, occupied ? m.HitLogOdds : m.MissLogOdds, m.ClampMinLogOdds, m.ClampMaxLogOdds);
    }

    /// <summary>Forgets everything: every brick is released and the memory of their voxels returned.</summary>
    public void Clear()
    {
        using WriteScope write = BeginWrite();
        ResetFeed(); // before the removal starts, as ReleaseBrick logs
        BeginStructureChange();
        _table.Clear();
        _grid.Clear();
        _brickCount = 0;
        Array.Clear(_bricks);
        Array.Clear(_slabs);
        _slabCount = 0;
        Volatile.Write(ref _slabBytes, 0);
        _freeCount = 0;
        _slotHighWater = 0;
        EndStructureChange();
    }

    /// <summary>
    /// Forgets every voxel whose centre lies in a box (they become unknown). Bricks left with no known voxel are
    /// released: the next bricks the map needs take their memory (<see cref="Clear"/> returns it all).
    /// </summary>
    /// <param name="region">The box, world frame, metres.</param>
    /// <returns>The number of voxels that were known and are now unknown.</returns>
    public long ClearRegion(Aabb region)
    {
        (VoxelKey lo, VoxelKey hi) = KeyRangeOf(region);
        if (lo.X > hi.X || lo.Y > hi.Y || lo.Z > hi.Z)
        {
            return 0;
        }

        using WriteScope write = BeginWrite();
        long cleared = 0;
        for (int slot = 0; slot < _slotHighWater; slot++)
        {
            if (_bricks[slot] is null)
            {
                continue;
            }

            Span<float> voxels = BrickAt(slot);
            (int bx, int by, int bz) = VoxelKey.UnpackBrick(_brickKeys[slot]);
            int x0 = bx << VoxelKey.BrickShift, y0 = by << VoxelKey.BrickShift, z0 = bz << VoxelKey.BrickShift;
            int ix0 = Math.Max(lo.X - x0, 0), ix1 = Math.Min(hi.X - x0, VoxelKey.BrickSize - 1);
            int iy0 = Math.Max(lo.Y - y0, 0), iy1 = Math.Min(hi.Y - y0, VoxelKey.BrickSize - 1);
            int iz0 = Math.Max(lo.Z - z0, 0), iz1 = Math.Min(hi.Z - z0, VoxelKey.BrickSize - 1);
            if (ix0 > ix1 || iy0 > iy1 || iz0 > iz1)
            {
                continue;
            }

            bool anyLeft = false;
            long clearedBefore = cleared;
            for (int i = 0; i < BrickVoxels; i++)
            {
                int ix = i & 7, iy = (i >> 3) & 7, iz = i >> 6;
                bool inside = ix >= ix0 && ix <= ix1 && iy >= iy0 && iy <= iy1 && iz >= iz0 && iz <= iz1;
                if (float.IsNaN(voxels[i]))
                {
                    continue;
                }

                if (inside)
                {
                    voxels[i] = float.NaN;
                    cleared++;
                }
                else
                {
                    anyLeft = true;
                }
            }

            if (!anyLeft)
            {
                ReleaseBrick(slot);
            }
            else if (cleared > clearedBefore)
            {
                MarkChanged(slot);
            }
        }

        return cleared;
    }

    /// <summary>
    /// The voxels whose centres lie in a box, as an inclusive range of keys clamped to the map's index range; on an
    /// axis where no centre lies in the box, the low key exceeds the high key.
    /// </summary>
    /// <param name="box">The box, world frame, metres.</param>
    /// <returns>The lowest and highest key on each axis.</returns>
    public (VoxelKey Lo, VoxelKey Hi) KeyRangeOf(Aabb box)
    {
        double inv = InverseResolution;
        // One beyond the index range on the far side, so that a box wholly outside it is empty (low above high), not
        // the edge voxels.
        static int Low(double v) => (int)Math.Clamp(v, MinVoxelIndex, MaxVoxelIndex + 1L);
        static int High(double v) => (int)Math.Clamp(v, MinVoxelIndex - 1L, MaxVoxelIndex);
        var lo = new VoxelKey(Low(Math.Ceiling((box.Min.X * inv) - 0.5)), Low(Math.Ceiling((box.Min.Y * inv) - 0.5)), Low(Math.Ceiling((box.Min.Z * inv) - 0.5)));
        var hi = new VoxelKey(High(Math.Floor((box.Max.X * inv) - 0.5)), High(Math.Floor((box.Max.Y * inv) - 0.5)), High(Math.Floor((box.Max.Z * inv) - 0.5)));
        return (lo, hi);
    }

    /// <summary>One log-odds update: unknown counts as 0 (probability 0.5), then add and clamp, in OctoMap's order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ApplyUpdate(float value, float delta, float clampMin, float clampMax)
    {
        float v = (float.IsNaN(value) ? 0f : value) + delta;
        if (v < clampMin)
        {
            v = clampMin;
        }

        if (v > clampMax)
        {
            v = clampMax;
        }

        return v;
    }

    /// <summary>The slot of a brick, or −1 when it is not allocated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int FindBrick(int bx, int by, int bz)
    {
        int slot = _grid.Find(bx, by, bz);
        return slot != -2 ? slot : _table.Find(VoxelKey.PackBrick(bx, by, bz));
    }

    /// <summary>Where a slot's voxels start in its slab (slabs of 8, 8, 16 bricks, then <see cref="SlabBricks"/> each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int CellStart(int slot) =>
        (slot & (Math.Min(1 << BitOperations.Log2((uint)slot | 8), SlabBricks) - 1)) * BrickVoxels;

    /// <summary>
    /// Asks the cache for a voxel's line ahead of an update (a hint: nothing happens where the CPU has no prefetch or the
    /// slot holds no brick). Writers only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal unsafe void PrefetchVoxel(int slot, int local)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && _bricks[slot] is { } slab)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(slab), CellStart(slot) + local)));
        }
    }

    /// <summary>The slab of a slot in use: its voxels are the <see cref="BrickVoxels"/> from <see cref="CellStart"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal float[] SlabOf(int slot) => Volatile.Read(ref _bricks)[slot]!;

    /// <summary>The index in _slabs of the slab that holds a slot's cell.</summary>
    private static int SlabIndexOf(int slot) =>
        slot < 16 ? slot >> 3 : slot < SlabBricks ? BitOperations.Log2((uint)slot) - 2 : SlabShift - 3 + (slot >> SlabShift);

    /// <summary>Bricks in a slab.</summary>
    private static int SlabLength(int slab) => slab <= 1 ? 8 : slab < SlabShift - 2 ? 8 << (slab - 1) : SlabBricks;

    /// <summary>
    /// The voxels of a slot in use (512 log-odds, x fastest, then y, then z; NaN is unknown). For writers, and for
    /// readers that check the structure stamp after reading.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<float> BrickAt(int slot) => new(Volatile.Read(ref _bricks)[slot], CellStart(slot), BrickVoxels);

    /// <summary>
    /// The slot of a brick, allocating an all-unknown brick when it does not exist. Safe to call from several
    /// threads at once, also together with <see cref="FindBrick"/> and <see cref="BrickAt"/> (lookups take no lock).
    /// </summary>
    internal int GetOrAddBrick(int bx, int by, int bz)
    {
        int slot = FindBrick(bx, by, bz);
        if (slot >= 0)
        {
            return slot;
        }

        long packed = VoxelKey.PackBrick(bx, by, bz);
        lock (_addLock)
        {
            slot = FindBrick(bx, by, bz); // the grid or the table, as it was added
            return slot >= 0 ? slot : AddBrick(packed, default, float.NaN);
        }
    }

    /// <summary>Adds a brick that is known to be absent, all 512 voxels <paramref name="value"/> (written once).</summary>
    internal int AdoptFilledBrick(int bx, int by, int bz, float value)
    {
        System.Diagnostics.Debug.Assert(FindBrick(bx, by, bz) < 0, "the brick exists");
        lock (_addLock)
        {
            return AddBrick(VoxelKey.PackBrick(bx, by, bz), default, value);
        }
    }

    /// <summary>Adds a brick that is known to be absent, with a copy of <paramref name="voxels"/> (512 log-odds).</summary>
    internal int AdoptBrick(int bx, int by, int bz, ReadOnlySpan<float> voxels)
    {
        lock (_addLock)
        {
            return AddBrick(VoxelKey.PackBrick(bx, by, bz), voxels, float.NaN);
        }
    }

    /// <summary>
    /// Stores a brick (a copy of <paramref name="voxels"/>, or all <paramref name="fill"/> when it is empty) and
    /// publishes it: the voxels and the key first, the slot's slab next, its key in the table last.
    /// </summary>
    private int AddBrick(long packed, ReadOnlySpan<float> voxels, float fill)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _freeSlots[--_freeCount];
        }
        else
        {
            slot = _slotHighWater++;
            if (slot == _bricks.Length)
            {
                GrowSlots(slot * 2);
            }
        }

        int slabIndex = SlabIndexOf(slot);
        if (slabIndex == _slabCount)
        {
            AddSlab();
        }

        float[] slab = _slabs[slabIndex];
        if (!voxels.IsEmpty)
        {
            voxels[..BrickVoxels].CopyTo(slab.AsSpan(CellStart(slot), BrickVoxels));
        }
        else
        {
            slab.AsSpan(CellStart(slot), BrickVoxels).Fill(fill);
        }

        Publish(slot, packed, slab);
        return slot;
    }

    /// <summary>
    /// Grows the per-slot arrays to <paramref name="length"/> slots. Grown arrays are published before any slot beyond
    /// the old ones is: a reader that found such a slot reads the arrays after it and sees the grown ones.
    /// </summary>
    private void GrowSlots(int length)
    {
        long[] summaries = _summaries;
        Array.Resize(ref summaries, length);
        Volatile.Write(ref _summaries, summaries);
        GrowChangeArrays(length);
        float[]?[] bricks = _bricks;
        Array.Resize(ref bricks, length);
        long[] keys = _brickKeys;
        Array.Resize(ref keys, length);
        Volatile.Write(ref _brickKeys, keys);
        Volatile.Write(ref _bricks, bricks);
    }

    /// <summary>
    /// Allocates the next slab, or takes a full-size one a collected map left (<see cref="SlabPool"/>), without zeroing:
    /// each brick's cell is written when its slot is taken, and a cell never taken is never read.
    /// </summary>
    private void AddSlab()
    {
        int floats = SlabLength(_slabCount) * BrickVoxels;
        float[] fresh = (floats == FullSlabFloats ? SlabPool.TryRent() : null) ?? GC.AllocateUninitializedArray<float>(floats);
        if (_slabCount == _slabs.Length)
        {
            Array.Resize(ref _slabs, _slabCount * 2);
        }

        _slabs[_slabCount++] = fresh;
        Volatile.Write(ref _slabBytes, _slabBytes + ((long)floats * sizeof(float)) + 24);
    }

    /// <summary>
    /// Publishes a slot whose cell holds its voxels: the key first, the slot's slab next, its cell in the directory (or,
    /// outside any directory the map can hold, its key in the hash table) last.
    /// </summary>
    /// <remarks>
    /// Only bricks the directory cannot hold go to the hash table (it keeps them when a grown directory covers them
    /// later, so that a reader holding the old directory still finds them): a LiDAR scan into a fresh map, whose
    /// directory was reserved for it, grew a table of every brick as well, 1.5 MB of new arrays for the 50 000 bricks
    /// of a VLP-16 scan at 5 cm, filled and rehashed seven times, with their page faults.
    /// </remarks>
    private void Publish(int slot, long packed, float[] slab)
    {
        // The key before the slab: a reader that sees a slot's voxels (TryReadBrick) then reads its key.
        StampNewSlot(slot);
        _brickKeys[slot] = packed;
        Volatile.Write(ref _bricks[slot], slab);
        Volatile.Write(ref _brickCount, _brickCount + 1);
        (int x, int y, int z) = VoxelKey.UnpackBrick(packed);
        if (!_grid.Set(x, y, z, slot, AllBricks))
        {
            _table.Add(packed, slot);
        }
    }

    /// <summary>
    /// Makes slots 0 to <paramref name="count"/> − 1 and their slabs at once, as adding that many bricks one at a time
    /// grows and allocates them, for a reader that fills a new map with several threads: each fills the cells of its
    /// bricks (<see cref="BrickAtReserved"/>) while one thread publishes them in slot order
    /// (<see cref="PublishReservedBrick"/>). The map must be new, and seen by no other thread until the reader returns it.
    /// </summary>
    internal void ReserveBricks(int count)
    {
        System.Diagnostics.Debug.Assert(_slotHighWater == 0 && _slabCount == 0 && _freeCount == 0, "the map is not new");
        while (_bricks.Length < count)
        {
            GrowSlots(_bricks.Length * 2);
        }

        while (count > 0 && _slabCount <= SlabIndexOf(count - 1))
        {
            AddSlab();
        }
    }

    /// <summary>The slab of a reserved slot (<see cref="ReserveBricks"/>), published or not.</summary>
    internal float[] SlabAtReserved(int slot) => _slabs[SlabIndexOf(slot)];

    /// <summary>The cell of a reserved slot (<see cref="ReserveBricks"/>), published or not.</summary>
    internal Span<float> BrickAtReserved(int slot) => _slabs[SlabIndexOf(slot)].AsSpan(CellStart(slot), BrickVoxels);

    /// <summary>Publishes the next reserved slot as brick (bx, by, bz) (the voxels its cell holds, or will hold once filled).</summary>
    internal void PublishReservedBrick(int bx, int by, int bz)
    {
        int slot = _slotHighWater++;
        Publish(slot, VoxelKey.PackBrick(bx, by, bz), _slabs[SlabIndexOf(slot)]);
    }

    /// <summary>
    /// Grows the brick directory once to cover the bricks between two points (world frame, metres; corners of a box in
    /// any order) that a writer is about to fill, rather than brick by brick as they come (see <see cref="BrickGrid.Reserve"/>).
    /// A hint only: nothing changes when either point is not finite or lies outside the map.
    /// </summary>
    internal void ReserveDirectory(Vector3 a, Vector3 b)
    {
        if (!TryGetKey(a, out VoxelKey ka) || !TryGetKey(b, out VoxelKey kb))
        {
            return;
        }

        lock (_addLock)
        {
            _grid.Reserve(
                Math.Min(ka.BrickX, kb.BrickX), Math.Min(ka.BrickY, kb.BrickY), Math.Min(ka.BrickZ, kb.BrickZ),
                Math.Max(ka.BrickX, kb.BrickX), Math.Max(ka.BrickY, kb.BrickY), Math.Max(ka.BrickZ, kb.BrickZ),
                AllBricks);
        }
    }

    /// <summary>Every brick as (x, y, z, slot), for filling a grown grid.</summary>
    private (int X, int Y, int Z, int Slot)[] AllBricks()
    {
        var all = new (int, int, int, int)[_brickCount];
        int n = 0;
        for (int slot = 0; slot < _slotHighWater && n < all.Length; slot++)
        {
            if (_bricks[slot] is not null)
            {
                (int x, int y, int z) = VoxelKey.UnpackBrick(_brickKeys[slot]);
                all[n++] = (x, y, z, slot);
            }
        }

        return all;
    }

    /// <summary>Releases a brick, whatever it holds (readers retry around it). Writers only.</summary>
    internal void ReleaseBrick(int slot)
    {
        // Readers that looked the brick up meanwhile may hold its slot, or a bucket the table shifts: they retry.
        // Logged before the removal starts: a consumer of the change feed holds the log's lock while it reads slots, and
        // waits out a removal under way; the removal must not wait for that lock in turn.
        LogRemoval(_brickKeys[slot]);
        BeginStructureChange();
        (int bx, int by, int bz) = VoxelKey.UnpackBrick(_brickKeys[slot]);
        _grid.Set(bx, by, bz, -1, AllBricks);
        _table.Remove(_brickKeys[slot]); // (a brick the directory held may not be in the table)
        Volatile.Write(ref _brickCount, _brickCount - 1);
        BrickAt(slot).Fill(float.NaN); // the cell returns all unknown with the slot
        _bricks[slot] = null;
        EndStructureChange();
        if (_freeCount == _freeSlots.Length)
        {
            Array.Resize(ref _freeSlots, _freeCount * 2);
        }

        _freeSlots[_freeCount++] = slot;
    }
}
