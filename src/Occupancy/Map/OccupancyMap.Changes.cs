using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Occupancy;

/// <summary>
/// The map in time: its version and change feed (which bricks changed since a version, for renderers, network sync and
/// distance fields that update incrementally), its clock, and when each brick was last observed.
/// </summary>
/// <remarks>
/// Bookkeeping: two words per brick slot (the version of the write that last changed the brick, the time of the write
/// that last observed it: 16 bytes against the brick's 2,048) and a log of released bricks. A write marks the bricks it
/// touches with one store each.
/// </remarks>
public sealed partial class OccupancyMap
{
    /// <summary>Released bricks the log keeps; when it is full its older half is dropped and older consumers start over.</summary>
    private const int RemovalLogLimit = 1 << 16;

    private readonly object _feedLock = new();
    private long[] _changed = new long[256];
    private double[] _observed = new double[256];
    private (long Packed, long Version)[] _removals = new (long, long)[64];
    private int _removalCount;

    /// <summary>Changes up to this version are no longer all on record (a Clear ran, or the removal log was trimmed).</summary>
    private long _feedHorizon;

    /// <summary>The version the write under way ends with (writes take turns): what it marks the bricks it changes with.</summary>
    private long _writeStamp = 1;

    private double _time = double.NegativeInfinity;

    /// <summary>
    /// The map's version: one more after every write (integration, update, clearing, decay). Take it before reading the
    /// map, and pass it to <see cref="GetChangesSince"/> later to learn what changed meanwhile.
    /// </summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>
    /// The map's clock, seconds: the latest timestamp an integration carried (or <see cref="AdvanceTime"/> set);
    /// negative infinity before any. Times are the caller's (sensor stamps, simulation time): only their order and
    /// differences matter.
    /// </summary>
    public double Time => Volatile.Read(ref _time);

    /// <summary>
    /// Sets the map's clock; later writes mark the bricks they observe with this time. Time never runs backwards.
    /// </summary>
    /// <param name="time">Seconds; finite and not before <see cref="Time"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is not finite or lies before <see cref="Time"/>.</exception>
    public void AdvanceTime(double time)
    {
        using WriteScope write = BeginWrite(time, nameof(time));
    }

    /// <summary>Throws unless <paramref name="time"/> could advance the clock (checked again under the write lock).</summary>
    internal void CheckTime(double time, string parameter)
    {
        if (!(double.IsFinite(time) && time >= Time))
        {
            ThrowTimeRefused(time, parameter);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowTimeRefused(double time, string parameter) =>
        ThrowHelper.ArgumentOutOfRange(parameter, time, string.Create(CultureInfo.InvariantCulture, $"{parameter} must be finite and not before the map's time {Time} s, but was {time}."));

    /// <summary>
    /// When a voxel's brick (its 8×8×8 voxels) was last observed: the <see cref="Time"/> of the latest write that
    /// updated a voxel of the brick. NaN when no timed write observed it (never seen, loaded from a file, or seen before
    /// the clock was first set).
    /// </summary>
    /// <param name="key">The voxel.</param>
    public double GetLastObserved(VoxelKey key)
    {
        long stamp = StructureStamp();
        while (true)
        {
            int slot = FindBrick(key.BrickX, key.BrickY, key.BrickZ);
            double[] observed = Volatile.Read(ref _observed);
            double t = slot >= 0 && slot < observed.Length ? observed[slot] : double.NaN;
            if (StructureHeld(stamp))
            {
                return double.IsNegativeInfinity(t) ? double.NaN : t;
            }

            stamp = WaitForStructure();
        }
    }

    /// <summary>
    /// The bricks changed since <paramref name="version"/> (their voxels now, and the bricks released), for consumers
    /// that follow the map incrementally. Apply <paramref name="removed"/> first, then read the voxels of
    /// <paramref name="changed"/> (a brick released and made again is in both). When <see cref="MapChanges.Reset"/> is
    /// true the record no longer reaches back to <paramref name="version"/>: drop everything and take
    /// <paramref name="changed"/>, which then lists every brick. Pass <see cref="MapChanges.Version"/> next time.
    /// </summary>
    /// <remarks>
    /// Every brick whose voxels changed after <paramref name="version"/> is listed; a brick a write touched without
    /// changing a value (a miss on a voxel already at the clamp) may be listed too. Beside a writer on another thread, a
    /// brick the write under way changes is listed now and again next time.
    /// </remarks>
    /// <param name="version">A <see cref="Version"/> taken earlier (0 for everything).</param>
    /// <param name="changed">Receives the bricks changed or made since then.</param>
    /// <param name="removed">Receives the bricks released since then and not made again; null to skip them.</param>
    /// <returns>The version to pass next time, and whether the consumer must start over.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="changed"/> is null.</exception>
    public MapChanges GetChangesSince(long version, ICollection<BrickKey> changed, ICollection<BrickKey>? removed = null)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_feedLock)
        {
            long now = Version;
            bool reset = version < Volatile.Read(ref _feedHorizon);
            if (removed is not null && !reset)
            {
                for (int i = 0; i < _removalCount; i++)
                {
                    (long packed, long at) = _removals[i];
                    (int bx, int by, int bz) = VoxelKey.UnpackBrick(packed);
                    if (at > version && FindBrickConsistently(bx, by, bz) < 0)
                    {
                        removed.Add(new BrickKey(bx, by, bz));
                    }
                }
            }

            int slots = SlotCapacity;
            for (int slot = 0; slot < slots; slot++)
            {
                long[] stamps = Volatile.Read(ref _changed);
                if (slot < stamps.Length && (reset || Volatile.Read(ref stamps[slot]) > version) &&
                    TryReadBrick(slot, out _, out long packed, out _))
                {
                    (int bx, int by, int bz) = VoxelKey.UnpackBrick(packed);
                    changed.Add(new BrickKey(bx, by, bz));
                }
            }

            return new MapChanges(now, reset);
        }
    }

    /// <summary>The slot of a brick, looked up again if a removal ran meanwhile.</summary>
    private int FindBrickConsistently(int bx, int by, int bz)
    {
        long stamp = StructureStamp();
        while (true)
        {
            int slot = FindBrick(bx, by, bz);
            if (StructureHeld(stamp))
            {
                return slot;
            }

            stamp = WaitForStructure();
        }
    }

    /// <summary>Marks a brick changed by the write under way (writers; the threads of one write may mark at once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void MarkChanged(int slot)
    {
        // Read before writing: the threads of a write mark the same bricks many times, and a store of an equal value
        // would still take the cache line from the other cores.
        ref long stamp = ref Volatile.Read(ref _changed)[slot];
        if (stamp != _writeStamp)
        {
            stamp = _writeStamp;
        }
    }

    /// <summary>Marks a brick changed and observed by the write under way, at the map's time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void MarkObserved(int slot)
    {
        MarkChanged(slot);
        ref double observed = ref Volatile.Read(ref _observed)[slot];
        if (observed != _time)
        {
            observed = _time;
        }
    }

    /// <summary>The time a slot's brick was last observed (negative infinity: never by a timed write). Writers only.</summary>
    internal double ObservedAt(int slot) => _observed[slot];

    /// <summary>The time up to which a decay policy has been applied (negative infinity: never). Writers only.</summary>
    internal double DecayedUntil { get; set; } = double.NegativeInfinity;

    /// <summary>Whether a slot holds a brick. Writers only.</summary>
    internal bool HasBrick(int slot) => _bricks[slot] is not null;

    /// <summary>Bytes of the dense brick directory (the rest of <see cref="MemoryBytes"/> scales with the slots).</summary>
    internal long DirectoryBytes => _grid.MemoryBytes;

    /// <summary>How many times the dense brick directory was built anew (tests).</summary>
    internal int DirectoryGrowths => _grid.Growths;

    /// <summary>Bricks in the hash table: those added while the directory could not hold them (tests).</summary>
    internal int HashedBricks => _table.Count;

    /// <summary>The packed coordinate of a slot's brick. Writers only.</summary>
    internal long PackedKeyOf(int slot) => _brickKeys[slot];

    /// <summary>
    /// Rebuilds the dense brick directory around the bricks there are now (after many were released far away, as a
    /// rolling window does). Writers only.
    /// </summary>
    internal void CompactDirectory() => _grid.Rebuild(AllBricks);

    /// <summary>Starts the bookkeeping of a slot taken for a new brick (under the add lock).</summary>
    private void StampNewSlot(int slot)
    {
        _changed[slot] = _writeStamp;
        _observed[slot] = double.NegativeInfinity;
    }

    /// <summary>Grows the per-slot bookkeeping with the slots (before any slot beyond the old arrays is published).</summary>
    private void GrowChangeArrays(int length)
    {
        long[] changed = _changed;
        Array.Resize(ref changed, length);
        Volatile.Write(ref _changed, changed);
        double[] observed = _observed;
        Array.Resize(ref observed, length);
        Volatile.Write(ref _observed, observed);
    }

    /// <summary>Records a released brick (writers).</summary>
    private void LogRemoval(long packed)
    {
        lock (_feedLock)
        {
            if (_removalCount == RemovalLogLimit)
            {
                // Drop the older half: consumers that have not seen it start over.
                int keep = RemovalLogLimit / 2;
                Volatile.Write(ref _feedHorizon, Math.Max(_feedHorizon, _removals[RemovalLogLimit - keep - 1].Version));
                Array.Copy(_removals, RemovalLogLimit - keep, _removals, 0, keep);
                _removalCount = keep;
            }

            if (_removalCount == _removals.Length)
            {
                Array.Resize(ref _removals, _removalCount * 2);
            }

            _removals[_removalCount++] = (packed, _writeStamp);
        }
    }

    /// <summary>Forgets the removal log: everything before the write under way is gone (Clear).</summary>
    private void ResetFeed()
    {
        lock (_feedLock)
        {
            _removalCount = 0;
            Volatile.Write(ref _feedHorizon, _writeStamp);
        }
    }
}
