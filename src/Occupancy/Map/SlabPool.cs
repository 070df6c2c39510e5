using System;
using System.Collections.Generic;

namespace Occupancy;

/// <summary>
/// Full-size voxel slabs (<see cref="OccupancyMap"/>'s cells of 32 bricks, 64 KiB) between maps, process-wide: a map the
/// collector finds unreachable gives its slabs here (its finalizer), and the next map's bricks take them before new
/// slabs are allocated. A program that builds map after map (a map a scan, submaps, the race's builds) then fills
/// memory it has already touched, as a C++ map reuses what its allocator freed: on this library's own collector-managed
/// slabs a fresh map of a LiDAR scan at 5 cm (100 to 150 MB) otherwise faulted in most of its pages again (10 to 30
/// thousand page faults, 13 to 17 us each on a virtual machine) and had the collector copy its young slabs between
/// generations, which made one build take 250 ms and the next 450 on the same scan. At most
/// <see cref="CapacityBytes"/> wait here; beyond that a map's slabs are left to the collector.
/// </summary>
/// <remarks>
/// A slab taken from here holds another map's old log-odds: a map writes every cell when it takes the cell's slot, and
/// never reads a cell it has not taken (as with fresh, unzeroed slabs). Code that reads a map's slabs keeps the map
/// reachable until it is done (every reader does: it checks the map's structure stamp after reading).
/// </remarks>
internal static class SlabPool
{
    private static readonly Stack<float[]> Free = new();

    /// <summary>Most bytes of slabs kept waiting: 256 MiB, or a sixteenth of the memory the collector may use when less.</summary>
    public static long CapacityBytes { get; } = Math.Min(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 16);

    private static readonly int Capacity = (int)(CapacityBytes / (OccupancyMap.FullSlabFloats * sizeof(float)));

    /// <summary>Slabs waiting (tests).</summary>
    public static int Count
    {
        get
        {
            lock (Free)
            {
                return Free.Count;
            }
        }
    }

    /// <summary>A waiting slab (contents undefined), or null when none waits.</summary>
    public static float[]? TryRent()
    {
        lock (Free)
        {
            return Free.Count > 0 ? Free.Pop() : null;
        }
    }

    /// <summary>Takes back a full-size slab no map uses any more; one beyond the capacity is left to the collector.</summary>
    public static void Return(float[] slab)
    {
        System.Diagnostics.Debug.Assert(slab.Length == OccupancyMap.FullSlabFloats, "not a full-size slab");
        lock (Free)
        {
            if (Free.Count < Capacity)
            {
                Free.Push(slab);
            }
        }
    }
}
