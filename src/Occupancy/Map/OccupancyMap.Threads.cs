using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>
/// The thread-safety contract's machinery (docs/threads.md). Writers (integrations, updates, clearing) take turns on one
/// lock and bump the map's version when they finish, so that a query-side summary computed under an older version is
/// never used again. Readers take no lock: a voxel is one aligned float, written once per write, so a reader sees it
/// before or after; bricks are published complete. The one change readers cannot follow lock-free is a brick's removal
/// (ClearRegion, Clear), which can shift hash buckets and free a slot for reuse: it is bracketed by a stamp that readers
/// check after reading (a sequence lock) and retry on.
/// </summary>
public sealed partial class OccupancyMap
{
    private readonly object _writeLock = new();

    /// <summary>Bumped as each write finishes; summaries carry the version they were computed under.</summary>
    private long _version = 1;

    /// <summary>Odd while bricks are being removed; changed by every removal.</summary>
    private long _structure;

    /// <summary>Starts a write: waits for any other writer. Dispose the scope when the write is done.</summary>
    internal WriteScope BeginWrite()
    {
        Monitor.Enter(_writeLock);
        _writeStamp = _version + 1;
        return new WriteScope(this);
    }

    /// <summary>
    /// Starts a write that carries a timestamp: checks it (before waiting, and again once the write is ours, throwing
    /// before anything changes and without a new version) and advances the map's clock to it. Null starts a plain write.
    /// </summary>
    internal WriteScope BeginWrite(double? timestamp, string parameter = "timestamp")
    {
        if (timestamp is not double time)
        {
            return BeginWrite();
        }

        CheckTime(time, parameter);
        WriteScope scope = BeginWrite();
        if (!(time >= _time))
        {
            Monitor.Exit(_writeLock); // another writer moved the clock past it meanwhile
            ThrowTimeRefused(time, parameter);
        }

        Volatile.Write(ref _time, time);
        return scope;
    }

    private void EndWrite()
    {
        Interlocked.Increment(ref _version);
        Monitor.Exit(_writeLock);
    }

    /// <summary>The version readers tag summaries with: read before the voxels a summary is computed from.</summary>
    private long ReadVersion() => Volatile.Read(ref _version);

    private void BeginStructureChange() => Interlocked.Increment(ref _structure);

    private void EndStructureChange() => Interlocked.Increment(ref _structure);

    /// <summary>A reader's stamp before it looks bricks up (odd while a removal is under way).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long StructureStamp() => Volatile.Read(ref _structure);

    /// <summary>
    /// True when no removal began or ran since <paramref name="stamp"/> was taken: what the reader read since then stands.
    /// The reads must complete before the stamp is read again: x64 keeps loads in order; elsewhere a full barrier does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool StructureHeld(long stamp)
    {
        if (!X86Base.IsSupported)
        {
            Interlocked.MemoryBarrier();
        }

        return (stamp & 1) == 0 && Volatile.Read(ref _structure) == stamp;
    }

    /// <summary>Waits out a removal under way and returns a fresh stamp.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long WaitForStructure()
    {
        var spin = new SpinWait();
        long stamp;
        while (((stamp = Volatile.Read(ref _structure)) & 1) != 0)
        {
            spin.SpinOnce();
        }

        return stamp;
    }

    /// <summary>
    /// A brick's slab and packed coordinate, read consistently (retried if a removal ran meanwhile); false when the
    /// slot holds no brick. The voxels are <c>slab[CellStart(slot)..][..BrickVoxels]</c>; a reader that keeps reading
    /// them later checks <see cref="StructureHeld"/> with <paramref name="stamp"/> after each read (the cell of a brick
    /// removed meanwhile may hold another brick). For readers that walk the slots (enumeration).
    /// </summary>
    internal bool TryReadBrick(int slot, out float[] slab, out long packedKey, out long stamp)
    {
        stamp = StructureStamp();
        while (true)
        {
            float[]?[] bricks = Volatile.Read(ref _bricks);
            float[]? found = slot < bricks.Length ? Volatile.Read(ref bricks[slot]) : null;
            long[] keys = Volatile.Read(ref _brickKeys);
            long key = slot < keys.Length ? keys[slot] : 0;
            if (StructureHeld(stamp))
            {
                slab = found!;
                packedKey = key;
                return found is not null;
            }

            stamp = WaitForStructure();
        }
    }

    /// <summary>A write in progress: ends it (and releases the next writer) when disposed.</summary>
    internal readonly struct WriteScope(OccupancyMap map) : IDisposable
    {
        public void Dispose() => map.EndWrite();
    }
}
