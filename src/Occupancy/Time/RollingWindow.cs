using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy;

/// <summary>
/// An ego-centric map with a memory budget: as the agent travels, the bricks farthest from it are released so that
/// the map's <see cref="OccupancyMap.MemoryBytes"/> stays under the budget. Call <see cref="Evict"/> after each frame
/// with the agent's position; it does nothing until the map holds more than <see cref="HighMark"/> bricks, then releases
/// the farthest down to <see cref="LowMark"/> (a frame's worth of bricks below), so that the next frame adds its bricks
/// into the memory it freed. Near the agent the map answers
/// as an unbounded one would. World frame, metres, z up.
/// </summary>
/// <remarks>
/// <para>
/// Released bricks' memory is reused by the map's next bricks (the map never shrinks below its high-water mark, and its
/// slabs never move), so the budget is kept by bounding the bricks held: a brick costs its 2,048 bytes of voxels plus
/// about 150 bytes of table and bookkeeping (<see cref="BytesPerBrick"/>). The dense brick directory, which covers the
/// box of bricks the map has touched, is rebuilt around the bricks left when it outgrows a sixteenth of the budget.
/// </para>
/// <para>Threads: <see cref="Evict"/> is a write of the map and takes its turn like an integration.</para>
/// </remarks>
public sealed class RollingWindow
{
    /// <summary>What the budget counts for one brick: voxels, slot bookkeeping, table and growth headroom.</summary>
    public const int BytesPerBrick = 2048 + 160;

    private readonly OccupancyMap _map;
    private float[] _distances = [];
    private int[] _slots = [];

    /// <summary>Creates the window over a map.</summary>
    /// <param name="map">The map.</param>
    /// <param name="memoryBudgetBytes">Bytes the map may hold; at least 1 MiB.</param>
    /// <exception cref="ArgumentOutOfRangeException">The budget is below 1 MiB.</exception>
    public RollingWindow(OccupancyMap map, long memoryBudgetBytes)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (memoryBudgetBytes < 1 << 20)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(memoryBudgetBytes), memoryBudgetBytes, string.Create(CultureInfo.InvariantCulture, $"memoryBudgetBytes must be at least 1 MiB (1048576), but was {memoryBudgetBytes}."));
        }

        _map = map;
        MemoryBudgetBytes = memoryBudgetBytes;
        // Bricks held at most after a frame (nine tenths of the budget, the rest for the directory and a frame's new
        // bricks), and the mark an eviction goes down to.
        HighMark = (int)Math.Min(int.MaxValue / 2, memoryBudgetBytes * 8 / 10 / BytesPerBrick);
        LowMark = HighMark - Math.Max(32, HighMark / 64);
    }

    /// <summary>Bytes the map may hold.</summary>
    public long MemoryBudgetBytes { get; }

    /// <summary>Bricks above which <see cref="Evict"/> releases.</summary>
    public int HighMark { get; }

    /// <summary>Bricks an eviction leaves.</summary>
    public int LowMark { get; }

    /// <summary>Bricks released so far.</summary>
    public long EvictedBricks { get; private set; }

    /// <summary>
    /// Releases the bricks farthest from the agent when the map holds more than <see cref="HighMark"/> bricks, down to
    /// <see cref="LowMark"/>; otherwise does nothing.
    /// </summary>
    /// <param name="agentPosition">World frame, metres; finite.</param>
    /// <returns>The bricks released by this call.</returns>
    /// <exception cref="ArgumentException">The position is not finite.</exception>
    public int Evict(Vector3 agentPosition)
    {
        if (!(float.IsFinite(agentPosition.X) && float.IsFinite(agentPosition.Y) && float.IsFinite(agentPosition.Z)))
        {
            ThrowHelper.Argument(nameof(agentPosition), string.Create(CultureInfo.InvariantCulture, $"agentPosition must be finite, but was {agentPosition}."));
        }

        if (_map.BrickCount <= HighMark)
        {
            if (_map.DirectoryBytes > MemoryBudgetBytes / 16)
            {
                using OccupancyMap.WriteScope compact = _map.BeginWrite();
                _map.CompactDirectory();
            }

            return 0;
        }

        using OccupancyMap.WriteScope write = _map.BeginWrite();
        int slots = _map.SlotCapacity;
        if (_distances.Length < slots)
        {
            _distances = new float[slots * 2];
            _slots = new int[slots * 2];
        }

        // Every brick's squared distance from the agent (its centre), then the farthest ones released.
        double edge = _map.Resolution * VoxelKey.BrickSize;
        int n = 0;
        for (int slot = 0; slot < slots; slot++)
        {
            if (!_map.HasBrick(slot))
            {
                continue;
            }

            (int bx, int by, int bz) = VoxelKey.UnpackBrick(_map.PackedKeyOf(slot));
            var centre = new Vector3((float)((bx + 0.5) * edge), (float)((by + 0.5) * edge), (float)((bz + 0.5) * edge));
            _distances[n] = -Vector3.DistanceSquared(centre, agentPosition); // farthest first
            _slots[n++] = slot;
        }

        int release = n - LowMark;
        if (release <= 0)
        {
            return 0;
        }

        SelectSmallest(_distances, _slots, n, release);
        for (int i = 0; i < release; i++)
        {
            _map.ReleaseBrick(_slots[i]);
        }

        if (_map.DirectoryBytes > MemoryBudgetBytes / 16)
        {
            _map.CompactDirectory();
        }

        EvictedBricks += release;
        return release;
    }

    /// <summary>
    /// Reorders the first <paramref name="n"/> keys (with their slots) so that the <paramref name="k"/> smallest come
    /// first, in no order (Hoare's selection: linear on average, where a sort of every brick cost most of a call).
    /// </summary>
    private static void SelectSmallest(float[] keys, int[] slots, int n, int k)
    {
        int lo = 0, hi = n - 1;
        while (lo < hi)
        {
            float pivot = keys[lo + ((hi - lo) / 2)];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (keys[i] < pivot)
                {
                    i++;
                }

                while (keys[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                    (slots[i], slots[j]) = (slots[j], slots[i]);
                    i++;
                    j--;
                }
            }

            // [lo, j] <= pivot <= [i, hi]: keep the part that holds position k - 1.
            if (k - 1 <= j)
            {
                hi = j;
            }
            else if (k - 1 >= i)
            {
                lo = i;
            }
            else
            {
                return;
            }
        }
    }
}
