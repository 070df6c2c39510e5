using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// A reusable set of voxel keys with O(touched) clearing, for per-scan de-duplication: a bit per voxel in a window of
/// 256 × 256 × 128 voxels (x, y, z: less height than breadth, as the world frame has z up) around a centre
/// (<see cref="Recenter"/>, typically the sensor's voxel), and an open-addressing table for keys outside it. Its arrays
/// persist between scans, so steady-state use allocates nothing.
/// </summary>
/// <remarks>
/// The window is what makes de-duplication cheap: a frame of the standard room adds 74 000 keys (14 000 new) after
/// neighbours in the same voxel were skipped; through the hash table and its cache that took 1.2 ms a frame on one
/// thread, as bits less than half of it, and <see cref="Present8"/> tests 8 keys with one gather so that keys seen
/// before never reach the scalar path. The window costs 1 MiB (pinned, allocated at the first <see cref="Recenter"/>);
/// at 5 cm it reaches 6.4 m either side of its centre and 3.2 m up and down.
/// </remarks>
internal sealed unsafe class VoxelKeySet
{
    /// <summary>log2 of the window's voxels along x and y.</summary>
    private const int WindowShift = 8;

    /// <summary>Voxels of the window along x and y.</summary>
    public const int WindowSize = 1 << WindowShift;

    /// <summary>Voxels of the window along z.</summary>
    public const int WindowHeight = WindowSize / 2;

    private ulong[]? _window;
    private ulong* _windowBits;
    private int _baseX, _baseY, _baseZ;
    private int[] _windowTouched = new int[512];
    private int _windowWords;
    private int _windowCount;

    /// <summary>Entries of the direct-mapped cache of recently added keys in front of the table.</summary>
    private const int RecentSize = 1024;

    /// <summary>A key no voxel has (x below the map's index range): an empty cache entry.</summary>
    private static readonly VoxelKey NoKey = new(int.MinValue, 0, 0);

    private readonly VoxelKey[] _recent = NewRecent();
    private VoxelKey[] _keys = new VoxelKey[1024];
    private bool[] _used = new bool[1024];
    private int[] _touched = new int[512];
    private int _count;

    /// <summary>Keys in the set (window and table).</summary>
    public int Count => _count + _windowCount;

    /// <summary>
    /// Puts the window's centre at <paramref name="centre"/> (its first voxel 128 below it along x and y, 64 along z). The
    /// set must be empty: keys already added stay where they were put.
    /// </summary>
    public void Recenter(VoxelKey centre)
    {
        if (Count != 0)
        {
            throw new InvalidOperationException("The set must be empty to move its window.");
        }

        if (_window is null)
        {
            _window = GC.AllocateArray<ulong>(WindowSize * WindowSize * WindowHeight / 64, pinned: true);
            _windowBits = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_window));
        }

        _baseX = centre.X - (WindowSize / 2);
        _baseY = centre.Y - (WindowSize / 2);
        _baseZ = centre.Z - (WindowHeight / 2);
    }

    /// <summary>The key's bit in the window, or −1 outside it (or without a window).</summary>
    /// <remarks>
    /// Keys lie in the map's index range [−2^23, 2^23) and the window's centre near it, so the differences do not
    /// overflow; as unsigned, a key below the corner reads far above the window's size.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int WindowBit(VoxelKey key)
    {
        uint x = (uint)(key.X - _baseX), y = (uint)(key.Y - _baseY), z = (uint)(key.Z - _baseZ);
        return _windowBits != null && (x | y) < WindowSize && z < WindowHeight ? (int)(x | (y << WindowShift) | (z << (2 * WindowShift))) : -1;
    }

    /// <summary>
    /// Lanes (bit i for lane i) whose key lies in the window and is already in the set, for the lanes set in
    /// <paramref name="valid"/> (all bits of a lane set or clear). Keys outside the window are never reported, so a lane
    /// not reported still needs <see cref="Add"/>. AVX2 only (callers check <see cref="Avx2.IsSupported"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Present8(Vector256<int> x, Vector256<int> y, Vector256<int> z, Vector256<int> valid)
    {
        if (_windowBits == null)
        {
            return 0;
        }

        Vector256<int> rx = x - Vector256.Create(_baseX), ry = y - Vector256.Create(_baseY), rz = z - Vector256.Create(_baseZ);
        Vector256<int> outside = ((rx | ry) & Vector256.Create(-WindowSize)) | (rz & Vector256.Create(-WindowHeight));
        Vector256<int> inside = valid & Vector256.Equals(outside, Vector256<int>.Zero);
        Vector256<int> bit = rx | Vector256.ShiftLeft(ry, WindowShift) | Vector256.ShiftLeft(rz, 2 * WindowShift);
        Vector256<int> words = Avx2.GatherMaskVector256(Vector256<int>.Zero, (int*)_windowBits, Vector256.ShiftRightLogical(bit, 5), inside, 4);
        Vector256<int> set = Avx2.ShiftRightLogicalVariable(words, (bit & Vector256.Create(31)).AsUInt32()) & Vector256.Create(1);
        return (inside & ~Vector256.Equals(set, Vector256<int>.Zero)).ExtractMostSignificantBits();
    }

    /// <summary>Adds a key; false when it was already present.</summary>
    /// <remarks>
    /// A key in the window is one bit. Outside it, keys go to the table: a scan's points come in sensor order, and most
    /// keys added were added a row of pixels before, so a small cache of the keys added last (12 KB, in L1), indexed by the
    /// same hash, answers those without probing the table (400 KB for a frame's keys, missing L1 on each probe).
    /// </remarks>
    public bool Add(VoxelKey key)
    {
        int bit = WindowBit(key);
        if (bit >= 0)
        {
            ref ulong word = ref _windowBits[bit >> 6];
            ulong mask = 1UL << bit;
            if ((word & mask) != 0)
            {
                return false;
            }

            if (word == 0)
            {
                // A word's first bit: listed once, for Clear (the list holds at most the window's 2^17 words).
                if (_windowWords == _windowTouched.Length)
                {
                    Array.Resize(ref _windowTouched, _windowTouched.Length * 2);
                }

                _windowTouched[_windowWords++] = bit >> 6;
            }

            word |= mask;
            _windowCount++;
            return true;
        }

        int hash = Hash(key);
        ref VoxelKey recent = ref _recent[hash & (RecentSize - 1)];
        if (recent == key)
        {
            return false;
        }

        bool added = Insert(key, hash);
        recent = key; // only once the table holds it
        return added;
    }

    /// <summary>Adds a key to the table (not the cache); false when it was already present.</summary>
    private bool Insert(VoxelKey key, int hash)
    {
        if ((_count + 1) * 2 > _keys.Length)
        {
            Grow();
        }

        int mask = _keys.Length - 1;
        int i = hash & mask;
        while (_used[i])
        {
            if (_keys[i] == key)
            {
                return false;
            }

            i = (i + 1) & mask;
        }

        _used[i] = true;
        _keys[i] = key;
        _touched[_count++] = i;
        return true;
    }

    /// <summary>Whether the key is present (read-only: safe alongside other readers).</summary>
    public bool Contains(VoxelKey key)
    {
        int bit = WindowBit(key);
        if (bit >= 0)
        {
            return (_windowBits[bit >> 6] & (1UL << bit)) != 0;
        }

        int mask = _keys.Length - 1;
        int i = Hash(key) & mask;
        while (_used[i])
        {
            if (_keys[i] == key)
            {
                return true;
            }

            i = (i + 1) & mask;
        }

        return false;
    }

    public void Clear()
    {
        for (int n = 0; n < _count; n++)
        {
            _used[_touched[n]] = false;
        }

        _count = 0;
        _recent.AsSpan().Fill(NoKey);
        for (int n = 0; n < _windowWords; n++)
        {
            _windowBits[_windowTouched[n]] = 0;
        }

        _windowWords = 0;
        _windowCount = 0;
    }

    private static VoxelKey[] NewRecent()
    {
        var recent = new VoxelKey[RecentSize];
        recent.AsSpan().Fill(NoKey);
        return recent;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(VoxelKey k) => (int)(((uint)k.X * 73856093u) ^ ((uint)k.Y * 19349663u) ^ ((uint)k.Z * 83492791u)) & int.MaxValue;

    private void Grow()
    {
        VoxelKey[] oldKeys = _keys;
        int[] oldTouched = _touched;
        int count = _count;
        _keys = new VoxelKey[oldKeys.Length * 2];
        _used = new bool[oldKeys.Length * 2];
        _touched = new int[oldKeys.Length];
        _count = 0;
        for (int n = 0; n < count; n++)
        {
            VoxelKey key = oldKeys[oldTouched[n]];
            Insert(key, Hash(key));
        }
    }
}
