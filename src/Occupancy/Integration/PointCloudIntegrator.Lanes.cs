using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using Occupancy.Internal;

namespace Occupancy.Integration;

/// <summary>The exact walk, four rays at a time in the lanes of 256-bit registers (AVX2); the scalar walk is its twin.</summary>
public sealed partial class PointCloudIntegrator
{
    /// <summary>True where the four-lane walk runs: AVX2 present.</summary>
    internal static bool LaneWalkSupported => Avx2.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Walks four rays at once (the default where <see cref="LaneWalkSupported"/>); false for the scalar walk, its twin.
    /// Both claim the same voxels: a test walks the same scans both ways and compares every mark.
    /// </summary>
    internal bool UseLaneWalk
    {
        get => _useLaneWalk;
        set => _useLaneWalk = value && LaneWalkSupported;
    }

    private bool _useLaneWalk = LaneWalkSupported;

    /// <summary>Moves every worker's private marks into the shared claims (one item per worker).</summary>
    private sealed class SpillJob(PointCloudIntegrator owner) : ParallelJob
    {
        public override void Execute(int index, int worker) => owner._workers[index].Spill();
    }

    private sealed unsafe partial class Worker
    {
        /// <summary>Walks set up before the lanes take them (enough that the four lanes rarely wait for a refill).</summary>
        private const int LaneQueueLength = 128;

        // Rows of four lanes (one ulong each) in one pinned block: what the lanes walk, read by the loop each step.
        // A lane's voxel is its bit in the grid (x + 256 y + 65536 z in voxels from the grid's corner), stepped by ±1, ±256
        // or ±65536; its ray ends at the end voxel's bit (none when the end lies outside the grid), past t = 1, or hands
        // over to the scalar walk when its next step would leave the grid (t reaching the first crossing of a face).
        private const int RowVoxel = 0, RowMaxX = 4, RowMaxY = 8, RowMaxZ = 12, RowLast = 16, RowMoveX = 20, RowMoveY = 24,
            RowMoveZ = 28, RowDeltaX = 32, RowDeltaY = 36, RowDeltaZ = 40, RowIndex = 44, RowLeave = 48, RowCount = 52;

        /// <summary>
        /// Bricks per axis of the private grid around the origin's brick (±16 bricks: ±6.4 m at 5 cm voxels, ±51 m at
        /// 40 cm). A ray that leaves it finishes in the scalar walk, which claims in the shared bit planes.
        /// </summary>
        private const int GridSide = 32;

        /// <summary>Packed field (bias 2^20 voxels, 2^17 bricks) of the grid's lowest brick: 16 below the origin's.</summary>
        private const ulong GridBase = (1UL << 17) - (GridSide / 2);

        /// <summary>Voxels per side of the grid.</summary>
        private const int GridVoxels = GridSide * 8;

        /// <summary>A packed field minus this is the voxel's offset from the grid's corner (a start's field is 2^20 + (x0 &amp; 7)).</summary>
        private const long FieldToGrid = (1L << 20) - (GridVoxels / 2);

        // The lanes' marks go to a grid of this thread's own (one 512-bit word group per brick, plain ORs: no
        // interlocked operation, no branch on whether a voxel was claimed, no brick lookup per crossing); after the
        // scan, Spill moves them into the shared claim planes brick by brick. Allocated on first use (2 MiB); Spill reads only the box of
        // bricks that holds the origin and every ray's end, so a small scan does not pay for the whole grid.
        private ulong[]? _grid;
        private bool _gridInUse;
        private int _gridX, _gridY, _gridZ; // the origin's brick: the grid's centre
        private int _lowX = GridSide / 2, _lowY = GridSide / 2, _lowZ = GridSide / 2, _highX = GridSide / 2, _highY = GridSide / 2, _highZ = GridSide / 2; // box of grid bricks the walks may have marked

        private readonly QueuedWalk[] _queue = GC.AllocateArray<QueuedWalk>(LaneQueueLength, pinned: true);
        private readonly ulong[] _rows = GC.AllocateArray<ulong>(RowCount, pinned: true);
        private int _queued;

        private struct QueuedWalk
        {
            public PackedWalk Walk;
            public ulong Position;
            public long MaxX, MaxY, MaxZ;
        }

        /// <summary>Queues a set-up walk; the lanes take the queue when it is full and at the end of a run of rays.</summary>
        private void Enqueue(in PackedWalk c, ulong position, long maxX, long maxY, long maxZ)
        {
            ref QueuedWalk q = ref _queue[_queued++];
            q.Walk = c;
            q.Position = position;
            q.MaxX = maxX;
            q.MaxY = maxY;
            q.MaxZ = maxZ;
            if (_queued == LaneQueueLength)
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
            ref QueuedWalk q = ref _queue[index];
            ref PackedWalk c = ref q.Walk;
            long x = (long)(q.Position & 0x1FFFFF) - FieldToGrid, y = (long)((q.Position >> 21) & 0x1FFFFF) - FieldToGrid, z = (long)(q.Position >> 42) - FieldToGrid;
            long lx = (long)(c.Last & 0x1FFFFF) - FieldToGrid, ly = (long)((c.Last >> 21) & 0x1FFFFF) - FieldToGrid, lz = (long)((c.Last >> 42) & 0x1FFFFF) - FieldToGrid;
            long stepX = (long)c.MoveX, stepY = (long)c.MoveY >> 21, stepZ = (long)c.MoveZ >> 42;
            r[RowVoxel + lane] = (ulong)(x | (y << 8) | (z << 16));
            r[RowLast + lane] = (ulong)lx < GridVoxels && (ulong)ly < GridVoxels && (ulong)lz < GridVoxels ? (ulong)(lx | (ly << 8) | (lz << 16)) : ulong.MaxValue;
            r[RowLeave + lane] = (ulong)Math.Min(Math.Min(Leave(x, stepX, q.MaxX, c.DeltaX), Leave(y, stepY, q.MaxY, c.DeltaY)), Leave(z, stepZ, q.MaxZ, c.DeltaZ));
            r[RowMaxX + lane] = (ulong)q.MaxX;
            r[RowMaxY + lane] = (ulong)q.MaxY;
            r[RowMaxZ + lane] = (ulong)q.MaxZ;
            r[RowMoveX + lane] = (ulong)stepX;
            r[RowMoveY + lane] = (ulong)(stepY << 8);
            r[RowMoveZ + lane] = (ulong)(stepZ << 16);
            r[RowDeltaX + lane] = (ulong)c.DeltaX;
            r[RowDeltaY + lane] = (ulong)c.DeltaY;
            r[RowDeltaZ + lane] = (ulong)c.DeltaZ;
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
        /// Parks a lane with no ray left on the first ray's start voxel, which every queued ray marks anyway: it marks it
        /// again on every step, never moves and never ends.
        /// </summary>
        private void ParkLane(ulong* r, int lane)
        {
            ulong p = _queue[0].Position;
            r[RowVoxel + lane] = (ulong)(((long)(p & 0x1FFFFF) - FieldToGrid) | (((long)((p >> 21) & 0x1FFFFF) - FieldToGrid) << 8) | (((long)(p >> 42) - FieldToGrid) << 16));
            r[RowMaxX + lane] = r[RowMaxY + lane] = r[RowMaxZ + lane] = 0;
            r[RowLast + lane] = ulong.MaxValue;
            r[RowLeave + lane] = long.MaxValue;
            r[RowMoveX + lane] = r[RowMoveY + lane] = r[RowMoveZ + lane] = 0;
            r[RowDeltaX + lane] = r[RowDeltaY + lane] = r[RowDeltaZ + lane] = 0;
            r[RowIndex + lane] = 0;
        }

        /// <summary>
        /// The scalar walk's steps, four rays per step: one minimum of the crossing times per lane picks the axes to
        /// step, as in <see cref="Walk"/>, with masks instead of branches. Each lane's voxel is found in the private grid
        /// by its brick's offset from the origin's brick and marked with a plain OR; nothing in a step branches on the
        /// data but the end of a ray or its leaving the grid. A lane whose ray ends takes the next queued walk.
        /// </summary>
        /// <remarks>
        /// Exact ray casting of the standard room on one thread (Zen 4), ms per frame: scalar walk 97; these lanes
        /// 54–57 (about 25 M lane-steps a frame, ~75 instructions per step of four). Tried: a brick lookup when a lane
        /// crosses into another brick, 94 (a quarter of steps cross in some lane: an unpredictable branch); the shared
        /// claim words found through a brick directory and tested with two gathers, 71; lanes written to memory and
        /// read back as scalars instead of extracted from registers, 63 (store forwarding stalls).
        /// </remarks>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void WalkLanes(int count)
        {
            // The origin's brick: every queued ray starts there (the queue is flushed at the end of each run of rays).
            ref PackedWalk first = ref _queue[0].Walk;
            int ox = first.BrickX0 + (1 << 17), oy = first.BrickY0 + (1 << 17), oz = first.BrickZ0 + (1 << 17);
            if (_gridInUse && (ox != _gridX || oy != _gridY || oz != _gridZ))
            {
                Spill();
            }

            _gridInUse = true;
            (_gridX, _gridY, _gridZ) = (ox, oy, oz);
            for (int i = 0; i < count; i++)
            {
                // A walk's voxels lie in the box of its start and its end: widen the box of bricks to spill by its end's.
                ulong last = _queue[i].Walk.Last;
                int ex = Math.Clamp((int)(((last >> 3) & 0x3FFFF) - GridBase), 0, GridSide - 1);
                int ey = Math.Clamp((int)(((last >> 24) & 0x3FFFF) - GridBase), 0, GridSide - 1);
                int ez = Math.Clamp((int)(((last >> 45) & 0x3FFFF) - GridBase), 0, GridSide - 1);
                _lowX = Math.Min(_lowX, ex);
                _lowY = Math.Min(_lowY, ey);
                _lowZ = Math.Min(_lowZ, ez);
                _highX = Math.Max(_highX, ex);
                _highY = Math.Max(_highY, ey);
                _highZ = Math.Max(_highZ, ez);
            }

            _grid ??= GC.AllocateArray<ulong>(GridVoxels * GridVoxels * GridVoxels / 64, pinned: true);
            ulong* r = (ulong*)Unsafe.AsPointer(ref _rows[0]);
            ulong* grid = (ulong*)Unsafe.AsPointer(ref _grid[0]);
            int next = 0, active = 0;
            for (int lane = 0; lane < 4; lane++)
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

            Vector256<long> fixedOne = Vector256.Create(VoxelTraversal.FixedOne);
            while (true)
            {
                // The loop calls nothing (a call would make the JIT keep every vector in memory): a lane that ends or
                // leaves the grid stops all four; that is handled below, and the step starts again from its first test.
                Vector256<ulong> voxel = Vector256.Load(r + RowVoxel);
                Vector256<long> maxX = Vector256.Load((long*)r + RowMaxX);
                Vector256<long> maxY = Vector256.Load((long*)r + RowMaxY);
                Vector256<long> maxZ = Vector256.Load((long*)r + RowMaxZ);
                Vector256<long> t;
                while (true)
                {
                    t = Vector256.Min(Vector256.Min(maxX, maxY), maxZ);
                    Vector256<long> leave = Vector256.Load((long*)r + RowLeave);
                    if ((Vector256.Equals(voxel, Vector256.Load(r + RowLast)).AsInt64() | Vector256.GreaterThan(t, fixedOne) | Vector256.GreaterThanOrEqual(t, leave)) != Vector256<long>.Zero)
                    {
                        break;
                    }

                    // Each lane's bit taken out of the registers lane by lane (a store and four loads would stall store
                    // forwarding), set with a plain OR.
                    ulong v0 = voxel.GetElement(0), v1 = voxel.GetElement(1), v2 = voxel.GetElement(2), v3 = voxel.GetElement(3);
                    grid[v0 >> 6] |= 1UL << (int)v0;
                    grid[v1 >> 6] |= 1UL << (int)v1;
                    grid[v2 >> 6] |= 1UL << (int)v2;
                    grid[v3 >> 6] |= 1UL << (int)v3;

                    Vector256<long> stepX = Vector256.Equals(maxX, t), stepY = Vector256.Equals(maxY, t), stepZ = Vector256.Equals(maxZ, t);
                    voxel += (Vector256.Load(r + RowMoveX) & stepX.AsUInt64()) + (Vector256.Load(r + RowMoveY) & stepY.AsUInt64()) + (Vector256.Load(r + RowMoveZ) & stepZ.AsUInt64());
                    maxX += Vector256.Load((long*)r + RowDeltaX) & stepX;
                    maxY += Vector256.Load((long*)r + RowDeltaY) & stepY;
                    maxZ += Vector256.Load((long*)r + RowDeltaZ) & stepZ;
                }

                voxel.Store(r + RowVoxel);
                maxX.Store((long*)r + RowMaxX);
                maxY.Store((long*)r + RowMaxY);
                maxZ.Store((long*)r + RowMaxZ);

                // Rays about to leave the grid finish in the scalar walk from their current voxel (a straight ray never
                // comes back into the cube; the voxel may then be claimed both ways, which the claims' OR makes one);
                // their lanes, with those whose ray ended, take the next queued walks or park.
                uint ended = (Vector256.Equals(voxel, Vector256.Load(r + RowLast)).AsInt64() | Vector256.GreaterThan(t, fixedOne)).ExtractMostSignificantBits();
                uint left = Vector256.GreaterThanOrEqual(t, Vector256.Load((long*)r + RowLeave)).ExtractMostSignificantBits() & ~ended;
                for (uint lanes = left; lanes != 0; lanes &= lanes - 1)
                {
                    int lane = BitOperations.TrailingZeroCount(lanes);
                    ref QueuedWalk q = ref _queue[(int)r[RowIndex + lane]];
                    ulong v = r[RowVoxel + lane];
                    ulong p = (ulong)((long)(v & 0xFF) + FieldToGrid) | ((ulong)((long)((v >> 8) & 0xFF) + FieldToGrid) << 21) | ((ulong)((long)(v >> 16) + FieldToGrid) << 42);
                    _ = EnterAt(q.Walk, p, out int slot);
                    Walk(q.Walk, p, (long)r[RowMaxX + lane], (long)r[RowMaxY + lane], (long)r[RowMaxZ + lane], slot);
                }

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
                        active--;
                    }
                }

                if (active == 0)
                {
                    break;
                }
            }
        }

        /// <summary>
        /// Moves the marks of the private grid into the shared claim planes: each brick's words are ORed in with one
        /// interlocked operation per word, the voxels this thread claimed first join its claim list, and the grid is
        /// left empty.
        /// </summary>
        public void Spill()
        {
            if (!_gridInUse || _grid is null)
            {
                return;
            }

            // The grid holds rows of 256 voxels along x; a brick's word for one z layer is 8 bytes of 8 rows (y), one
            // byte per brick along the row: eight rows are read at once and transposed brick by brick.
            int ox = _gridX - (GridSide / 2), oy = _gridY - (GridSide / 2), oz = _gridZ - (GridSide / 2);
            ulong* rows = stackalloc ulong[8];
            for (int bz = _lowZ; bz <= _highZ; bz++)
            {
                for (int by = _lowY; by <= _highY; by++)
                {
                    for (int layer = 0; layer < 8; layer++)
                    {
                        for (int w = _lowX / 8; w <= _highX / 8; w++)
                        {
                            ulong any = 0;
                            for (int yl = 0; yl < 8; yl++)
                            {
                                int word = ((((bz * 8) + layer) * GridVoxels) + (by * 8) + yl) * (GridVoxels / 64) + w;
                                rows[yl] = _grid[word];
                                any |= rows[yl];
                                _grid[word] = 0;
                            }

                            for (int j = 0; any != 0 && j < 8; j++)
                            {
                                ulong brickWord = 0;
                                for (int yl = 0; yl < 8; yl++)
                                {
                                    brickWord |= ((rows[yl] >> (8 * j)) & 0xFF) << (8 * yl);
                                }

                                if (brickWord != 0)
                                {
                                    Claim((w * 8) + j + ox, by + oy, bz + oz, layer, brickWord);
                                }
                            }
                        }
                    }
                }
            }

            _gridInUse = false;
            ResetBox();
        }

        /// <summary>An empty box of bricks to spill: the origin's brick alone.</summary>
        private void ResetBox()
        {
            _lowX = _lowY = _lowZ = _highX = _highY = _highZ = GridSide / 2;
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
                Array.Clear(_grid);
            }

            _gridInUse = false;
            ResetBox();
        }
    }
}
