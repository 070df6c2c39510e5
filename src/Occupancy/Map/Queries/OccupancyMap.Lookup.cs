using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Occupancy;

/// <summary>Point and batched lookups: log-odds, probability and state of voxels. World frame, metres, z up.</summary>
public sealed partial class OccupancyMap
{
    /// <summary>Log-odds of a voxel; NaN when it was never observed.</summary>
    /// <param name="key">The voxel.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float GetLogOdds(VoxelKey key)
    {
        if (!IsInRange(key))
        {
            return float.NaN;
        }

        long stamp = StructureStamp();
        float value = ReadVoxel(key);
        return StructureHeld(stamp) ? value : ReadVoxelAfterRemovals(key);
    }

    /// <summary>The slow path of <see cref="GetLogOdds(VoxelKey)"/>: a removal ran while the voxel was read; read again.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private float ReadVoxelAfterRemovals(VoxelKey key)
    {
        while (true)
        {
            long stamp = WaitForStructure();
            float value = ReadVoxel(key);
            if (StructureHeld(stamp))
            {
                return value;
            }
        }
    }

    /// <summary>One voxel's log-odds as stored now (a reader checks the structure stamp around it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float ReadVoxel(VoxelKey key)
    {
        int slot = FindBrick(key.BrickX, key.BrickY, key.BrickZ);
        if (slot < 0)
        {
            return float.NaN;
        }

        float[]? slab = Volatile.Read(ref _bricks)[slot];
        return slab is null ? float.NaN : slab[CellStart(slot) + key.LocalIndex];
    }

    /// <summary>Occupancy probability of a voxel; NaN when it was never observed.</summary>
    /// <param name="key">The voxel.</param>
    public float GetProbability(VoxelKey key)
    {
        float l = GetLogOdds(key);
        return float.IsNaN(l) ? float.NaN : (float)SensorModel.Probability(l);
    }

    /// <summary>Occupancy probability at a point; NaN when its voxel was never observed or the point is not in the map.</summary>
    /// <param name="point">World frame, metres.</param>
    public float GetProbability(Vector3 point) => TryGetKey(point, out VoxelKey key) ? GetProbability(key) : float.NaN;

    /// <summary>State of a voxel: unknown, free or occupied.</summary>
    /// <param name="key">The voxel.</param>
    public VoxelState GetState(VoxelKey key) => IsInRange(key) ? StateOf(key) : VoxelState.Unknown;

    /// <summary>State of the voxel holding a point; unknown when the point is not finite or not in the map.</summary>
    /// <param name="point">World frame, metres.</param>
    public VoxelState GetState(Vector3 point) => TryGetKey(point, out VoxelKey key) ? StateOf(key) : VoxelState.Unknown;

    /// <summary>
    /// The state of a voxel in range, without a branch on what the map holds there: on queries scattered over a map,
    /// whether the brick exists and whether the voxel is known are anyone's guess, and branches on them mispredict
    /// (as in <see cref="ToStates"/>). An absent brick reads slot 0's cell and is masked to unknown; the state is
    /// known + occupied, both from integer compares of the log-odds' bits (<see cref="StateOfBits"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private VoxelState StateOf(VoxelKey key)
    {
        long stamp = StructureStamp();
        int slot = FindBrick(key.BrickX, key.BrickY, key.BrickZ);
        int absent = slot >> 31; // −1 when there is no brick, 0 when there is
        int read = slot & ~absent;
        float[]? slab = Volatile.Read(ref _bricks)[read];
        if (slab is null)
        {
            // No cell at slot 0 (an empty map, or its first brick released), or the brick was removed meanwhile.
            return Classify(GetLogOdds(key));
        }

        int bits = BitConverter.SingleToInt32Bits(slab[CellStart(read) + key.LocalIndex]);
        bits = (bits & ~absent) | (QuietNaNBits & absent);
        VoxelState state = StateOfBits(bits, _occupiedKey);
        return StructureHeld(stamp) ? state : Classify(GetLogOdds(key));
    }

    /// <summary>The bits of the quiet NaN that stands for an absent brick's voxels.</summary>
    private const int QuietNaNBits = 0x7FC0_0000;

    /// <summary>
    /// Unknown (NaN), free or occupied from a log-odds' bits with integer compares only: known when the magnitude's bits
    /// are at most infinity's, occupied when known and the bits, ordered as the floats are
    /// (<see cref="OrderedBits"/>), are at least the threshold's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static VoxelState StateOfBits(int bits, int occupiedKey)
    {
        int known = (bits & int.MaxValue) <= 0x7F80_0000 ? 1 : 0;
        int atLeast = OrderedBits(bits) >= occupiedKey ? 1 : 0;
        return (VoxelState)(known + (known & atLeast));
    }

    /// <summary>
    /// A float's bits turned into an int that orders as the floats compare (NaN aside): non-negative bits as they are,
    /// negative ones as int.MinValue − bits, so that −0 and +0 both become 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int OrderedBits(int bits)
    {
        int negative = bits >> 31;
        return (bits ^ (negative & int.MaxValue)) - negative;
    }

    /// <summary>
    /// States of many points at once (faster than one call each: lookups are overlapped in blocks, and batches of 16 384
    /// points or more are split over the cores). Safe beside a writer: each point's answer is its voxel before or after a write.
    /// </summary>
    /// <param name="points">World frame, metres. Non-finite or out-of-map points are unknown.</param>
    /// <param name="states">Receives one state per point; at least as long as <paramref name="points"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="states"/> is shorter than <paramref name="points"/>.</exception>
    public void GetStates(ReadOnlySpan<Vector3> points, Span<VoxelState> states)
    {
        if (states.Length < points.Length)
        {
            ThrowHelper.BufferSize(nameof(states), states.Length, points.Length, "the points");
        }

        if (points.Length >= ParallelLookupMinimum && WorkerPool.Shared.WorkerCount > 1)
        {
            RunLookupJob(points, default, states);
            return;
        }

        StatesOf(points, states);
    }

    private void StatesOf(ReadOnlySpan<Vector3> points, Span<VoxelState> states)
    {
        float threshold = SensorModel.OccupiedLogOdds;
        Span<float> values = stackalloc float[LookupBlock];
        for (int start = 0; start < points.Length; start += LookupBlock)
        {
            int n = Math.Min(LookupBlock, points.Length - start);
            LookUpBlock(points.Slice(start, n), values);
            ToStates(values[..n], threshold, states.Slice(start, n), Kernels.Lookups);
        }
    }

    /// <summary>
    /// States from log-odds (NaN unknown) without a branch per value: state = known + occupied, four at a time from
    /// two vector compares. On random queries a branch on NaN mispredicted often enough to take about 40% of a batched
    /// lookup (the JIT keeps a branch for the unordered case of a scalar float compare).
    /// </summary>
    internal static void ToStates(ReadOnlySpan<float> values, float threshold, Span<VoxelState> states, KernelWidth lookups)
    {
        int i = 0;
        if (lookups != KernelWidth.Scalar && Vector128.IsHardwareAccelerated)
        {
            Vector128<float> limit = Vector128.Create(threshold);
            for (; i <= values.Length - 4; i += 4)
            {
                Vector128<float> v = Vector128.Create(values.Slice(i, 4));
                uint known = Vector128.Equals(v, v).ExtractMostSignificantBits(); // NaN never equals itself
                uint occupied = Vector128.GreaterThanOrEqual(v, limit).ExtractMostSignificantBits(); // false for NaN
                states[i] = (VoxelState)((known & 1) + (occupied & 1));
                states[i + 1] = (VoxelState)(((known >> 1) & 1) + ((occupied >> 1) & 1));
                states[i + 2] = (VoxelState)(((known >> 2) & 1) + ((occupied >> 2) & 1));
                states[i + 3] = (VoxelState)((known >> 3) + (occupied >> 3));
            }
        }

        for (; i < values.Length; i++)
        {
            float l = values[i];
            states[i] = float.IsNaN(l) ? VoxelState.Unknown : l >= threshold ? VoxelState.Occupied : VoxelState.Free;
        }
    }

    /// <summary>Batches at least this long are split over the shared worker threads (a batch is read-only work).</summary>
    private const int ParallelLookupMinimum = 16384;

    /// <summary>Points per job of a parallel batched lookup.</summary>
    private const int LookupJobPoints = 4096;

    /// <summary>A job kept for the next batched lookup; a caller takes it (or makes its own when another caller holds it).</summary>
    private LookupJob? _lookupJob;

    private unsafe void RunLookupJob(ReadOnlySpan<Vector3> points, Span<float> logOdds, Span<VoxelState> states)
    {
        // Each caller its own job: readers on several threads must not share one job's pointers.
        LookupJob job = Interlocked.Exchange(ref _lookupJob, null) ?? new LookupJob(this);
        fixed (Vector3* p = points)
        fixed (float* l = logOdds)
        fixed (VoxelState* s = states)
        {
            job.Points = p;
            job.LogOdds = l;
            job.States = s;
            job.Length = points.Length;
            try
            {
                WorkerPool.Shared.Run(job, (points.Length + LookupJobPoints - 1) / LookupJobPoints, int.MaxValue);
            }
            finally
            {
                job.Points = null;
                job.LogOdds = null;
                job.States = null;
                Volatile.Write(ref _lookupJob, job);
            }
        }
    }

    /// <summary>One slice of a batched lookup: log-odds when <see cref="LogOdds"/> is set, else states.</summary>
    private sealed unsafe class LookupJob(OccupancyMap map) : ParallelJob
    {
        public Vector3* Points;
        public float* LogOdds;
        public VoxelState* States;
        public int Length;

        public override void Execute(int index, int worker)
        {
            int start = index * LookupJobPoints, n = Math.Min(LookupJobPoints, Length - start);
            var points = new ReadOnlySpan<Vector3>(Points + start, n);
            if (LogOdds != null)
            {
                map.LogOddsOf(points, new Span<float>(LogOdds + start, n));
            }
            else
            {
                map.StatesOf(points, new Span<VoxelState>(States + start, n));
            }
        }
    }

    /// <summary>Points per block of a batched lookup.</summary>
    private const int LookupBlock = 64;

    /// <summary>
    /// Log-odds of up to <see cref="LookupBlock"/> points, in three passes over the block: keys (prefetching their
    /// hash buckets), bricks (prefetching the voxel), values. Random points in a map larger than the cache miss in the
    /// brick table and again in the brick; one by one those misses come in turn (about 28 ns a point on the standard
    /// room), while in a block they overlap.
    /// </summary>
    private void LookUpBlock(ReadOnlySpan<Vector3> points, Span<float> values)
    {
        long stamp = StructureStamp();
        while (true)
        {
            LookUpBlockOnce(points, values);
            if (StructureHeld(stamp))
            {
                return;
            }

            stamp = WaitForStructure();
        }
    }

    [SkipLocalsInit]
    private unsafe void LookUpBlockOnce(ReadOnlySpan<Vector3> points, Span<float> values)
    {
        Span<long> packed = stackalloc long[LookupBlock];
        Span<int> locals = stackalloc int[LookupBlock];
        int i = 0;
        if (Kernels.Lookups != KernelWidth.Scalar && Kernels.Keys != KernelWidth.Scalar && _grid.TryGetCells(out int x0, out int y0, out int z0, out int nx, out int ny, out int nz, out int[] cells))
        {
            fixed (Vector3* p = points)
            fixed (long* pk = packed)
            fixed (int* pl = locals)
            fixed (int* grid = cells)
            {
                var g = new LookupKernel.Grid(x0, y0, z0, nx, ny, nz, grid);
                for (; i <= points.Length - 8; i += 8)
                {
                    LookupKernel.Keys8(p + i, InverseResolution, g, pk + i, pl + i, Kernels.Keys == KernelWidth.Vector512);
                }
            }

            // Lanes the grid could not answer (outside it) are packed keys: look them up in the hash table below.
            for (int j = 0; j < i; j++)
            {
                if (packed[j] >= 0)
                {
                    _table.Prefetch(packed[j]);
                }
            }
        }

        for (; i < points.Length; i++)
        {
            if (TryGetKey(points[i], out VoxelKey key))
            {
                int slot = _grid.Find(key.BrickX, key.BrickY, key.BrickZ);
                packed[i] = slot == -2 ? VoxelKey.PackBrick(key.BrickX, key.BrickY, key.BrickZ) : -2 - slot; // ≤ −1: the grid's answer
                locals[i] = key.LocalIndex;
                if (slot == -2)
                {
                    _table.Prefetch(packed[i]);
                }
            }
            else
            {
                packed[i] = -1;
            }
        }

        // A slot found beyond this array, or empty in it, is a brick added or removed meanwhile: unknown, as before it
        // was added (a removal makes the block start again).
        float[]?[] bricks = Volatile.Read(ref _bricks);
        Span<int> slots = stackalloc int[LookupBlock];
        for (i = 0; i < points.Length; i++)
        {
            int slot = packed[i] < 0 ? (int)(-2 - packed[i]) : _table.Find(packed[i]);
            float[]? slab = (uint)slot < (uint)bricks.Length ? bricks[slot] : null;
            slots[i] = slab is null ? -1 : slot;
            locals[i] += slab is null ? 0 : CellStart(slot);
            if (slab is not null && System.Runtime.Intrinsics.X86.Sse.IsSupported)
            {
                // The element's address without touching the array header (a bounds check would load it: one more miss).
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slab), locals[i])));
            }
        }

        for (i = 0; i < points.Length; i++)
        {
            // The brick is read again (a removal may have cleared the slot since; the block is then retried), without
            // bounds checks: the slot was checked against this array's length above, and locals[i] is now the index of
            // the voxel in its slab (the cell's start plus 0 to 511), and a slot's slab never changes while it is in use.
            int slot = slots[i];
            float[]? slab = slot < 0 ? null : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(bricks), slot);
            values[i] = slab is null ? float.NaN : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slab), locals[i]);
        }
    }

    /// <summary>
    /// Log-odds of many points at once; NaN for unknown voxels and for non-finite or out-of-map points. Batches of
    /// 16 384 points or more are split over the cores.
    /// </summary>
    /// <param name="points">World frame, metres.</param>
    /// <param name="logOdds">Receives one value per point; at least as long as <paramref name="points"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="logOdds"/> is shorter than <paramref name="points"/>.</exception>
    public void GetLogOdds(ReadOnlySpan<Vector3> points, Span<float> logOdds)
    {
        if (logOdds.Length < points.Length)
        {
            ThrowHelper.BufferSize(nameof(logOdds), logOdds.Length, points.Length, "the points");
        }

        if (points.Length >= ParallelLookupMinimum && WorkerPool.Shared.WorkerCount > 1)
        {
            RunLookupJob(points, logOdds, default);
            return;
        }

        LogOddsOf(points, logOdds);
    }

    private void LogOddsOf(ReadOnlySpan<Vector3> points, Span<float> logOdds)
    {
        for (int start = 0; start < points.Length; start += LookupBlock)
        {
            int n = Math.Min(LookupBlock, points.Length - start);
            LookUpBlock(points.Slice(start, n), logOdds.Slice(start, n));
        }
    }

    internal VoxelState Classify(float logOdds) => SensorModel.Classify(logOdds);
}
