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
/// <see cref="CapacityBytes"/> wait here; beyond that a map's slabs are left to the collector. Slabs no map asks for do
/// not wait for ever: after each full (gen-2) collection the pool lets half of them go when no map asked for a slab
/// since the last one, and all of them when the machine's memory load is high (<see cref="Trim"/>).
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

    // Whether a map asked for a slab since the last trim (under the lock).
    private static bool _asked;

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
            _asked = true;
            return Free.Count > 0 ? Free.Pop() : null;
        }
    }

    /// <summary>
    /// Lets waiting slabs go to the collector: all of them when <paramref name="all"/> (the machine's memory load is
    /// high), half of them when no map asked for a slab since the last trim, none otherwise.
    /// </summary>
    /// <returns>The number of slabs let go.</returns>
    public static int Trim(bool all)
    {
        lock (Free)
        {
            int keep = all ? 0 : _asked ? Free.Count : Free.Count / 2;
            int dropped = Free.Count - keep;
            while (Free.Count > keep)
            {
                Free.Pop();
            }

            _asked = false;
            return dropped;
        }
    }

    // A trimmer made once and left unreferenced: its finalizer runs after each collection of its generation (gen 2, once
    // it got there) and trims the pool, as the runtime's own array pools trim themselves.
    static SlabPool() => _ = new Trimmer();

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

    /// <summary>Trims the pool from its finalizer, then asks to be finalized again at the next collection of its generation.</summary>
    private sealed class Trimmer
    {
        ~Trimmer()
        {
            if (Environment.HasShutdownStarted)
            {
                return;
            }

            if (GC.GetGeneration(this) == GC.MaxGeneration)
            {
                GCMemoryInfo info = GC.GetGCMemoryInfo();
                Trim(all: info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes);
            }

            GC.ReRegisterForFinalize(this);
        }
    }
}
