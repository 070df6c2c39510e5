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
/// The claims of a point-cloud scan: two bit planes per brick slot (free seen, hit seen), 16 words, beside the map.
/// Rays claim each voxel's first touch with an interlocked OR; the worker that claimed it lists it; after the scan the
/// lists are applied (misses first, skipping voxels hit in the scan, then hits), clearing the bits as they go, so
/// nothing wraps or goes stale however many scans are integrated. Every voxel is updated at most once a scan, a hit
/// winning over a miss, as OctoMap's insertPointCloud does, whatever the number of threads.
/// </summary>
internal static class ScanClaims
{
    /// <summary>Words of claim bits per brick: the free plane (8 words) then the hit plane (8).</summary>
    public const int WordsPerBrick = 2 * OccupancyMap.BrickVoxels / 64;

    /// <summary>First word of the hit plane.</summary>
    public const int HitPlane = OccupancyMap.BrickVoxels / 64;

    /// <summary>How many claims ahead the apply asks for a voxel's cache line.</summary>
    private const int PrefetchDistance = 32;

    /// <summary>Applies one worker's claimed misses (skipping voxels hit in this scan) or hits, clearing their bits.</summary>
    public sealed class ApplyJob(ScanWorker[] workers, OccupancyMap map, SlotWords marks, bool hits) : ParallelJob
    {
        public override void Execute(int index, int worker)
        {
            ScanWorker source = workers[index];
            SensorModel model = map.SensorModel;
            float lo = model.ClampMinLogOdds, hi = model.ClampMaxLogOdds;
            float delta = hits ? model.HitLogOdds : model.MissLogOdds;
            int[] list = hits ? source.Hits : source.Free;
            int count = hits ? source.HitCount : source.FreeCount;
            int plane = hits ? HitPlane : 0;
            int applied = 0;
            int n = 0;
            int marked = -1;
            while (n < count)
            {
                // A run of entries in one word of claim bits (claims move in brick by brick, word by word): one
                // interlocked clear for the run. One per voxel kept the two cores fighting over the same cache lines.
                int entry = list[n];
                int word = entry >> 6;
                ulong run = 0;
                do
                {
                    run |= 1UL << list[n];
                    if (n + PrefetchDistance < count)
                    {
                        int ahead = list[n + PrefetchDistance];
                        map.PrefetchVoxel(ahead >> 9, ahead & 511);
                    }

                    n++;
                }
                while (n < count && list[n] >> 6 == word);

                int slot = entry >> 9, first = entry & 0x1C0;
                ref ulong words = ref marks.Words(slot);
                Interlocked.And(ref Unsafe.Add(ref words, plane + (first >> 6)), ~run);
                if (!hits)
                {
                    run &= ~Volatile.Read(ref Unsafe.Add(ref words, HitPlane + (first >> 6))); // hit in this scan: the hit wins
                }

                Span<float> voxels = map.BrickAt(slot);
                if (slot != marked)
                {
                    map.MarkObserved(slot); // once per brick: claims arrive brick by brick
                    marked = slot;
                }
                for (; run != 0; run &= run - 1)
                {
                    ref float v = ref voxels[first + BitOperations.TrailingZeroCount(run)];
                    v = OccupancyMap.ApplyUpdate(v, delta, lo, hi);
                    applied++;
                }
            }

            if (!hits)
            {
                source.Applied = applied;
            }
        }
    }

}
