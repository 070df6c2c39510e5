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
/// The exact walk eight rays at a time, in the lanes of two 256-bit registers (<see cref="StepLanes256"/>) or one
/// 512-bit register (<see cref="StepLanes512"/>): the walk family's vector implementations. Rays are queued as they
/// are set up and walked when the queue fills and at the end of each run of rays; each lane marks its voxels in this
/// thread's walk grid, and a ray about to leave the grid finishes in the scalar walk. The claims are the scalar walk's,
/// voxel for voxel (tests compare the maps).
/// </summary>
internal sealed unsafe partial class ScanWorker
{
    // Which walk runs (the walk family's implementation): the lanes at all (AVX2), and in one 512-bit register.
    private readonly bool _lanes;
    private readonly bool _wideLanes;
    private readonly bool _wideKeys; // the 8-ray set-up's floors: AVX-512 where the keys family runs it

    /// <summary>True when runs of rays are set up 8 at a time (<see cref="SetupRays8"/>): the 512-bit lanes with the 8-wide keys.</summary>
    public bool SetsUpEight { get; }

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

    // What the 8-ray set-up needs of the origin: the point, voxels per metre, the voxel edge, the maximum range, and
    // per axis the numerators of the first crossing time for rays going up and down (VoxelTraversal.Numerator).
    private Vector3 _rayOrigin;
    private double _inverseResolution, _resolution, _upX, _upY, _upZ, _downX, _downY, _downZ;
    private float _maxRange;

    /// <summary>Takes the origin of a run of rays (the queue is empty: it is flushed at the end of each run).</summary>
    public void BeginRays(Vector3 origin, VoxelKey originKey, double inverseResolution, double resolution, float maxRange)
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
        _resolution = resolution;
        _maxRange = maxRange;
        (_upX, _upY, _upZ) = (VoxelTraversal.Numerator(origin.X, originKey.X, 1, resolution), VoxelTraversal.Numerator(origin.Y, originKey.Y, 1, resolution), VoxelTraversal.Numerator(origin.Z, originKey.Z, 1, resolution));
        (_downX, _downY, _downZ) = (VoxelTraversal.Numerator(origin.X, originKey.X, -1, resolution), VoxelTraversal.Numerator(origin.Y, originKey.Y, -1, resolution), VoxelTraversal.Numerator(origin.Z, originKey.Z, -1, resolution));
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
    /// Crossing-time steps from which an axis is taken never to leave the grid: four segments or more between
    /// crossings, so at most one crossing within the segment (the grid reaches 128 voxels past the origin's), and
    /// max + 255 × delta cannot overflow below this.
    /// </summary>
    private const long LeaveNeverDelta = 1L << 54;

    /// <summary>
    /// The crossing time, in the walk's fixed point, of the step that leaves the grid along one axis: the axis's
    /// crossing time after as many steps as voxels lie ahead of the start along it (the same integer sums the walk
    /// makes, so equal to its t at that step). Far beyond t = 1 when the axis never steps or steps too slowly.
    /// </summary>
    private static long Leave(long start, long step, long max, long delta)
    {
        long ahead = step > 0 ? GridVoxels - 1 - start : start;
        return step == 0 || delta >= LeaveNeverDelta ? long.MaxValue : max + (ahead * delta);
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
        (_lowY, _lowZ) = (Math.Min(_lowY, _runLowY), Math.Min(_lowZ, _runLowZ));
        (_highY, _highZ) = (Math.Max(_highY, _runHighY), Math.Max(_highZ, _runHighZ));
        _runWalked = true;

        _grid ??= WalkGridPool.Rent();
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

        if (_wideLanes)
        {
            StepLanes512(r, grid, next, active, count);
        }
        else
        {
            StepLanes256(r, grid, next, active, count);
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
            Walk(c, p, (long)r[RowMaxX + lane], (long)r[RowMaxY + lane], (long)r[RowMaxZ + lane], slot, Alone);
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
}
