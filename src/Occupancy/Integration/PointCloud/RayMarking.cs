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
/// Traces a share of a scan's rays and claims the voxels they touch: one item per run of consecutive rays. A ray
/// within the maximum range claims its voxels up to (not including) its end voxel and the end voxel as a hit; one
/// beyond it is clipped at the range and claims no hit; points that are not finite are no return, points outside
/// the map are counted.
/// </summary>
internal sealed unsafe class RayMarkJob(ScanWorker[] workers, OccupancyMap map) : ParallelJob
{
    private Vector3* _points;
    private int _count;
    private Vector3 _origin;
    private VoxelKey _originKey;

    private int _perJob;
    private float _maxRange;

    // The runs split in one part per thread, consecutive runs each (a padded cache line per part's counter): a thread
    // walks its own part first, then helps with the others' (Claim). Its rays then stay in its part of the sensor's
    // view, so its private grid and the spill's reads stay there too (with runs handed out in turn, every thread's
    // grid spanned the whole frustum), and threads share fewer claim words.
    private const int CounterStride = 16;
    private readonly int[] _partNext = new int[CounterStride * workers.Length];
    private readonly int[] _partEnd = new int[workers.Length];
    private int _parts;

    /// <param name="points">The rays' end points.</param>
    /// <param name="count">Points.</param>
    /// <param name="origin">Their origin.</param>
    /// <param name="originKey">The origin's voxel.</param>
    /// <param name="perJob">Points per run.</param>
    /// <param name="parts">Threads that may take part (at most the workers).</param>
    /// <param name="maxRange">The integrator's maximum range, metres.</param>
    public void Start(Vector3* points, int count, Vector3 origin, VoxelKey originKey, int perJob, int parts, float maxRange)
    {
        _maxRange = maxRange;
        _perJob = perJob;
        _points = points;
        _count = count;
        _origin = origin;
        _originKey = originKey;
        int runs = (count + perJob - 1) / perJob;
        _parts = Math.Clamp(parts, 1, _partEnd.Length);
        for (int p = 0; p < _parts; p++)
        {
            _partNext[p * CounterStride] = (int)((long)runs * p / _parts);
            _partEnd[p] = (int)((long)runs * (p + 1) / _parts);
        }
    }

    /// <summary>
    /// The next run for <paramref name="worker"/>: from its own part while that lasts, then from the next parts in
    /// turn. Every call gets a run: the pool makes one call per run, and each call takes one.
    /// </summary>
    private int Claim(int worker)
    {
        for (int k = 0; k < _parts; k++)
        {
            int p = (worker + k) % _parts;
            int run = Interlocked.Increment(ref _partNext[p * CounterStride]) - 1;
            if (run < _partEnd[p])
            {
                return run;
            }
        }

        throw new InvalidOperationException("More runs of rays were asked for than there are.");
    }

    public override void Execute(int index, int worker)
    {
        int run = Claim(worker);
        ScanWorker w = workers[worker];
        float maxRange = _maxRange;
        w.Alone = _parts == 1; // one part: the pool runs every run on the calling thread (WorkerPool.Run)
        w.BeginRays(_origin, _originKey, map.InverseResolution, map.Resolution, maxRange);
        int i = run * _perJob, end = Math.Min(_count, (run + 1) * _perJob);
        if (w.SetsUpEight)
        {
            for (; i <= end - 8; i += 8)
            {
                for (uint rest = w.SetupRays8(_points + i); rest != 0; rest &= rest - 1)
                {
                    Point(w, i + BitOperations.TrailingZeroCount(rest), maxRange);
                }
            }
        }

        for (; i < end; i++)
        {
            Point(w, i, maxRange);
        }

        w.FlushLanes();
        w.EndRays();
    }

    /// <summary>One point: counted as no return or outside the map, or its ray and hit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Point(ScanWorker w, int i, float maxRange)
    {
        Vector3 p = _points[i];
        if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || !float.IsFinite(p.Z))
        {
            w.NoReturn++;
            return;
        }

        if (!map.TryGetKey(p, out VoxelKey endKey))
        {
            if (ClearsToRange(p, _origin, maxRange))
            {
                Clipped(w, Normalization.Unit(p - _origin), maxRange);
            }
            else
            {
                w.OutOfMap++;
            }

            return;
        }

        Ray(w, p, endKey, maxRange);
    }

    /// <summary>
    /// Whether a finite point outside the map's index range still clears space: beyond a finite range it clears up to
    /// the range, as OctoMap's insertPointCloud does, however far it is (the discretized mode's endpoint pass keeps
    /// such points as rays of their own by the same test).
    /// </summary>
    /// <param name="p">The point, world frame.</param>
    /// <param name="origin">The sensor origin, world frame.</param>
    /// <param name="maxRange">The integrator's maximum range, metres.</param>
    /// <returns>True when the point lies beyond a finite range.</returns>
    public static bool ClearsToRange(Vector3 p, Vector3 origin, float maxRange)
    {
        Vector3 d = p - origin;
        return float.IsFinite(maxRange) && !(MathF.Sqrt((d.X * d.X) + (d.Y * d.Y) + (d.Z * d.Z)) <= maxRange);
    }

    /// <summary>A point beyond the maximum range: its ray clears space up to the range along <paramref name="unit"/> and marks no hit.</summary>
    private void Clipped(ScanWorker w, Vector3 unit, float maxRange)
    {
        w.Beyond++;
        Vector3 clipped = _origin + (unit * maxRange);
        if (map.TryGetKey(clipped, out VoxelKey clippedKey))
        {
            w.MarkRay(_origin, clipped, _originKey, clippedKey);
        }
    }

    /// <summary>One point with its voxel: its ray (clipped at the maximum range) and its hit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ray(ScanWorker w, Vector3 p, VoxelKey endKey, float maxRange)
    {
        Vector3 d = p - _origin;
        // The same expression as endpoint marking of depth images (EndpointKernel), so both agree at the range.
        float length = MathF.Sqrt((d.X * d.X) + (d.Y * d.Y) + (d.Z * d.Z));
        if (length <= maxRange)
        {
            w.MarkRay(_origin, p, _originKey, endKey);
            w.MarkHit(endKey);
        }
        else
        {
            Clipped(w, d / length, maxRange);
        }
    }
}
