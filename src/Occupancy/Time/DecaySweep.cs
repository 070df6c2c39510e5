using System;
using System.Threading;

namespace Occupancy;

/// <summary>
/// One pass of decay over every brick of a map, split over the worker pool in runs of slots: each brick scaled and
/// stepped toward unknown at its in-view or out-of-view rate (<see cref="DecayKernel"/>), marked changed, and released
/// afterwards, on the calling thread, when nothing in it is known any more. Runs inside the map's write.
/// </summary>
internal static class DecaySweep
{
    /// <summary>Slots per work item: enough to keep the pool's hand-out cost small against 64 bricks of work.</summary>
    private const int SlotsPerItem = 64;

    [ThreadStatic]
    private static Job? t_job;

    public static DecayResult Run(OccupancyMap map, double since, float outScale, float outStep, float inScale, float inStep, float forget)
    {
        Job job = t_job ??= new Job();
        int slots = map.SlotCapacity;
        job.Start(map, since, outScale, outStep, inScale, inStep, forget, slots);
        int items = (slots + SlotsPerItem - 1) / SlotsPerItem;
        if (items > 1 && WorkerPool.Shared.WorkerCount > 1)
        {
            WorkerPool.Shared.Run(job, items, WorkerPool.Shared.WorkerCount);
        }
        else
        {
            for (int i = 0; i < items; i++)
            {
                job.Execute(i, 0);
            }
        }

        int released = 0;
        for (int slot = 0; slot < slots; slot++)
        {
            if (job.Empty[slot])
            {
                map.ReleaseBrick(slot);
                released++;
            }
        }

        var result = new DecayResult(job.Bricks, job.Forgotten, released);
        job.Finish();
        return result;
    }

    private sealed class Job : ParallelJob
    {
        private OccupancyMap? _map;
        private double _since;
        private float _outScale, _outStep, _inScale, _inStep, _forget;
        private int _slots;
        private int _bricks;
        private long _forgotten;

        /// <summary>Per slot: the sweep left the brick with no known voxel.</summary>
        public bool[] Empty = [];

        public int Bricks => _bricks;

        public long Forgotten => _forgotten;

        public void Start(OccupancyMap map, double since, float outScale, float outStep, float inScale, float inStep, float forget, int slots)
        {
            _map = map;
            _since = since;
            (_outScale, _outStep, _inScale, _inStep, _forget) = (outScale, outStep, inScale, inStep, forget);
            _slots = slots;
            _bricks = 0;
            _forgotten = 0;
            if (Empty.Length < slots)
            {
                Empty = new bool[Math.Max(slots, Empty.Length * 2)];
            }

            Array.Clear(Empty, 0, slots);
        }

        public void Finish() => _map = null;

        public override void Execute(int index, int worker)
        {
            OccupancyMap map = _map!;
            KernelWidth width = map.Kernels.Decay;
            int end = Math.Min(_slots, (index + 1) * SlotsPerItem);
            int bricks = 0;
            long forgotten = 0;
            for (int slot = index * SlotsPerItem; slot < end; slot++)
            {
                if (!map.HasBrick(slot))
                {
                    continue;
                }

                Span<float> voxels = map.BrickAt(slot);
                bool inView = map.ObservedAt(slot) >= _since;
                (int known, int lost) = DecayKernel.Decay(voxels, inView ? _inScale : _outScale, inView ? _inStep : _outStep, _forget, width);
                map.MarkChanged(slot);
                forgotten += lost;
                Empty[slot] = known == 0;
                bricks++;
            }

            Interlocked.Add(ref _bricks, bricks);
            Interlocked.Add(ref _forgotten, forgotten);
        }
    }
}
