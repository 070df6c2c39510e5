using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>Point, batch, ray and region queries. All coordinates are world frame, metres, z up.</summary>
public sealed partial class OccupancyMap
{
    /// <summary>Log-odds of a voxel; NaN when it was never observed.</summary>
    /// <param name="key">The voxel.</param>
    public float GetLogOdds(VoxelKey key)
    {
        if (!IsInRange(key))
        {
            return float.NaN;
        }

        int slot = FindBrick(key.BrickX, key.BrickY, key.BrickZ);
        return slot < 0 ? float.NaN : _bricks[slot]![key.LocalIndex];
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
    public VoxelState GetState(VoxelKey key) => Classify(GetLogOdds(key));

    /// <summary>State of the voxel holding a point; unknown when the point is not finite or not in the map.</summary>
    /// <param name="point">World frame, metres.</param>
    public VoxelState GetState(Vector3 point) => TryGetKey(point, out VoxelKey key) ? GetState(key) : VoxelState.Unknown;

    /// <summary>
    /// States of many points at once (faster than one call each: lookups are overlapped in blocks, and batches of 16 384
    /// points or more are split over the cores). Do not change the map while it runs.
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
            ToStates(values[..n], threshold, states.Slice(start, n));
        }
    }

    /// <summary>
    /// States from log-odds (NaN unknown) without a branch per value: state = known + occupied, four at a time from
    /// two vector compares. On random queries a branch on NaN mispredicted often enough to take about 40% of a batched
    /// lookup (the JIT keeps a branch for the unordered case of a scalar float compare).
    /// </summary>
    internal static void ToStates(ReadOnlySpan<float> values, float threshold, Span<VoxelState> states)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
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

    private LookupJob? _lookupJob;

    private unsafe void RunLookupJob(ReadOnlySpan<Vector3> points, Span<float> logOdds, Span<VoxelState> states)
    {
        LookupJob job = _lookupJob ??= new LookupJob(this);
        fixed (Vector3* p = points)
        fixed (float* l = logOdds)
        fixed (VoxelState* s = states)
        {
            job.Points = p;
            job.LogOdds = l;
            job.States = s;
            job.Length = points.Length;
            WorkerPool.Shared.Run(job, (points.Length + LookupJobPoints - 1) / LookupJobPoints, int.MaxValue);
            job.Points = null;
            job.LogOdds = null;
            job.States = null;
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
    [SkipLocalsInit]
    private unsafe void LookUpBlock(ReadOnlySpan<Vector3> points, Span<float> values)
    {
        Span<long> packed = stackalloc long[LookupBlock];
        Span<int> locals = stackalloc int[LookupBlock];
        int i = 0;
        if (LookupKernel.VectorSupported && _grid.TryGetCells(out int x0, out int y0, out int z0, out int nx, out int ny, out int nz, out int[] cells))
        {
            fixed (Vector3* p = points)
            fixed (long* pk = packed)
            fixed (int* pl = locals)
            fixed (int* grid = cells)
            {
                var g = new LookupKernel.Grid(x0, y0, z0, nx, ny, nz, grid);
                for (; i <= points.Length - 8; i += 8)
                {
                    LookupKernel.Keys8(p + i, InverseResolution, g, pk + i, pl + i);
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

        float[]?[] bricks = _bricks;
        Span<int> slots = stackalloc int[LookupBlock];
        for (i = 0; i < points.Length; i++)
        {
            int slot = packed[i] < 0 ? (int)(-2 - packed[i]) : _table.Find(packed[i]);
            slots[i] = slot;
            if (slot >= 0 && System.Runtime.Intrinsics.X86.Sse.IsSupported)
            {
                // The element's address without touching the array header (a bounds check would load it: one more miss).
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(bricks[slot]!), locals[i])));
            }
        }

        for (i = 0; i < points.Length; i++)
        {
            int slot = slots[i];
            // locals[i] is a voxel index inside a brick (0 to 511), so the unchecked read stays in the 512-float array.
            values[i] = slot < 0 ? float.NaN : Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(bricks[slot]!), locals[i]);
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

    /// <summary>Counts the known, free and occupied voxels of the whole map (vectorised over each brick).</summary>
    public VoxelCounts CountVoxels()
    {
        long known = 0, occupied = 0;
        float threshold = SensorModel.OccupiedLogOdds;
        for (int slot = 0; slot < _slotHighWater; slot++)
        {
            float[]? voxels = _bricks[slot];
            if (voxels is not null)
            {
                (int k, int o) = VoxelCountKernel.Count(voxels, threshold);
                known += k;
                occupied += o;
            }
        }

        return new VoxelCounts(known - occupied, occupied);
    }

    /// <summary>
    /// Casts a ray through the map and stops at the first occupied voxel, visiting exactly the voxels the segment
    /// from <paramref name="origin"/> to origin + <paramref name="maxDistance"/> · direction passes through.
    /// The voxel holding the origin is tested too.
    /// </summary>
    /// <param name="origin">Start of the ray, world frame, metres.</param>
    /// <param name="direction">Direction, world frame; need not be unit length but must not be zero.</param>
    /// <param name="maxDistance">Length of the ray, metres.</param>
    /// <param name="unknown">What to do at a voxel that was never observed.</param>
    /// <returns>Where and why the ray stopped.</returns>
    /// <exception cref="ArgumentException">An input is not finite, the direction is zero, the distance is not positive, or the ray leaves the map.</exception>
    public RayCastResult CastRay(Vector3 origin, Vector3 direction, float maxDistance, UnknownPolicy unknown = UnknownPolicy.TreatAsFree)
    {
        ThrowHelper.ThrowIfNotFinite(origin, nameof(origin));
        ThrowHelper.ThrowIfNotFinite(direction, nameof(direction));
        ThrowHelper.ThrowIfNotPositiveFinite(maxDistance, nameof(maxDistance));
        float length = direction.Length();
        if (!(length > 0))
        {
            ThrowHelper.Argument(nameof(direction), "direction must not be the zero vector.");
        }

        if (unknown is not (UnknownPolicy.TreatAsFree or UnknownPolicy.TreatAsOccupied or UnknownPolicy.Report))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(unknown), unknown, "unknown must be TreatAsFree, TreatAsOccupied or Report.");
        }

        Vector3 unit = direction / length;
        Vector3 end = origin + (unit * maxDistance);
        VoxelKey endKey = default;
        if (!TryGetKey(origin, out VoxelKey originKey) || !TryGetKey(end, out endKey))
        {
            ThrowHelper.Argument(nameof(maxDistance), string.Create(CultureInfo.InvariantCulture, $"the ray from {origin} of length {maxDistance} leaves the map."));
        }

        float threshold = SensorModel.OccupiedLogOdds;
        var walk = new VoxelTraversal(origin, end, InverseResolution, originKey, endKey);
        // The walk's state in locals, stepped as VoxelTraversal.Step does (struct fields would round-trip through
        // memory on every voxel). Unknown bricks are crossed without a lookup per voxel.
        (long maxX, long maxY, long maxZ, long deltaX, long deltaY, long deltaZ, int stepX, int stepY, int stepZ, int endX, int endY, int endZ) = walk;
        int x = walk.X, y = walk.Y, z = walk.Z;
        bool last = walk.IsLast;
        long entry = 0;
        int bx = int.MinValue, by = 0, bz = 0;
        float[]? brick = null;
        bool skippable = false;
        RayCastOutcome onUnknown = unknown switch
        {
            UnknownPolicy.TreatAsOccupied => RayCastOutcome.Hit,
            UnknownPolicy.Report => RayCastOutcome.Unknown,
            _ => RayCastOutcome.NoHit,
        };
        while (true)
        {
            int nbx = x >> VoxelKey.BrickShift, nby = y >> VoxelKey.BrickShift, nbz = z >> VoxelKey.BrickShift;
            if (((nbx ^ bx) | (nby ^ by) | (nbz ^ bz)) != 0)
            {
                int slot = FindBrick(nbx, nby, nbz);
                brick = slot < 0 ? null : _bricks[slot];
                // Under TreatAsFree nothing in an unobserved brick, or in a brick without an occupied voxel, can stop the ray.
                skippable = onUnknown == RayCastOutcome.NoHit && (slot < 0 || !BrickHasOccupied(slot));
                bx = nbx;
                by = nby;
                bz = nbz;
            }

            if (skippable && !last)
            {
                // Jump to the voxel where the ray leaves the brick. For each axis, the crossings up to the brick's exit
                // time T happen at max + k·delta; counting them gives the voxel the step-by-step walk would reach at T,
                // ties included. Not done when the end lies in this brick.
                long exitX = BrickExit(maxX, deltaX, stepX > 0 ? 7 - (x & 7) : stepX < 0 ? x & 7 : 0);
                long exitY = BrickExit(maxY, deltaY, stepY > 0 ? 7 - (y & 7) : stepY < 0 ? y & 7 : 0);
                long exitZ = BrickExit(maxZ, deltaZ, stepZ > 0 ? 7 - (z & 7) : stepZ < 0 ? z & 7 : 0);
                long exit = Math.Min(Math.Min(exitX, exitY), exitZ);
                if (exit <= VoxelTraversal.FixedOne)
                {
                    long kx = maxX <= exit ? ((exit - maxX) / deltaX) + 1 : 0;
                    long ky = maxY <= exit ? ((exit - maxY) / deltaY) + 1 : 0;
                    long kz = maxZ <= exit ? ((exit - maxZ) / deltaZ) + 1 : 0;
                    x += stepX * (int)kx;
                    y += stepY * (int)ky;
                    z += stepZ * (int)kz;
                    maxX += kx * deltaX;
                    maxY += ky * deltaY;
                    maxZ += kz * deltaZ;
                    entry = exit;
                    last = (((x ^ endX) | (y ^ endY) | (z ^ endZ)) == 0) | (Math.Min(Math.Min(maxX, maxY), maxZ) > VoxelTraversal.FixedOne);
                    continue;
                }
            }

            RayCastOutcome outcome;
            if (brick is null)
            {
                outcome = onUnknown;
            }
            else
            {
                float l = brick[(x & 7) | ((y & 7) << 3) | ((z & 7) << 6)];
                outcome = l >= threshold ? RayCastOutcome.Hit : float.IsNaN(l) ? onUnknown : RayCastOutcome.NoHit;
            }

            if (outcome != RayCastOutcome.NoHit || last)
            {
                float distance = (float)((double)entry / VoxelTraversal.FixedOne * maxDistance);
                return new RayCastResult(outcome, new VoxelKey(x, y, z), origin + (unit * distance), distance);
            }

            long t = Math.Min(Math.Min(maxX, maxY), maxZ);
            entry = t;
            int ax = maxX == t ? 1 : 0, ay = maxY == t ? 1 : 0, az = maxZ == t ? 1 : 0;
            x += stepX & -ax;
            y += stepY & -ay;
            z += stepZ & -az;
            maxX += deltaX & -(long)ax;
            maxY += deltaY & -(long)ay;
            maxZ += deltaZ & -(long)az;
            last = (((x ^ endX) | (y ^ endY) | (z ^ endZ)) == 0) | (Math.Min(Math.Min(maxX, maxY), maxZ) > VoxelTraversal.FixedOne);
        }
    }

    /// <summary>
    /// Enumerates the observed voxels whose centres lie in a box, optionally only those in one state.
    /// The enumerator is a struct: a foreach over it allocates nothing. Do not modify the map while enumerating.
    /// </summary>
    /// <param name="region">The box, world frame, metres.</param>
    /// <param name="state">Only free or only occupied voxels; null for both.</param>
    /// <exception cref="ArgumentException"><paramref name="state"/> is <see cref="VoxelState.Unknown"/> (unknown voxels are not stored).</exception>
    public VoxelEnumerable EnumerateVoxels(Aabb region, VoxelState? state = null)
    {
        if (state is VoxelState.Unknown || (state is not null && state is not (VoxelState.Free or VoxelState.Occupied)))
        {
            ThrowHelper.Argument(nameof(state), string.Create(CultureInfo.InvariantCulture, $"state must be Free, Occupied or null, but was {state}: unknown voxels are not stored."));
        }

        (VoxelKey lo, VoxelKey hi) = KeyRangeOf(region);
        return new VoxelEnumerable(this, lo, hi, state);
    }

    /// <summary>
    /// Fixed-point time at which a walk leaves its brick along one axis: the crossing after <paramref name="inside"/>
    /// more crossings within the brick. Deltas of 2^57 and more (an axis that barely moves) cannot overflow.
    /// </summary>
    private static long BrickExit(long max, long delta, int inside) =>
        inside == 0 ? max : delta >= (1L << 57) ? 1L << 60 : max + (inside * delta);

    /// <summary>
    /// Tests a solid shape at a pose against the map, voxel by voxel: a voxel counts when its cube and the shape share
    /// interior volume. World frame, metres.
    /// </summary>
    /// <param name="shape">A box, sphere or capsule.</param>
    /// <param name="pose">Pose of the shape's body frame in the world.</param>
    /// <param name="unknown">Whether unknown voxels collide (<see cref="UnknownPolicy.TreatAsOccupied"/>) or not; they are counted either way.</param>
    /// <exception cref="ArgumentException">The pose is not finite, or the shape spans more than 2^24 voxels.</exception>
    public ShapeCollision CheckCollision(CollisionShape shape, Pose3 pose, UnknownPolicy unknown = UnknownPolicy.TreatAsOccupied)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (!pose.IsFinite)
        {
            ThrowHelper.Argument(nameof(pose), string.Create(CultureInfo.InvariantCulture, $"pose must be finite, but was {pose}."));
        }

        float reach = shape.BoundingRadius;
        Vector3 c = pose.Position;
        VoxelKey hi = default;
        if (!TryGetKey(c - new Vector3(reach), out VoxelKey lo) || !TryGetKey(c + new Vector3(reach), out hi) ||
            ((long)(hi.X - lo.X + 1) * (hi.Y - lo.Y + 1) * (hi.Z - lo.Z + 1)) > (1 << 24))
        {
            ThrowHelper.Argument(nameof(shape), string.Create(CultureInfo.InvariantCulture, $"a shape of bounding radius {reach} m at {c} leaves the map or spans more than 2^24 voxels."));
        }

        float side = (float)Resolution;
        int occupied = 0, unknownCount = 0;
        for (int z = lo.Z; z <= hi.Z; z++)
        {
            for (int y = lo.Y; y <= hi.Y; y++)
            {
                for (int x = lo.X; x <= hi.X; x++)
                {
                    var min = new Vector3((float)((x * Resolution) - c.X), (float)((y * Resolution) - c.Y), (float)((z * Resolution) - c.Z));
                    if (!shape.Overlaps(min, side, pose.Rotation))
                    {
                        continue;
                    }

                    VoxelState s = GetState(new VoxelKey(x, y, z));
                    occupied += s == VoxelState.Occupied ? 1 : 0;
                    unknownCount += s == VoxelState.Unknown ? 1 : 0;
                }
            }
        }

        return new ShapeCollision(occupied, unknownCount, occupied > 0 || (unknown == UnknownPolicy.TreatAsOccupied && unknownCount > 0));
    }

    /// <summary>
    /// Whether a brick holds an occupied voxel, computed once per brick per map version (a SIMD pass over 512 values)
    /// and kept until the map changes: ray casts through free space then skip such bricks whole.
    /// </summary>
    private bool BrickHasOccupied(int slot)
    {
        if (_summaryVersion.Length <= slot)
        {
            Array.Resize(ref _summaryVersion, _bricks.Length);
            Array.Resize(ref _summaryOccupied, _bricks.Length);
        }

        if (_summaryVersion[slot] != _version)
        {
            _summaryOccupied[slot] = VoxelCountKernel.Count(_bricks[slot], SensorModel.OccupiedLogOdds).Occupied > 0;
            _summaryVersion[slot] = _version;
        }

        return _summaryOccupied[slot];
    }

    internal VoxelState Classify(float logOdds) =>
        float.IsNaN(logOdds) ? VoxelState.Unknown : logOdds >= SensorModel.OccupiedLogOdds ? VoxelState.Occupied : VoxelState.Free;
}
