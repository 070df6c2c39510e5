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
/// This thread's walk grid: one byte per voxel of the 32 × 32 × 32 bricks around the scan origin's brick, where the lanes
/// mark what they walk, and its spill into the shared claim planes (<see cref="WalkGridSpill"/> runs it a row of bricks
/// at a time over every thread's grid).
/// </summary>
internal sealed unsafe partial class ScanWorker
{
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
    // memory (one thread, standard room: 39 ms a frame with bits, 34 with bytes). Taken from WalkGridPool when a scan
    // first walks lanes and given back clean when the spill has moved its marks out: 16 MiB of address space, of
    // which only the pages the scans touch take memory (a room at 5 cm: about 1 MiB). Only the box of bricks around
    // the origin and every ray's end is read back, so a small scan does not pay for the whole grid.
    private byte[]? _grid;
    private bool _gridInUse;

    private int _gridX, _gridY, _gridZ; // the origin's brick: the grid's centre
    private int _lowY = GridSide / 2, _lowZ = GridSide / 2, _highY = GridSide / 2, _highZ = GridSide / 2; // rows of grid bricks (y, z) the walks may have marked; RowLow/RowHigh hold each row's x range

    // The same box for the current run of rays, and per row of grid bricks the x range that this thread's runs'
    // boxes cover. A run's rays are consecutive points, a band of the sensor's view, and each thread walks the runs
    // of its own part of the scan first (MarkJob), so the spill reads a grid only where its runs went: with one box
    // a grid, every grid was read over the whole frustum and the spill's work grew with the threads.
    private bool _runWalked;
    private int _runLowX, _runLowY, _runLowZ, _runHighX, _runHighY, _runHighZ;

    /// <summary>Per row of grid bricks (index z · GridSide + y), the lowest and highest brick x the runs' boxes cover since the grid was last emptied (low &gt; high: none).</summary>
    public readonly sbyte[] RowLow = RowRange(sbyte.MaxValue), RowHigh = RowRange(-1);

    /// <summary>Whether the grid holds marks; its origin's brick and the y and z range of its box.</summary>
    public bool GridInUse(out int ox, out int oy, out int oz, out int ly, out int lz, out int hy, out int hz)
    {
        (ox, oy, oz, ly, lz, hy, hz) = (_gridX, _gridY, _gridZ, _lowY, _lowZ, _highY, _highZ);
        return _gridInUse && _grid is not null;
    }

    /// <summary>After the spill moved the grid's marks out (and so emptied it): gives the clean grid back to the pool.</summary>
    public void ReleaseGrid()
    {
        if (_grid is not null)
        {
            WalkGridPool.Return(_grid);
            _grid = null;
        }

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
    public void SpillRow(List<ScanWorker> owners, int by, int bz, int gridX, int gridY, int gridZ)
    {
        int ox = gridX - (GridSide / 2), oy = gridY - (GridSide / 2), oz = gridZ - (GridSide / 2);
        int row = (bz * GridSide) + by, grids = owners.Count;
        Span<nint> bases = stackalloc nint[grids];
        Span<int> lows = stackalloc int[grids], highs = stackalloc int[grids];
        int low = GridSide, high = -1;
        for (int g = 0; g < grids; g++)
        {
            ScanWorker o = owners[g];
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
        _lowY = _lowZ = _highY = _highZ = GridSide / 2;
        RowLow.AsSpan().Fill(sbyte.MaxValue);
        RowHigh.AsSpan().Fill(-1);
    }

    /// <summary>Claims in the shared planes the voxels of one word (one z layer) of a brick.</summary>
    private void Claim(int bx, int by, int bz, int layer, ulong mine)
    {
        int slot = SlotOf(bx, by, bz);
        ulong fresh = mine & ~Interlocked.Or(ref Unsafe.Add(ref _marks.Words(slot), layer), mine);
        while (fresh != 0)
        {
            Push(ref Free, ref FreeCount, (slot << 9) | (layer << 6) | BitOperations.TrailingZeroCount(fresh));
            fresh &= fresh - 1;
        }
    }

    /// <summary>Forgets the grid of a scan that failed part way: it may hold marks, so it is not given back to the pool.</summary>
    private void DropGrid()
    {
        _grid = null;
        _gridInUse = false;
        ResetBox();
    }
}
