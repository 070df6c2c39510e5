using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>The exact walk, eight rays at a time in the lanes of two 256-bit registers (AVX2); the scalar walk is its twin.</summary>
public sealed partial class PointCloudIntegrator
{
    /// <summary>True where the lane walk runs: AVX2 present.</summary>
    internal static bool LaneWalkSupported => Avx2.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Walks eight rays at once (the default where <see cref="LaneWalkSupported"/>); false for the scalar walk, its twin.
    /// Both claim the same voxels: a test walks the same scans both ways and compares every mark.
    /// </summary>
    internal bool UseLaneWalk
    {
        get => _useLaneWalk;
        set => _useLaneWalk = value && LaneWalkSupported;
    }

    private bool _useLaneWalk = LaneWalkSupported;

    /// <summary>True where the lanes can step in one 512-bit register (AVX-512 present, and AVX2 for the lanes).</summary>
    internal static bool WideLanesSupported => LaneWalkSupported && Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// The lanes step in one 512-bit register with mask registers (the default where <see cref="WideLanesSupported"/>);
    /// false for two 256-bit registers. Both take the same steps: a test compares their maps with the scalar walk's.
    /// </summary>
    internal bool UseWideLanes
    {
        get => _useWideLanes;
        set => _useWideLanes = value && WideLanesSupported;
    }

    private bool _useWideLanes = WideLanesSupported;

    /// <summary>
    /// Moves the private marks of every thread into the shared claims, split by region rather than by thread: each item
    /// is one row of bricks (one y and z) of the grids, ORed over the threads' grids and claimed once. Split by thread,
    /// each thread claimed all it had marked, and the threads' marks overlap near the sensor: the work did not shrink
    /// with more threads. Each grid is read only over its runs' boxes in the row (<see cref="Worker.RowLow"/>).
    /// </summary>
    private sealed class SpillJob(PointCloudIntegrator owner) : ParallelJob
    {
        private readonly List<Worker> _owners = [];
        private int _lowY, _lowZ, _highY, _highZ, _originX, _originY, _originZ;

        /// <summary>Collects the grids in use and the rows of their joint box; the number of items to run (0 for none).</summary>
        public int Start()
        {
            _owners.Clear();
            _lowY = _lowZ = int.MaxValue;
            _highY = _highZ = int.MinValue;
            foreach (Worker w in owner._workers)
            {
                if (w.GridInUse(out int ox, out int oy, out int oz, out int ly, out int lz, out int hy, out int hz))
                {
                    // One scan, one origin: every grid in use was centred on it (grids are emptied after each scan).
                    Debug.Assert(_owners.Count == 0 || (ox, oy, oz) == (_originX, _originY, _originZ), "grids of two origins");
                    (_originX, _originY, _originZ) = (ox, oy, oz);
                    _owners.Add(w);
                    (_lowY, _lowZ) = (Math.Min(_lowY, ly), Math.Min(_lowZ, lz));
                    (_highY, _highZ) = (Math.Max(_highY, hy), Math.Max(_highZ, hz));
                }
            }

            return _owners.Count == 0 ? 0 : (_highY - _lowY + 1) * (_highZ - _lowZ + 1);
        }

        /// <summary>
        /// After the items ran: the grids are empty again. (Should a run fail part way, the grids stay marked as in use
        /// and the next scan's reset clears them.)
        /// </summary>
        public void Finish()
        {
            foreach (Worker w in _owners)
            {
                w.ReleaseGrid();
            }

            _owners.Clear();
        }

        public override void Execute(int index, int worker)
        {
            int ny = _highY - _lowY + 1;
            owner._workers[worker].SpillRow(_owners, _lowY + (index % ny), _lowZ + (index / ny), _originX, _originY, _originZ);
        }
    }

    /// <summary>
    /// Walk grids of collected integrators, for the next ones to take: 16 MiB of address space each (pinned), so an
    /// integrator made per map or per run no longer costs an allocation that brings on a gen-2 collection, nor the first
    /// touch of every page its scans reach (measured: the race alternates one- and two-thread builds, each with a new
    /// integrator; the second thread's grid came from fresh memory every time and faulted 80–250 pages a frame in a
    /// build's first frames). Keeps at most one grid per core; a grid comes back only clean (see Worker's finalizer).
    /// </summary>
    internal static class GridPool
    {
        private static readonly Stack<byte[]> Free = new();

        /// <summary>Forgets the grids waiting (tests start from an empty pool).</summary>
        internal static void Drain()
        {
            lock (Free)
            {
                Free.Clear();
            }
        }

        /// <summary>Grids taken back so far (tests).</summary>
        internal static int Returned { get; private set; }

        /// <summary>Grids handed on to a later integrator so far (tests).</summary>
        internal static int Reused { get; private set; }

        public static byte[] Rent()
        {
            lock (Free)
            {
                if (Free.Count > 0)
                {
                    Reused++;
                    return Free.Pop();
                }
            }

            return GC.AllocateArray<byte>(Worker.GridVoxels * Worker.GridVoxels * Worker.GridVoxels, pinned: true);
        }

        public static void Return(byte[] grid)
        {
            lock (Free)
            {
                if (Free.Count < Environment.ProcessorCount)
                {
                    Free.Push(grid);
                    Returned++;
                }
            }
        }
    }

    private sealed unsafe partial class Worker
    {
        /// <summary>Walks set up before the lanes take them (enough that the lanes rarely wait for a refill).</summary>
        private const int LaneQueueLength = 128;

        // Rows of eight lanes (one ulong each) in one pinned block: what the lanes walk, read by the loop each step.
        // A lane's voxel is its byte in the grid (x + 256 y + 65536 z in voxels from the grid's corner), stepped by ±1, ±256
        // or ±65536; its ray ends at the end voxel's byte (none when the end lies outside the grid), past t = 1, or hands
        // over to the scalar walk when its next step would leave the grid (t reaching the first crossing of a face).
        // Two registers of four lanes, stepped side by side (44-45.5 against 47.5 ms a frame for one register), or one
        // register of eight with AVX-512.
        private const int Lanes = 8;
        private const int RowVoxel = 0, RowMaxX = 8, RowMaxY = 16, RowMaxZ = 24, RowLast = 32, RowMoveX = 40, RowMoveY = 48,
            RowMoveZ = 56, RowDeltaX = 64, RowDeltaY = 72, RowDeltaZ = 80, RowIndex = 88, RowLeave = 96, RowCount = 104;

        /// <summary>
        /// Bricks per axis of the private grid around the origin's brick (16 below it and 15 above: 6.4 and 6.0 m at 5 cm
        /// voxels, 51 and 48 m at 40 cm). A ray that leaves it finishes in the scalar walk, which claims in the shared bit
        /// planes.
        /// </summary>
        private const int GridSide = 32;

        /// <summary>Packed field (bias 2^20 voxels, 2^17 bricks) of the grid's lowest brick: 16 below the origin's.</summary>
        private const ulong GridBase = (1UL << 17) - (GridSide / 2);

        /// <summary>Voxels per side of the grid.</summary>
        internal const int GridVoxels = GridSide * 8;

        /// <summary>A packed field minus this is the voxel's offset from the grid's corner (a start's field is 2^20 + (x0 &amp; 7)).</summary>
        private const long FieldToGrid = (1L << 20) - (GridVoxels / 2);

        // The lanes' marks go to a grid of this thread's own: one byte per voxel, rows of 256 voxels along x (byte
        // x + 256 y + 65 536 z from the grid's corner), set with plain stores: no interlocked operation, no branch on
        // whether a voxel was claimed, no brick lookup per crossing. After the scan SpillJob moves every thread's marks
        // into the shared claim planes one row of bricks at a time. One bit per voxel took a read-modify-write per step:
        // the eight lanes of coherent rays mostly OR into the same word, and each OR waits for the one before through
        // memory (one thread, standard room: 39 ms a frame with bits, 34 with bytes). Allocated on first use: 16 MiB of
        // address space, of which only the pages the scans touch take memory (a room at 5 cm: about 1 MiB). Only the box
        // of bricks around the origin and every ray's end is read back, so a small scan does not pay for the whole grid.
        private byte[]? _grid;
        private bool _gridInUse;

        /// <summary>
        /// A clean grid (every scan that finishes empties it in the spill) goes back to <see cref="GridPool"/> for the
        /// next integrator; one that a failed scan left marked is dropped.
        /// </summary>
        ~Worker()
        {
            if (_grid is not null && !_gridInUse)
            {
                GridPool.Return(_grid);
            }
        }
        private int _gridX, _gridY, _gridZ; // the origin's brick: the grid's centre
        private int _lowX = GridSide / 2, _lowY = GridSide / 2, _lowZ = GridSide / 2, _highX = GridSide / 2, _highY = GridSide / 2, _highZ = GridSide / 2; // box of grid bricks the walks may have marked

        // The same box for the current run of rays, and per row of grid bricks the x range that this thread's runs'
        // boxes cover. A run's rays are consecutive points, a band of the sensor's view, and each thread walks the runs
        // of its own part of the scan first (MarkJob), so the spill reads a grid only where its runs went: with one box
        // a grid, every grid was read over the whole frustum and the spill's work grew with the threads.
        private bool _runWalked;
        private int _runLowX, _runLowY, _runLowZ, _runHighX, _runHighY, _runHighZ;

        /// <summary>Per row of grid bricks (index z · GridSide + y), the lowest and highest brick x the runs' boxes cover since the grid was last emptied (low &gt; high: none).</summary>
        public readonly sbyte[] RowLow = RowRange(sbyte.MaxValue), RowHigh = RowRange(-1);

        private readonly ulong[] _rows = GC.AllocateArray<ulong>(RowCount, pinned: true);

        // The queue of walks set up for the lanes, one row per field (entries as the lanes load them: end and exit in
        // grid terms, the crossing times and their steps; every walk starts at the origin's voxel) and the end's key,
        // which the hand-over to the scalar walk needs. Rows are LaneQueueLength + Lanes long: the 8-ray set-up stores
        // whole vectors past the last entry.
        private const int QueueStride = LaneQueueLength + Lanes;
        private const int QLast = 0, QLeave = 1, QMaxX = 2, QMaxY = 3, QMaxZ = 4, QMoveX = 5, QMoveY = 6, QMoveZ = 7,
            QDeltaX = 8, QDeltaY = 9, QDeltaZ = 10, QEndX = 11, QEndY = 12, QEndZ = 13, QFields = 14;

        private readonly long[] _walks = GC.AllocateArray<long>(QFields * QueueStride, pinned: true);
        private int _queued;

        /// <summary>Row <paramref name="field"/> of the queue.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private long* Queue(int field) => (long*)Unsafe.AsPointer(ref _walks[field * QueueStride]);

        // The rays' origin while rays are queued (set by BeginRays for each run of rays): its key, and the grid's lowest
        // voxel (the origin's brick less 16 bricks per axis).
        private int _originX, _originY, _originZ, _cornerX, _cornerY, _cornerZ;

        // What the 8-ray set-up needs of the origin: the point, voxels per metre, the maximum range, and per axis the
        // start in voxel units (s), the numerators of the first crossing time for rays going up (key + 1 - s) and down
        // (key - s), and the voxels ahead of the origin's in the grid going up and down.
        private Vector3 _rayOrigin;
        private double _inverseResolution, _startX, _startY, _startZ, _upX, _upY, _upZ, _downX, _downY, _downZ;
        private float _maxRange;

        /// <summary>Takes the origin of a run of rays (the queue is empty: it is flushed at the end of each run).</summary>
        public void BeginRays(Vector3 origin, VoxelKey originKey, double inverseResolution, float maxRange)
        {
            Debug.Assert(_queued == 0, "walks of another origin still queued");
            _runLowX = _runLowY = _runLowZ = _runHighX = _runHighY = _runHighZ = GridSide / 2;
            _runWalked = false;
            (_originX, _originY, _originZ) = (originKey.X, originKey.Y, originKey.Z);
            _cornerX = ((originKey.X >> VoxelKey.BrickShift) - (GridSide / 2)) * 8;
            _cornerY = ((originKey.Y >> VoxelKey.BrickShift) - (GridSide / 2)) * 8;
            _cornerZ = ((originKey.Z >> VoxelKey.BrickShift) - (GridSide / 2)) * 8;
            _rayOrigin = origin;
            _inverseResolution = inverseResolution;
            _maxRange = maxRange;
            // As VoxelTraversal's set-up computes them: s = start * (1 / resolution), then (key + 1 - s) and (key - s).
            (_startX, _startY, _startZ) = (origin.X * inverseResolution, origin.Y * inverseResolution, origin.Z * inverseResolution);
            (_upX, _upY, _upZ) = (originKey.X + 1 - _startX, originKey.Y + 1 - _startY, originKey.Z + 1 - _startZ);
            (_downX, _downY, _downZ) = (originKey.X - _startX, originKey.Y - _startY, originKey.Z - _startZ);
        }

        /// <summary>True when the runs of rays are set up 8 at a time (<see cref="SetupRays8"/>): AVX-512 and the lanes in use.</summary>
        public bool SetsUpEight => owner._useWideLanes && owner._useLaneWalk;

        /// <summary>
        /// Sets up the rays of points[0..8) as <see cref="MarkRay"/> and <see cref="MarkHit"/> do one by one, with the
        /// same arithmetic in 512-bit registers (eight doubles; the six divisions of a ray and its float-to-fixed
        /// conversions are then an eighth of the work): every point in the map, within the maximum range and less than
        /// a million voxels from the origin along each axis has its walk queued and its hit claimed. Returns the lanes
        /// left for the one-by-one path (no return, outside the map, beyond the range, too far).
        /// </summary>
        /// <remarks>
        /// The set-up one ray at a time was a quarter of exact ray casting on one thread (8.5 of 34 ms a frame).
        /// </remarks>
        public uint SetupRays8(Vector3* points)
        {
            KeyKernel.Load8(points, out Vector256<float> x, out Vector256<float> y, out Vector256<float> z);
            KeyKernel.Keys8(x, y, z, _inverseResolution, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out _, out Vector256<int> inMap);
            // Range: the same float expression as MarkJob's (and depth images' endpoint marking).
            Vector256<float> dx = x - Vector256.Create(_rayOrigin.X), dy = y - Vector256.Create(_rayOrigin.Y), dz = z - Vector256.Create(_rayOrigin.Z);
            Vector256<float> length = Vector256.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            Vector256<int> rx = ix - Vector256.Create(_originX), ry = iy - Vector256.Create(_originY), rz = iz - Vector256.Create(_originZ);
            Vector256<int> reach = Vector256.Create(PackedReach);
            Vector256<int> ok = inMap & Vector256.LessThanOrEqual(length, Vector256.Create(_maxRange)).AsInt32()
                & Vector256.LessThan(Vector256.Abs(rx), reach) & Vector256.LessThan(Vector256.Abs(ry), reach) & Vector256.LessThan(Vector256.Abs(rz), reach);
            uint okLanes = ok.ExtractMostSignificantBits();
            if (okLanes == 0)
            {
                return 0xFF;
            }

            Axis8(x, _inverseResolution, _startX, _upX, _downX, out Vector512<long> stepX, out Vector512<long> maxX, out Vector512<long> deltaX);
            Axis8(y, _inverseResolution, _startY, _upY, _downY, out Vector512<long> stepY, out Vector512<long> maxY, out Vector512<long> deltaY);
            Axis8(z, _inverseResolution, _startZ, _upZ, _downZ, out Vector512<long> stepZ, out Vector512<long> maxZ, out Vector512<long> deltaZ);

            // No walk where the end voxel is the origin's or the first crossing lies beyond t = 1 (VoxelTraversal.IsLast).
            Vector512<long> tMin = Vector512.Min(Vector512.Min(maxX, maxY), maxZ);
            Vector256<int> atOrigin = Vector256.Equals(rx | ry | rz, Vector256<int>.Zero);
            Vector512<long> walks = Avx512F.ConvertToVector512Int64(Vector256.AndNot(ok, atOrigin)) & ~Vector512.GreaterThan(tMin, Vector512.Create(VoxelTraversal.FixedOne));

            // The end in the grid (none where it lies outside), and the exit time as Leave computes it.
            Vector256<int> gx = ix - Vector256.Create(_cornerX), gy = iy - Vector256.Create(_cornerY), gz = iz - Vector256.Create(_cornerZ);
            Vector256<int> outside = ~Vector256.LessThan((gx | gy | gz).AsUInt32(), Vector256.Create((uint)GridVoxels)).AsInt32();
            Vector512<long> last = Avx512F.ConvertToVector512Int64(gx | (gy << 8) | (gz << 16) | outside);
            long start = OriginVoxel;
            Vector512<long> leave = Vector512.Min(
                Vector512.Min(Leave8(stepX, maxX, deltaX, GridVoxels - 1 - (start & 0xFF), start & 0xFF), Leave8(stepY, maxY, deltaY, GridVoxels - 1 - ((start >> 8) & 0xFF), (start >> 8) & 0xFF)),
                Leave8(stepZ, maxZ, deltaZ, GridVoxels - 1 - (start >> 16), start >> 16));

            int k = _queued;
            Compress(walks, last).Store(Queue(QLast) + k);
            Compress(walks, leave).Store(Queue(QLeave) + k);
            Compress(walks, maxX).Store(Queue(QMaxX) + k);
            Compress(walks, maxY).Store(Queue(QMaxY) + k);
            Compress(walks, maxZ).Store(Queue(QMaxZ) + k);
            Compress(walks, stepX).Store(Queue(QMoveX) + k);
            Compress(walks, stepY << 8).Store(Queue(QMoveY) + k);
            Compress(walks, stepZ << 16).Store(Queue(QMoveZ) + k);
            Compress(walks, deltaX).Store(Queue(QDeltaX) + k);
            Compress(walks, deltaY).Store(Queue(QDeltaY) + k);
            Compress(walks, deltaZ).Store(Queue(QDeltaZ) + k);
            Compress(walks, Avx512F.ConvertToVector512Int64(ix)).Store(Queue(QEndX) + k);
            Compress(walks, Avx512F.ConvertToVector512Int64(iy)).Store(Queue(QEndY) + k);
            Compress(walks, Avx512F.ConvertToVector512Int64(iz)).Store(Queue(QEndZ) + k);
            _queued = k + BitOperations.PopCount(walks.ExtractMostSignificantBits());

            for (uint lanes = okLanes; lanes != 0; lanes &= lanes - 1)
            {
                int lane = BitOperations.TrailingZeroCount(lanes);
                MarkHit(new VoxelKey(ix.GetElement(lane), iy.GetElement(lane), iz.GetElement(lane)));
            }

            if (_queued >= LaneQueueLength)
            {
                FlushLanes();
            }

            return ~okLanes & 0xFF;
        }

        /// <summary>The lanes of <paramref name="value"/> where <paramref name="mask"/> is set, moved to the front.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<long> Compress(Vector512<long> mask, Vector512<long> value) => Avx512F.Compress(Vector512<long>.Zero, mask, value);

        /// <summary>VoxelTraversal's per-axis set-up for 8 rays from the origin: step, first crossing time and its step in fixed point.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Axis8(Vector256<float> end, double inverseResolution, double start, double up, double down, out Vector512<long> step, out Vector512<long> max, out Vector512<long> delta)
        {
            Vector512<double> d = (Avx512F.ConvertToVector512Double(end) * Vector512.Create(inverseResolution)) - Vector512.Create(start);
            Vector512<double> rising = Vector512.GreaterThan(d, Vector512<double>.Zero), falling = Vector512.LessThan(d, Vector512<double>.Zero);
            Vector512<double> numerator = Vector512.ConditionalSelect(rising, Vector512.Create(up), Vector512.Create(down));
            Vector512<double> sign = Vector512.ConditionalSelect(rising, Vector512.Create(1.0), Vector512.Create(-1.0));
            Vector512<long> moving = (rising | falling).AsInt64();
            step = falling.AsInt64() - rising.AsInt64();
            max = Vector512.ConditionalSelect(moving, ToFixed8(numerator / d), Vector512.Create(VoxelTraversal.FixedNever));
            delta = Vector512.ConditionalSelect(moving, ToFixed8(sign / d), Vector512.Create(VoxelTraversal.FixedNever));
        }

        /// <summary>VoxelTraversal's ToFixed for 8 values: Never from 2^20 on, else t × 2^40 truncated.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<long> ToFixed8(Vector512<double> t) => Vector512.ConditionalSelect(
            Vector512.GreaterThanOrEqual(t, Vector512.Create(VoxelTraversal.FixedLimit)).AsInt64(),
            Vector512.Create(VoxelTraversal.FixedNever),
            Avx512DQ.ConvertToVector512Int64WithTruncation(t * Vector512.Create((double)VoxelTraversal.FixedOne)));

        /// <summary><see cref="Leave"/> for 8 lanes, with the voxels ahead of the origin's going up and going down.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<long> Leave8(Vector512<long> step, Vector512<long> max, Vector512<long> delta, long aheadUp, long aheadDown)
        {
            Vector512<long> ahead = Vector512.ConditionalSelect(Vector512.GreaterThan(step, Vector512<long>.Zero), Vector512.Create(aheadUp), Vector512.Create(aheadDown));
            Vector512<long> never = Vector512.Equals(step, Vector512<long>.Zero) | Vector512.GreaterThanOrEqual(delta, Vector512.Create(1L << 52));
            return Vector512.ConditionalSelect(never, Vector512.Create(long.MaxValue), max + (ahead * delta));
        }

        /// <summary>The origin's voxel in the grid (x + 256 y + 65 536 z from its corner): where every walk starts.</summary>
        private long OriginVoxel => (long)(uint)(_originX - _cornerX) | ((long)(uint)(_originY - _cornerY) << 8) | ((long)(uint)(_originZ - _cornerZ) << 16);

        /// <summary>
        /// Queues the walk from the origin to <paramref name="endKey"/> with the traversal's crossing times; the lanes
        /// take the queue when it is full and at the end of a run of rays.
        /// </summary>
        private void Enqueue(VoxelKey endKey, int stepX, int stepY, int stepZ, long maxX, long maxY, long maxZ, long deltaX, long deltaY, long deltaZ)
        {
            int i = _queued;
            long x = _originX - _cornerX, y = _originY - _cornerY, z = _originZ - _cornerZ;
            long lx = endKey.X - _cornerX, ly = endKey.Y - _cornerY, lz = endKey.Z - _cornerZ;
            Queue(QLast)[i] = (ulong)lx < GridVoxels && (ulong)ly < GridVoxels && (ulong)lz < GridVoxels ? lx | (ly << 8) | (lz << 16) : -1;
            Queue(QLeave)[i] = Math.Min(Math.Min(Leave(x, stepX, maxX, deltaX), Leave(y, stepY, maxY, deltaY)), Leave(z, stepZ, maxZ, deltaZ));
            Queue(QMaxX)[i] = maxX;
            Queue(QMaxY)[i] = maxY;
            Queue(QMaxZ)[i] = maxZ;
            Queue(QMoveX)[i] = stepX;
            Queue(QMoveY)[i] = (long)stepY << 8;
            Queue(QMoveZ)[i] = (long)stepZ << 16;
            Queue(QDeltaX)[i] = deltaX;
            Queue(QDeltaY)[i] = deltaY;
            Queue(QDeltaZ)[i] = deltaZ;
            Queue(QEndX)[i] = endKey.X;
            Queue(QEndY)[i] = endKey.Y;
            Queue(QEndZ)[i] = endKey.Z;
            if (++_queued >= LaneQueueLength)
            {
                FlushLanes();
            }
        }

        /// <summary>Walks every queued ray.</summary>
        public void FlushLanes()
        {
            if (_queued > 0)
            {
                WalkLanes(_queued);
                _queued = 0;
            }
        }

        /// <summary>Ends a run of rays (after <see cref="FlushLanes"/>): adds its box of grid bricks to the row ranges the spill reads.</summary>
        public void EndRays()
        {
            if (!_runWalked)
            {
                return;
            }

            for (int z = _runLowZ; z <= _runHighZ; z++)
            {
                for (int y = _runLowY; y <= _runHighY; y++)
                {
                    int row = (z * GridSide) + y;
                    RowLow[row] = (sbyte)Math.Min(RowLow[row], _runLowX);
                    RowHigh[row] = (sbyte)Math.Max(RowHigh[row], _runHighX);
                }
            }

            _runWalked = false;
        }

        /// <summary>The claim words of the brick holding a packed voxel of a walk, and its slot.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ulong* EnterAt(in PackedWalk c, ulong position, out int slot) => Enter(
            c.BrickX0 + (int)((position & 0x1FFFFF) >> 3),
            c.BrickY0 + (int)(((position >> 21) & 0x1FFFFF) >> 3),
            c.BrickZ0 + (int)(((position >> 42) & 0x1FFFFF) >> 3),
            out slot);

        /// <summary>Puts queued walk <paramref name="index"/> in lane <paramref name="lane"/>.</summary>
        private void LoadLane(ulong* r, int lane, int index)
        {
            long* q = (long*)Unsafe.AsPointer(ref _walks[index]);
            r[RowVoxel + lane] = (ulong)OriginVoxel;
            r[RowLast + lane] = (ulong)q[QLast * QueueStride];
            r[RowLeave + lane] = (ulong)q[QLeave * QueueStride];
            r[RowMaxX + lane] = (ulong)q[QMaxX * QueueStride];
            r[RowMaxY + lane] = (ulong)q[QMaxY * QueueStride];
            r[RowMaxZ + lane] = (ulong)q[QMaxZ * QueueStride];
            r[RowMoveX + lane] = (ulong)q[QMoveX * QueueStride];
            r[RowMoveY + lane] = (ulong)q[QMoveY * QueueStride];
            r[RowMoveZ + lane] = (ulong)q[QMoveZ * QueueStride];
            r[RowDeltaX + lane] = (ulong)q[QDeltaX * QueueStride];
            r[RowDeltaY + lane] = (ulong)q[QDeltaY * QueueStride];
            r[RowDeltaZ + lane] = (ulong)q[QDeltaZ * QueueStride];
            r[RowIndex + lane] = (ulong)index;
        }

        /// <summary>
        /// The crossing time, in the walk's fixed point, of the step that leaves the grid along one axis: the axis's
        /// crossing time after as many steps as voxels lie ahead of the start along it (the same integer sums the walk
        /// makes, so equal to its t at that step). Far beyond t = 1 when the axis never steps or steps too slowly.
        /// </summary>
        private static long Leave(long start, long step, long max, long delta)
        {
            long ahead = step > 0 ? GridVoxels - 1 - start : start;
            return step == 0 || delta >= 1L << 52 ? long.MaxValue : max + (ahead * delta);
        }

        /// <summary>
        /// Parks a lane with no ray left on the origin's voxel, which every queued ray marks anyway: it marks it again on
        /// every step, never moves and never ends.
        /// </summary>
        private void ParkLane(ulong* r, int lane)
        {
            r[RowVoxel + lane] = (ulong)OriginVoxel;
            r[RowMaxX + lane] = r[RowMaxY + lane] = r[RowMaxZ + lane] = 0;
            r[RowLast + lane] = ulong.MaxValue;
            r[RowLeave + lane] = long.MaxValue;
            r[RowMoveX + lane] = r[RowMoveY + lane] = r[RowMoveZ + lane] = 0;
            r[RowDeltaX + lane] = r[RowDeltaY + lane] = r[RowDeltaZ + lane] = 0;
            r[RowIndex + lane] = 0;
        }

        /// <summary>
        /// Walks the queued rays eight at a time: widens the box of grid bricks to spill by their ends, loads the lanes
        /// and runs the step loop (<see cref="StepLanes512"/> with AVX-512, <see cref="StepLanes256"/> otherwise).
        /// </summary>
        /// <remarks>
        /// Exact ray casting of the standard room on one thread (Zen 4), ms per frame: scalar walk 97; these lanes with
        /// 256-bit registers and a bit grid 44 (about 25 M lane-steps a frame; 3.1 M steps of the loop and 140 000 refills;
        /// without the walk at all 10-12); one 512-bit register with masked adds 39; a byte grid (plain stores instead of
        /// ORs) 34. Steps along the way: voxels decoded from the packed walk into brick and index every step, 55; four
        /// lanes instead of eight, 47.5. Tried and dropped: a brick lookup when a lane crosses into another brick, 94 (a
        /// quarter of steps cross in some lane: an unpredictable branch); the shared claim words found through a brick
        /// directory and tested with two gathers, 71; lanes written to memory and read back as scalars instead of
        /// extracted from registers, 63 (store forwarding stalls).
        /// </remarks>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void WalkLanes(int count)
        {
            // The origin's brick: every queued ray starts there (the queue is flushed at the end of each run of rays).
            int ox = _originX >> VoxelKey.BrickShift, oy = _originY >> VoxelKey.BrickShift, oz = _originZ >> VoxelKey.BrickShift;
            // A grid is emptied after each scan (SpillJob) or at the next scan's reset, so one in use has this origin.
            Debug.Assert(!_gridInUse || (ox, oy, oz) == (_gridX, _gridY, _gridZ), "a grid left over from another origin");

            _gridInUse = true;
            (_gridX, _gridY, _gridZ) = (ox, oy, oz);
            long* endX = Queue(QEndX), endY = Queue(QEndY), endZ = Queue(QEndZ);
            int cx = _cornerX >> VoxelKey.BrickShift, cy = _cornerY >> VoxelKey.BrickShift, cz = _cornerZ >> VoxelKey.BrickShift;
            for (int i = 0; i < count; i++)
            {
                // A walk's voxels lie in the box of its start and its end, give or take the voxel past the end that a
                // walk can enter when rounding keeps it from meeting the end voxel exactly (it then stops past t = 1):
                // widen the box of bricks to spill by the end's brick and one brick around it.
                int ex = (int)(endX[i] >> VoxelKey.BrickShift) - cx, ey = (int)(endY[i] >> VoxelKey.BrickShift) - cy, ez = (int)(endZ[i] >> VoxelKey.BrickShift) - cz;
                _runLowX = Math.Min(_runLowX, Math.Clamp(ex - 1, 0, GridSide - 1));
                _runLowY = Math.Min(_runLowY, Math.Clamp(ey - 1, 0, GridSide - 1));
                _runLowZ = Math.Min(_runLowZ, Math.Clamp(ez - 1, 0, GridSide - 1));
                _runHighX = Math.Max(_runHighX, Math.Clamp(ex + 1, 0, GridSide - 1));
                _runHighY = Math.Max(_runHighY, Math.Clamp(ey + 1, 0, GridSide - 1));
                _runHighZ = Math.Max(_runHighZ, Math.Clamp(ez + 1, 0, GridSide - 1));
            }

            // The grid's box (what a failed scan clears) holds every run's.
            (_lowX, _lowY, _lowZ) = (Math.Min(_lowX, _runLowX), Math.Min(_lowY, _runLowY), Math.Min(_lowZ, _runLowZ));
            (_highX, _highY, _highZ) = (Math.Max(_highX, _runHighX), Math.Max(_highY, _runHighY), Math.Max(_highZ, _runHighZ));
            _runWalked = true;

            _grid ??= GridPool.Rent();
            ulong* r = (ulong*)Unsafe.AsPointer(ref _rows[0]);
            byte* grid = (byte*)Unsafe.AsPointer(ref _grid[0]);
            int next = 0, active = 0;
            for (int lane = 0; lane < Lanes; lane++)
            {
                if (next < count)
                {
                    LoadLane(r, lane, next++);
                    active++;
                }
                else
                {
                    ParkLane(r, lane);
                }
            }

            if (owner._useWideLanes)
            {
                StepLanes512(r, grid, next, active, count);
            }
            else
            {
                StepLanes256(r, grid, next, active, count);
            }
        }

        /// <summary>
        /// The scalar walk's steps, eight rays per step in two 256-bit registers of four: one minimum of the crossing
        /// times per lane picks the axes to step, as in <see cref="Walk"/>, with masks instead of branches. Each lane's
        /// voxel is a byte of the private grid, set with a plain store; nothing in a step branches on the data but the end
        /// of a ray or its leaving the grid. A lane whose ray ends takes the next queued walk.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void StepLanes256(ulong* r, byte* grid, int next, int active, int count)
        {
            Vector256<long> fixedOne = Vector256.Create(VoxelTraversal.FixedOne);
            while (true)
            {
                // The loop calls nothing (a call would make the JIT keep every vector in memory): a lane that ends or
                // leaves the grid stops all eight; that is handled below, and the step starts again from its first test.
                Vector256<ulong> voxelA = Vector256.Load(r + RowVoxel), voxelB = Vector256.Load(r + RowVoxel + 4);
                Vector256<long> maxXA = Vector256.Load((long*)r + RowMaxX), maxXB = Vector256.Load((long*)r + RowMaxX + 4);
                Vector256<long> maxYA = Vector256.Load((long*)r + RowMaxY), maxYB = Vector256.Load((long*)r + RowMaxY + 4);
                Vector256<long> maxZA = Vector256.Load((long*)r + RowMaxZ), maxZB = Vector256.Load((long*)r + RowMaxZ + 4);
                Vector256<long> tA, tB;
                while (true)
                {
                    tA = Vector256.Min(Vector256.Min(maxXA, maxYA), maxZA);
                    tB = Vector256.Min(Vector256.Min(maxXB, maxYB), maxZB);
                    Vector256<long> stopA = Vector256.Equals(voxelA, Vector256.Load(r + RowLast)).AsInt64() | Vector256.GreaterThan(tA, fixedOne) | Vector256.GreaterThanOrEqual(tA, Vector256.Load((long*)r + RowLeave));
                    Vector256<long> stopB = Vector256.Equals(voxelB, Vector256.Load(r + RowLast + 4)).AsInt64() | Vector256.GreaterThan(tB, fixedOne) | Vector256.GreaterThanOrEqual(tB, Vector256.Load((long*)r + RowLeave + 4));
                    if ((stopA | stopB) != Vector256<long>.Zero)
                    {
                        break;
                    }

                    Mark(grid, voxelA, voxelB);

                    // Each axis that steps adds its move and its crossing-time step: an AND with the compare's all-ones
                    // lanes and an add (a select of the sum compiled to an add, AND, AND-NOT and OR without AVX-512).
                    Vector256<long> stepXA = Vector256.Equals(maxXA, tA), stepYA = Vector256.Equals(maxYA, tA), stepZA = Vector256.Equals(maxZA, tA);
                    Vector256<long> stepXB = Vector256.Equals(maxXB, tB), stepYB = Vector256.Equals(maxYB, tB), stepZB = Vector256.Equals(maxZB, tB);
                    voxelA += (Vector256.Load(r + RowMoveX) & stepXA.AsUInt64()) + (Vector256.Load(r + RowMoveY) & stepYA.AsUInt64()) + (Vector256.Load(r + RowMoveZ) & stepZA.AsUInt64());
                    voxelB += (Vector256.Load(r + RowMoveX + 4) & stepXB.AsUInt64()) + (Vector256.Load(r + RowMoveY + 4) & stepYB.AsUInt64()) + (Vector256.Load(r + RowMoveZ + 4) & stepZB.AsUInt64());
                    maxXA += Vector256.Load((long*)r + RowDeltaX) & stepXA;
                    maxYA += Vector256.Load((long*)r + RowDeltaY) & stepYA;
                    maxZA += Vector256.Load((long*)r + RowDeltaZ) & stepZA;
                    maxXB += Vector256.Load((long*)r + RowDeltaX + 4) & stepXB;
                    maxYB += Vector256.Load((long*)r + RowDeltaY + 4) & stepYB;
                    maxZB += Vector256.Load((long*)r + RowDeltaZ + 4) & stepZB;
                }

                voxelA.Store(r + RowVoxel);
                voxelB.Store(r + RowVoxel + 4);
                maxXA.Store((long*)r + RowMaxX);
                maxXB.Store((long*)r + RowMaxX + 4);
                maxYA.Store((long*)r + RowMaxY);
                maxYB.Store((long*)r + RowMaxY + 4);
                maxZA.Store((long*)r + RowMaxZ);
                maxZB.Store((long*)r + RowMaxZ + 4);
                uint ended = (Vector256.Equals(voxelA, Vector256.Load(r + RowLast)).AsInt64() | Vector256.GreaterThan(tA, fixedOne)).ExtractMostSignificantBits()
                    | ((Vector256.Equals(voxelB, Vector256.Load(r + RowLast + 4)).AsInt64() | Vector256.GreaterThan(tB, fixedOne)).ExtractMostSignificantBits() << 4);
                uint left = (Vector256.GreaterThanOrEqual(tA, Vector256.Load((long*)r + RowLeave)).ExtractMostSignificantBits()
                    | (Vector256.GreaterThanOrEqual(tB, Vector256.Load((long*)r + RowLeave + 4)).ExtractMostSignificantBits() << 4)) & ~ended;

                active -= Refill(r, ended, left, ref next, count);
                if (active == 0)
                {
                    return;
                }
            }
        }

        /// <summary>
        /// Marks the eight lanes' voxels, each taken out of the registers lane by lane (a store and eight loads would stall
        /// store forwarding) and set with a plain byte store. Inlined into the step loops, which must call nothing.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Mark(byte* grid, Vector256<ulong> a, Vector256<ulong> b)
        {
            ulong a0 = a.GetElement(0), a1 = a.GetElement(1), a2 = a.GetElement(2), a3 = a.GetElement(3);
            ulong b0 = b.GetElement(0), b1 = b.GetElement(1), b2 = b.GetElement(2), b3 = b.GetElement(3);
            grid[a0] = 1;
            grid[b0] = 1;
            grid[a1] = 1;
            grid[b1] = 1;
            grid[a2] = 1;
            grid[b2] = 1;
            grid[a3] = 1;
            grid[b3] = 1;
        }

        /// <summary>
        /// The steps of <see cref="StepLanes256"/> with the eight lanes in one 512-bit register: each compare gives a mask
        /// register and each axis's update is one masked add (with 256-bit registers, a compare, an add and a blend).
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void StepLanes512(ulong* r, byte* grid, int next, int active, int count)
        {
            Vector512<long> fixedOne = Vector512.Create(VoxelTraversal.FixedOne);
            while (true)
            {
                Vector512<ulong> voxel = Vector512.Load(r + RowVoxel);
                Vector512<long> maxX = Vector512.Load((long*)r + RowMaxX);
                Vector512<long> maxY = Vector512.Load((long*)r + RowMaxY);
                Vector512<long> maxZ = Vector512.Load((long*)r + RowMaxZ);
                Vector512<ulong> last = Vector512.Load(r + RowLast);
                Vector512<long> leave = Vector512.Load((long*)r + RowLeave);
                Vector512<ulong> moveX = Vector512.Load(r + RowMoveX), moveY = Vector512.Load(r + RowMoveY), moveZ = Vector512.Load(r + RowMoveZ);
                Vector512<long> deltaX = Vector512.Load((long*)r + RowDeltaX), deltaY = Vector512.Load((long*)r + RowDeltaY), deltaZ = Vector512.Load((long*)r + RowDeltaZ);
                Vector512<long> t;
                while (true)
                {
                    t = Vector512.Min(Vector512.Min(maxX, maxY), maxZ);
                    Vector512<long> stop = Vector512.Equals(voxel, last).AsInt64() | Vector512.GreaterThan(t, fixedOne) | Vector512.GreaterThanOrEqual(t, leave);
                    if (stop != Vector512<long>.Zero)
                    {
                        break;
                    }

                    Mark(grid, voxel.GetLower(), voxel.GetUpper());

                    voxel = Vector512.ConditionalSelect(Vector512.Equals(maxX, t).AsUInt64(), voxel + moveX, voxel);
                    voxel = Vector512.ConditionalSelect(Vector512.Equals(maxY, t).AsUInt64(), voxel + moveY, voxel);
                    voxel = Vector512.ConditionalSelect(Vector512.Equals(maxZ, t).AsUInt64(), voxel + moveZ, voxel);
                    maxX = Vector512.ConditionalSelect(Vector512.Equals(maxX, t), maxX + deltaX, maxX);
                    maxY = Vector512.ConditionalSelect(Vector512.Equals(maxY, t), maxY + deltaY, maxY);
                    maxZ = Vector512.ConditionalSelect(Vector512.Equals(maxZ, t), maxZ + deltaZ, maxZ);
                }

                voxel.Store(r + RowVoxel);
                maxX.Store((long*)r + RowMaxX);
                maxY.Store((long*)r + RowMaxY);
                maxZ.Store((long*)r + RowMaxZ);
                uint ended = (uint)(Vector512.Equals(voxel, last).AsInt64() | Vector512.GreaterThan(t, fixedOne)).ExtractMostSignificantBits();
                uint left = (uint)Vector512.GreaterThanOrEqual(t, leave).ExtractMostSignificantBits() & ~ended;
                active -= Refill(r, ended, left, ref next, count);
                if (active == 0)
                {
                    return;
                }
            }
        }

        /// <summary>
        /// After a step loop stopped: rays about to leave the grid finish in the scalar walk from their current voxel;
        /// their lanes, with those whose ray ended, take the next queued walks or park. Returns the lanes parked.
        /// </summary>
        private int Refill(ulong* r, uint ended, uint left, ref int next, int count)
        {
            for (uint lanes = left; lanes != 0; lanes &= lanes - 1)
            {
                int lane = BitOperations.TrailingZeroCount(lanes);
                int index = (int)r[RowIndex + lane];
                var end = new VoxelKey((int)Queue(QEndX)[index], (int)Queue(QEndY)[index], (int)Queue(QEndZ)[index]);
                PackedWalk c = Packed(_originX, _originY, _originZ, end, (int)r[RowMoveX + lane], (int)((long)r[RowMoveY + lane] >> 8), (int)((long)r[RowMoveZ + lane] >> 16), (long)r[RowDeltaX + lane], (long)r[RowDeltaY + lane], (long)r[RowDeltaZ + lane]);
                ulong v = r[RowVoxel + lane];
                ulong p = (ulong)((long)(v & 0xFF) + FieldToGrid) | ((ulong)((long)((v >> 8) & 0xFF) + FieldToGrid) << 21) | ((ulong)((long)(v >> 16) + FieldToGrid) << 42);
                _ = EnterAt(c, p, out int slot);
                Walk(c, p, (long)r[RowMaxX + lane], (long)r[RowMaxY + lane], (long)r[RowMaxZ + lane], slot);
            }

            int parked = 0;
            for (uint lanes = ended | left; lanes != 0; lanes &= lanes - 1)
            {
                int lane = BitOperations.TrailingZeroCount(lanes);
                if (next < count)
                {
                    LoadLane(r, lane, next++);
                }
                else
                {
                    ParkLane(r, lane);
                    parked++;
                }
            }

            return parked;
        }

        /// <summary>Whether the grid holds marks; its origin's brick and the y and z range of its box.</summary>
        public bool GridInUse(out int ox, out int oy, out int oz, out int ly, out int lz, out int hy, out int hz)
        {
            (ox, oy, oz, ly, lz, hy, hz) = (_gridX, _gridY, _gridZ, _lowY, _lowZ, _highY, _highZ);
            return _gridInUse && _grid is not null;
        }

        /// <summary>Forgets the grid's marks (the caller moves them out).</summary>
        public void ReleaseGrid()
        {
            _gridInUse = false;
            ResetBox();
        }

        /// <summary>
        /// Moves the marks of one row of bricks (<paramref name="by"/>, <paramref name="bz"/>) of the grids of
        /// <paramref name="owners"/> into the shared claim planes, claiming each voxel once, and clears them in the grids.
        /// Each grid is read only over the bricks its runs' boxes cover in that row (<see cref="RowLow"/>,
        /// <see cref="RowHigh"/>). The grids hold one byte per voxel in rows of 256 along x; a brick's claim word for one
        /// z layer has one bit per voxel of 8 rows (y) of 8 (x): each row's 8 bytes are read as one word and packed into
        /// 8 bits with one multiplication.
        /// </summary>
        public void SpillRow(List<Worker> owners, int by, int bz, int gridX, int gridY, int gridZ)
        {
            int ox = gridX - (GridSide / 2), oy = gridY - (GridSide / 2), oz = gridZ - (GridSide / 2);
            int row = (bz * GridSide) + by, grids = owners.Count;
            Span<nint> bases = stackalloc nint[grids];
            Span<int> lows = stackalloc int[grids], highs = stackalloc int[grids];
            int low = GridSide, high = -1;
            for (int g = 0; g < grids; g++)
            {
                Worker o = owners[g];
                bases[g] = (nint)Unsafe.AsPointer(ref o._grid![0]); // pinned
                (lows[g], highs[g]) = (o.RowLow[row], o.RowHigh[row]);
                (low, high) = (Math.Min(low, lows[g]), Math.Max(high, highs[g]));
            }

            for (int layer = 0; layer < 8; layer++)
            {
                for (int bx = low; bx <= high; bx++)
                {
                    ulong brickWord = 0;
                    for (int yl = 0; yl < 8; yl++)
                    {
                        int offset = ((((bz * 8) + layer) * GridVoxels) + (by * 8) + yl) * GridVoxels + (bx * 8);
                        ulong bytes = 0;
                        for (int g = 0; g < grids; g++)
                        {
                            if (bx < lows[g] || bx > highs[g])
                            {
                                continue;
                            }

                            ulong* word = (ulong*)(bases[g] + offset);
                            if (*word != 0)
                            {
                                bytes |= *word;
                                *word = 0; // only where set: most of the box is empty, and clean lines stay clean
                            }
                        }

                        // Bytes of 0 or 1: byte i lands on bit 56 + i of the product (and no other term reaches those bits).
                        brickWord |= ((bytes * 0x0102040810204080UL) >> 56) << (8 * yl);
                    }

                    if (brickWord != 0)
                    {
                        Claim(bx + ox, by + oy, bz + oz, layer, brickWord);
                    }
                }
            }
        }

        private static sbyte[] RowRange(sbyte empty)
        {
            var range = new sbyte[GridSide * GridSide];
            range.AsSpan().Fill(empty);
            return range;
        }

        /// <summary>An empty box of bricks to spill: the origin's brick alone.</summary>
        private void ResetBox()
        {
            _lowX = _lowY = _lowZ = _highX = _highY = _highZ = GridSide / 2;
            RowLow.AsSpan().Fill(sbyte.MaxValue);
            RowHigh.AsSpan().Fill(-1);
        }

        /// <summary>Claims in the shared planes the voxels of one word (one z layer) of a brick.</summary>
        private void Claim(int bx, int by, int bz, int layer, ulong mine)
        {
            int slot = SlotOf(bx, by, bz);
            ulong fresh = mine & ~Interlocked.Or(ref Unsafe.Add(ref owner._marks.Words(slot), layer), mine);
            while (fresh != 0)
            {
                Push(ref Free, ref FreeCount, (slot << 9) | (layer << 6) | BitOperations.TrailingZeroCount(fresh));
                fresh &= fresh - 1;
            }
        }

        /// <summary>Empties the private grid without claiming its marks (a scan that failed part way).</summary>
        private void ClearGrid()
        {
            if (_gridInUse && _grid is not null)
            {
                // Only the box the walks may have marked (clearing all 16 MiB would give every page memory).
                for (int z = _lowZ * 8; z < (_highZ + 1) * 8; z++)
                {
                    for (int y = _lowY * 8; y < (_highY + 1) * 8; y++)
                    {
                        _grid.AsSpan((((z * GridVoxels) + y) * GridVoxels) + (_lowX * 8), (_highX - _lowX + 1) * 8).Clear();
                    }
                }
            }

            _gridInUse = false;
            ResetBox();
        }
    }
}
