using System;
using System.Collections.Generic;

namespace Occupancy;

/// <summary>
/// Walk grids between scans, process-wide: a scan takes one for each thread that walks lanes and gives it back, clean,
/// when the spill has moved its marks out. A grid is 16 MiB of address space (pinned, so the lanes store through a
/// pointer), of which only the pages scans touch take memory; handing grids on keeps integrators cheap to make (a new
/// integrator's first scan would otherwise allocate a grid per thread, bring on a gen-2 collection and fault in every
/// page it reaches) and keeps memory flat however many integrators a program makes. At most one grid per logical core
/// waits here; a scan that fails part way drops its grids instead of returning them.
/// </summary>
internal static class WalkGridPool
{
    private static readonly Stack<byte[]> Free = new();

    /// <summary>Most grids kept waiting.</summary>
    public static int Capacity { get; } = Environment.ProcessorCount;

    /// <summary>A clean grid: one that waited here, or a new one.</summary>
    public static byte[] Rent()
    {
        lock (Free)
        {
            if (Free.Count > 0)
            {
                return Free.Pop();
            }
        }

        return GC.AllocateArray<byte>(ScanWorker.GridVoxels * ScanWorker.GridVoxels * ScanWorker.GridVoxels, pinned: true);
    }

    /// <summary>Takes back a clean grid (every byte zero); one beyond <see cref="Capacity"/> is left to the collector.</summary>
    public static void Return(byte[] grid)
    {
        lock (Free)
        {
            if (Free.Count < Capacity)
            {
                Free.Push(grid);
            }
        }
    }
}
