using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Occupancy;

/// <summary>
/// The endpoint pass of a depth frame: every return within range is back-projected and its voxel marked in this
/// frame's endpoint planes (a bit per voxel beside the map), a block of image rows per item; the planes are folded into
/// one for the brick pass, whose voxels holding a return get a hit whatever their own pixel says.
/// </summary>
public sealed partial class DepthImageIntegrator
{
    /// <summary>
    /// Clears the endpoint planes of a frame that threw part way: left set, their voxels would get hits in the next
    /// frame. The workers' touched lists still name the bricks.
    /// </summary>
    private void ClearStaleEndpoints()
    {
        foreach (Worker w in _workers)
        {
            for (int n = 0; n < w.TouchedCount; n++)
            {
                System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref w.Endpoints.Words(w.Touched[n]), WordsPerSlot).Clear();
            }
        }
    }

    /// <summary>
    /// Folds the other workers' endpoint planes into worker 0's, which the brick pass reads. Workers mark into planes
    /// of their own because an interlocked OR per new endpoint voxel cost about a tenth of the frame.
    /// </summary>
    private void MergeEndpoints()
    {
        Worker first = _workers[0];
        for (int i = 1; i < _workers.Length; i++)
        {
            Worker w = _workers[i];
            for (int n = 0; n < w.TouchedCount; n++)
            {
                int slot = w.Touched[n];
                Span<ulong> from = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref w.Endpoints.Words(slot), WordsPerSlot);
                Span<ulong> to = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref first.Endpoints.Words(slot), WordsPerSlot);
                if ((to[EndpointWords] & HasEndpoints) == 0)
                {
                    to[EndpointWords] = HasEndpoints;
                    first.Touch(slot);
                }

                for (int j = 0; j < EndpointWords; j++)
                {
                    to[j] |= from[j];
                }

                from.Clear();
            }

            w.TouchedCount = 0;
        }
    }

    /// <summary>
    /// Gives a hit to endpoint voxels in bricks the brick pass did not visit (their centres lie outside the
    /// frustum), then clears the per-frame marks. Returns the number of such hits.
    /// </summary>
    private int FinishEndpoints()
    {
        SensorModel model = _map.SensorModel;
        int hits = 0;
        Worker first = _workers[0];
        {
            Worker w = first;
            for (int n = 0; n < w.TouchedCount; n++)
            {
                int slot = w.Touched[n];
                Span<ulong> words = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref first.Endpoints.Words(slot), WordsPerSlot);
                if ((words[EndpointWords] & Visited) == 0)
                {
                    Span<float> brick = _map.BrickAt(slot);
                    _map.MarkObserved(slot);
                    for (int i = 0; i < EndpointWords; i++)
                    {
                        for (ulong bits = words[i]; bits != 0; bits &= bits - 1)
                        {
                            int local = (i * 64) + BitOperations.TrailingZeroCount(bits);
                            brick[local] = OccupancyMap.ApplyUpdate(brick[local], model.HitLogOdds, model.ClampMinLogOdds, model.ClampMaxLogOdds);
                            hits++;
                        }
                    }
                }

                words.Clear();
            }
        }

        return hits;
    }


    /// <summary>Marks the voxel of every return within range, a block of image rows per index.</summary>
    private sealed unsafe class SplatJob(DepthImageIntegrator owner) : ParallelJob
    {
        private float* _depth;
        private PinholeIntrinsics _k;
        private BackProjector _projector;

        private ushort* _raw;
        private float _scale;

        public void Start(float* depth, in PinholeIntrinsics k, in BackProjector projector, ushort* raw, float scale)
        {
            _depth = depth;
            _k = k;
            _projector = projector;
            _raw = raw;
            _scale = scale;
        }

        public override void Execute(int index, int worker)
        {
            Worker w = owner._workers[worker];
            OccupancyMap map = owner._map;
            int width = _k.Width;
            w.EnsureRow(width);
            int rowEnd = Math.Min(_k.Height, (index + 1) * RowsPerJob);
            if (_raw != null)
            {
                int first = index * RowsPerJob * width;
                ToMetres(_raw + first, _scale, _depth + first, (rowEnd * width) - first, owner._endpointWidth);
            }

            fixed (float* slopes = owner._slopes, columnMax = w.ColumnMax, columnMin = w.ColumnMin)
            fixed (int* k0x = w.KeyX, k0y = w.KeyY, k0z = w.KeyZ, k1x = w.AboveX, k1y = w.AboveY, k1z = w.AboveZ)
            fixed (ulong* fresh = w.Fresh)
            fixed (long* cacheKeys = w.CacheKeys)
            fixed (nint* cacheWords = w.CacheWords)
            fixed (int* missedPixels = w.Missed)
            {
                new Span<float>(columnMax, width).Clear();
                new Span<float>(columnMin, width).Fill(float.MaxValue);
                var row = new EndpointRow { X = k0x, Y = k0y, Z = k0z, Fresh = fresh, ColumnMax = columnMax, ColumnMin = columnMin };
                for (int v = index * RowsPerJob; v < rowEnd; v++)
                {
                    EndpointKernel.Row(_depth + (v * width), slopes, width, _projector.RowSlope(v), _projector, owner.MaxRange, map.InverseResolution, ref row, owner._endpointWidth);
                    int* kx = row.X, ky = row.Y, kz = row.Z;
                    int missed = MarkRow(kx, ky, kz, fresh, (width + 63) / 64, cacheKeys, cacheWords, missedPixels);
                    for (int m = 0; m < missed; m++)
                    {
                        // A brick the cache did not hold: look it up (adding it if new) and mark the pixel.
                        int u = missedPixels[m];
                        int x = kx[u], y = ky[u], z = kz[u];
                        int bx = x >> VoxelKey.BrickShift, by = y >> VoxelKey.BrickShift, bz = z >> VoxelKey.BrickShift;
                        int entry = CacheEntry(bx, by, bz);
                        long packed = VoxelKey.PackBrick(bx, by, bz);
                        if (cacheKeys[entry] != packed)
                        {
                            cacheWords[entry] = (nint)EnterBrick(w, map, bx, by, bz);
                            cacheKeys[entry] = packed;
                        }

                        int local = (x & 7) | ((y & 7) << 3) | ((z & 7) << 6);
                        ((ulong*)cacheWords[entry])[local >> 6] |= 1UL << local;
                    }

                    // This row's keys are the next row's "above"; the buffers swap.
                    row.AboveX = kx;
                    row.AboveY = ky;
                    row.AboveZ = kz;
                    row.X = kx == k0x ? k1x : k0x;
                    row.Y = ky == k0y ? k1y : k0y;
                    row.Z = kz == k0z ? k1z : k0z;
                }

                w.Summary = DepthSummary.Combine(w.Summary, new DepthSummary(row.Valid, row.MaxDepth, row.Beyond));
                owner._tiles.SetTileRow(index, new ReadOnlySpan<float>(columnMax, width), new ReadOnlySpan<float>(columnMin, width));
            }
        }
    }

    /// <summary>
    /// Marks the voxels of a row's fresh pixels whose bricks the cache holds; returns how many pixels it left, listed in
    /// <paramref name="missed"/>, for the caller to mark after looking their bricks up. No branch on "same voxel as
    /// before" or "same brick as before": both went either way at random (half of the fresh pixels of the standard room
    /// change brick: a row crosses a surface's bricks back and forth) and their mispredictions cost more than a second OR
    /// of the same bit. The cache is indexed by the low bits of the brick coordinates (26 000 fresh pixels a frame, 130
    /// bricks, 250 misses). No call either: with the look-up in the loop, the JIT kept the loop's state on the stack.
    /// </summary>
    private static unsafe int MarkRow(int* kx, int* ky, int* kz, ulong* fresh, int words, long* cacheKeys, nint* cacheWords, int* missed)
    {
        int count = 0;
        for (int w64 = 0; w64 < words; w64++)
        {
            for (ulong bits = fresh[w64]; bits != 0; bits &= bits - 1)
            {
                int u = (w64 * 64) + BitOperations.TrailingZeroCount(bits);
                int x = kx[u], y = ky[u], z = kz[u];
                int bx = x >> VoxelKey.BrickShift, by = y >> VoxelKey.BrickShift, bz = z >> VoxelKey.BrickShift;
                int entry = CacheEntry(bx, by, bz);
                if (cacheKeys[entry] != VoxelKey.PackBrick(bx, by, bz))
                {
                    missed[count++] = u;
                    continue;
                }

                int local = (x & 7) | ((y & 7) << 3) | ((z & 7) << 6);
                ((ulong*)cacheWords[entry])[local >> 6] |= 1UL << local;
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CacheEntry(int bx, int by, int bz) => (bx & 7) | ((by & 7) << 3) | ((bz & 7) << 6);

    /// <summary>
    /// The endpoint words of brick (<paramref name="bx"/>, <paramref name="by"/>, <paramref name="bz"/>) in this worker's
    /// plane, the brick added to the map if new and listed as touched (for bricks the marking cache does not hold).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe ulong* EnterBrick(Worker w, OccupancyMap map, int bx, int by, int bz)
    {
        int slot = map.GetOrAddBrick(bx, by, bz);
        ulong* words = w.Endpoints.WordsPointer(slot); // the planes' chunks are pinned
        if ((words[EndpointWords] & HasEndpoints) == 0)
        {
            words[EndpointWords] |= HasEndpoints;
            w.Touch(slot);
        }

        return words;
    }

}
