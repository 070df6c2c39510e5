using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>
/// One thread's share of a point-cloud scan: its claim lists and counters, its cache of bricks, and the walks (the
/// scalar walk in ScanWorker.ScalarWalk.cs; the lanes in ScanWorker.Lanes*.cs with their private grid in
/// ScanWorker.WalkGrid.cs). A worker claims each voxel its rays touch in the scan's shared planes
/// (<see cref="ScanClaims"/>) and lists the voxels it claimed first, for <see cref="ScanClaims.ApplyJob"/>.
/// </summary>
internal sealed unsafe partial class ScanWorker
{
    private readonly OccupancyMap _map;
    private readonly SlotWords _marks;

    /// <param name="map">The map the scans update.</param>
    /// <param name="marks">The scan's shared claim planes (<see cref="ScanClaims"/>).</param>
    /// <param name="kernels">The walk and key implementations to use.</param>
    public ScanWorker(OccupancyMap map, SlotWords marks, KernelSet kernels)
    {
        _map = map;
        _marks = marks;
        _lanes = kernels.Walk >= KernelWidth.Vector256;
        _wideLanes = kernels.Walk == KernelWidth.Vector512;
        SetsUpEight = _wideLanes && kernels.Keys != KernelWidth.Scalar;
        _wideKeys = kernels.Keys == KernelWidth.Vector512;
    }

    // The claim lists, taken from ClaimListPool when a scan starts (Reset) and given back when it ends (ReturnLists).
    public int[] Free = [];
    public int[] Hits = [];
    public int FreeCount;
    public int HitCount;
    public int NoReturn;
    public int OutOfMap;
    public int Beyond;
    public int Applied;

    /// <summary>
    /// Whether this worker is the only thread claiming in the scan under way (the integrator runs it on one thread):
    /// its walks then claim with plain ORs. Set before the scan's rays are cast.
    /// </summary>
    public bool Alone { get; set; }

    // Brick cache: consecutive voxels of a ray mostly share a brick, so the hash lookup runs once per brick crossed.
    private int _brickX = int.MinValue, _brickY, _brickZ, _slot;

    // Sizes the lists should have from the next scan on (Reserve), applied when that scan starts (Reset).
    private int _reserveFree, _reserveHits;

    /// <summary>
    /// Sizes the lists for scans like the last one, from the next scan on: applied when it starts, when the lists'
    /// contents are dead, so nothing is copied, and an integrator used for one scan never pays for it (a fresh
    /// integrator's first scan of a LiDAR sweep spent a twentieth of its time resizing lists here).
    /// </summary>
    public void Reserve(int free, int hits)
    {
        _reserveFree = Math.Max(_reserveFree, free);
        _reserveHits = Math.Max(_reserveHits, hits);
    }

    /// <summary>Clears the claim bits this worker's lists name (those of a scan that did not finish).</summary>
    private void ClearClaimBits()
    {
        SlotWords marks = _marks;
        for (int n = 0; n < FreeCount; n++)
        {
            int entry = Free[n];
            Unsafe.Add(ref marks.Words(entry >> 9), (entry & 511) >> 6) &= ~(1UL << entry);
        }

        for (int n = 0; n < HitCount; n++)
        {
            int entry = Hits[n];
            Unsafe.Add(ref marks.Words(entry >> 9), ScanClaims.HitPlane + ((entry & 511) >> 6)) &= ~(1UL << entry);
        }
    }

    /// <summary>Starts a scan: counters, lists and caches empty (bricks may have been removed since the last scan).</summary>
    public void Reset()
    {
        FreeCount = HitCount = NoReturn = OutOfMap = Beyond = Applied = 0;
        Free = ClaimListPool.FreeLists.Rent(Math.Max(MinimumFree, _reserveFree));
        Hits = ClaimListPool.HitLists.Rent(Math.Max(MinimumHits, _reserveHits));

        _brickX = int.MinValue;
        _brickCache.AsSpan().Fill(new BrickCacheEntry { Key = -1 });
        _queued = 0;
    }

    /// <summary>
    /// After a scan failed part way (an exception in any pass): clears the claim bits its lists name, so that later
    /// scans can claim those voxels, gives the lists back, and drops the walk grid, which may hold marks (it is not
    /// returned to the pool).
    /// </summary>
    public void Abandon()
    {
        ClearClaimBits();
        FreeCount = HitCount = 0;
        ReturnLists();
        DropGrid();
        _queued = 0;
    }

    /// <summary>Gives the claim lists back to <see cref="ClaimListPool"/> once their claims are applied or cleared (the counts stay for the scan's statistics).</summary>
    public void ReturnLists()
    {
        if (Free.Length > 0)
        {
            ClaimListPool.FreeLists.Return(Free);
            Free = [];
        }

        if (Hits.Length > 0)
        {
            ClaimListPool.HitLists.Return(Hits);
            Hits = [];
        }
    }

    /// <summary>Smallest lists a scan starts with.</summary>
    private const int MinimumFree = 4096, MinimumHits = 1024;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(int bx, int by, int bz)
    {
        if (bx != _brickX || by != _brickY || bz != _brickZ)
        {
            _slot = _map.GetOrAddBrick(bx, by, bz);
            _brickX = bx;
            _brickY = by;
            _brickZ = bz;
        }

        return _slot;
    }

    /// <summary>
    /// The claim words of a brick the walk enters, through a small direct-mapped cache of this scan's bricks:
    /// neighbouring rays cross the same bricks, and the cache answers in two loads where the brick directory and the
    /// word chunks take eight dependent ones (a quarter of the walk's time before it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* Enter(int bx, int by, int bz, out int slot)
    {
        long key = ((long)(bx & 0x1FFFFF) << 42) | ((long)(by & 0x1FFFFF) << 21) | (long)(bz & 0x1FFFFF);
        int h = (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15UL)) >> (64 - BrickCacheBits));
        ref BrickCacheEntry entry = ref _brickCache[h];
        if (entry.Key == key)
        {
            slot = entry.Slot;
            return entry.Words;
        }

        slot = SlotOf(bx, by, bz);
        ulong* words = _marks.WordsPointer(slot);
        entry = new BrickCacheEntry { Key = key, Slot = slot, Words = words };
        return words;
    }

    private const int BrickCacheBits = 8;

    private readonly BrickCacheEntry[] _brickCache = NewBrickCache();

    private static BrickCacheEntry[] NewBrickCache()
    {
        var cache = new BrickCacheEntry[1 << BrickCacheBits];
        cache.AsSpan().Fill(new BrickCacheEntry { Key = -1 });
        return cache;
    }

    private struct BrickCacheEntry
    {
        public long Key; // −1: empty (real keys have bit 63 clear)
        public ulong* Words;
        public int Slot;
    }

    /// <summary>Claims the end voxel of a ray as a hit.</summary>
    public void MarkHit(VoxelKey key)
    {
        int slot = SlotOf(key.BrickX, key.BrickY, key.BrickZ);
        int local = key.LocalIndex;
        ref ulong word = ref Unsafe.Add(ref _marks.Words(slot), ScanClaims.HitPlane + (local >> 6));
        ulong bit = 1UL << local;
        if ((word & bit) == 0 && (Interlocked.Or(ref word, bit) & bit) == 0)
        {
            Push(ref Hits, ref HitCount, (slot << 9) | local);
        }
    }

    /// <summary>Doubles a full list, keeping its entries (not zeroed first: every entry past them is written before it is read).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Grow(ref int[] list, int count)
    {
        int[] grown = GC.AllocateUninitializedArray<int>(list.Length * 2);
        list.AsSpan(0, count).CopyTo(grown);
        list = grown;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Push(ref int[] list, ref int count, int entry)
    {
        if (count == list.Length)
        {
            Grow(ref list, count);
        }

        list[count++] = entry;
    }
}
