using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// The discretized modes' endpoint pass: one ray end per distinct endpoint voxel, its centre (OctoMap's discretize) or
/// the first point of the scan in it. Keys come
/// 8 at a time (<see cref="KeyKernel"/>) where the keys family allows, one by one (<see cref="OccupancyMap.TryGetKey"/>)
/// otherwise; the voxels a chunk has seen are kept in a <see cref="VoxelKeySet"/>.
/// </summary>
internal sealed unsafe class EndpointDeduplication
{
    private readonly OccupancyMap _map;
    private readonly DiscretizeJob _discretizeJob;
    private readonly FilterJob _filterJob;
    private EndpointChunk[] _chunks = [];
    private Vector3[]? _unique;

    public EndpointDeduplication(OccupancyMap map)
    {
        _map = map;
        _discretizeJob = new DiscretizeJob(this);
        _filterJob = new FilterJob(this);
    }

    /// <summary>Points per chunk of the parallel endpoint de-duplication (at least; one chunk per worker).</summary>
    private const int PointsPerChunk = 8192;

    /// <summary>
    /// One ray per distinct endpoint voxel, cast to the voxel's centre as OctoMap's discretize casts it, or to the first
    /// point of the scan that falls in it (on the standard room the first point agrees better with the full insert:
    /// 99.18% of known voxels classified alike, against 98.21% for centres, same number of rays). A point outside the
    /// map that clears space up to the range stays a ray of its own, to the point. The scan is split in
    /// consecutive chunks de-duplicated in parallel (a quarter of the mode's time when it ran on one thread); the merge
    /// then keeps each voxel's first chunk, so the rays and their order are those of one pass over the whole scan.
    /// </summary>
    /// <param name="points">The scan's points, world frame.</param>
    /// <param name="count">Points.</param>
    /// <param name="origin">The sensor origin, world frame.</param>
    /// <param name="originKey">The sensor origin's voxel (the keys window is centred on it).</param>
    /// <param name="maxRange">The integrator's maximum range, metres: finite points outside the map beyond it stay, as rays of their own.</param>
    /// <param name="maxThreads">Most threads (and chunks) to use: the integrator's MaxDegreeOfParallelism.</param>
    /// <param name="counts">The worker whose no-return and outside-the-map counters take the rejects.</param>
    /// <param name="centres">Rays end at voxel centres (OctoMap's discretize) rather than at each voxel's first point.</param>
    /// <returns>One ray end per distinct endpoint voxel, in scan order (valid until <see cref="Release"/>).</returns>
    /// <remarks>
    /// The chunks' sets and lists and the rays' buffer are taken from process-wide pools and given back at the end of the
    /// call (the chunks) and at <see cref="Release"/> (the buffer), as the walk grids are (<see cref="WalkGridPool"/>):
    /// a new integrator's first scan would otherwise allocate a 1 MiB window per chunk, grow each chunk's table from its
    /// smallest size and fault in every page it reaches, which on a LiDAR sweep of the street (few points per voxel)
    /// took longer than the rays the pass saves.
    /// </remarks>
    public ReadOnlySpan<Vector3> Run(Vector3* points, int count, Vector3 origin, VoxelKey originKey, float maxRange, int maxThreads, ScanWorker counts, bool centres)
    {
        Release(); // (none held: the integrator releases the buffer once the rays are cast)
        _unique = ArrayPool<Vector3>.Shared.Rent(count);
        int chunks = Math.Clamp(count / PointsPerChunk, 1, maxThreads);
        if (_chunks.Length < chunks)
        {
            Array.Resize(ref _chunks, chunks);
        }

        for (int c = 0; c < chunks; c++)
        {
            _chunks[c] = ChunkPool.Rent();
        }

        try
        {
            return Deduplicate(points, count, origin, originKey, maxRange, maxThreads, counts, centres, chunks);
        }
        finally
        {
            for (int c = 0; c < chunks; c++)
            {
                ChunkPool.Return(_chunks[c]);
                _chunks[c] = null!;
            }
        }
    }

    /// <summary>Gives the rays' buffer of the last <see cref="Run"/> back to its pool (once its rays are cast).</summary>
    public void Release()
    {
        if (_unique is not null)
        {
            ArrayPool<Vector3>.Shared.Return(_unique);
            _unique = null;
        }
    }

    private ReadOnlySpan<Vector3> Deduplicate(Vector3* points, int count, Vector3 origin, VoxelKey originKey, float maxRange, int maxThreads, ScanWorker counts, bool centres, int chunks)
    {
        Vector3[] unique = _unique!;

        _discretizeJob.Start(points, count, chunks, origin, originKey, maxRange);
        WorkerPool.Shared.Run(_discretizeJob, chunks, maxThreads);

        // The first chunk's voxels all stay; each later chunk keeps the voxels no earlier chunk has (lookups in the
        // earlier chunks' sets, read-only, so the chunks are filtered in parallel; a serial merge into one set was a
        // tenth of the mode's time on two cores). The rays and their order are those of one pass over the scan.
        if (chunks > 1)
        {
            WorkerPool.Shared.Run(_filterJob, (chunks - 1) * FilterJob.Parts, maxThreads);
        }

        int n = 0;
        for (int c = 0; c < chunks; c++)
        {
            EndpointChunk chunk = _chunks[c];
            counts.NoReturn += chunk.NoReturn;
            counts.OutOfMap += chunk.OutOfMap;
            if (c == 0 && !centres)
            {
                chunk.Points.AsSpan(0, chunk.Count).CopyTo(unique);
                n = chunk.Count;
                continue;
            }

            for (int i = 0; i < chunk.Count; i++)
            {
                VoxelKey key = chunk.Keys[i];
                if (key.X == FilterJob.Dropped)
                {
                    continue;
                }

                // The centre as OctoMap's keyToCoord gives it: ((key + 0.5) × resolution) in double, then float.
                unique[n++] = centres && key != FilterJob.Far ? _map.CenterOf(key) : chunk.Points[i];
            }
        }

        return unique.AsSpan(0, n);
    }

    /// <summary>
    /// Chunks between scans, process-wide: each holds a 1 MiB window and a table and lists sized by the scans it served.
    /// At most one chunk per logical core waits here; one beyond that is left to the collector.
    /// </summary>
    private static class ChunkPool
    {
        private static readonly Stack<EndpointChunk> Free = new();

        private static readonly int Capacity = Environment.ProcessorCount;

        /// <summary>A chunk that waited here, or a new one (its set is cleared when a scan starts with it).</summary>
        public static EndpointChunk Rent()
        {
            lock (Free)
            {
                if (Free.Count > 0)
                {
                    return Free.Pop();
                }
            }

            return new EndpointChunk();
        }

        public static void Return(EndpointChunk chunk)
        {
            lock (Free)
            {
                if (Free.Count < Capacity)
                {
                    Free.Push(chunk);
                }
            }
        }
    }

    /// <summary>One chunk's distinct endpoint voxels with their first points, in scan order, and its rejects.</summary>
    private sealed class EndpointChunk
    {
        public readonly VoxelKeySet Set = new();
        public VoxelKey[] Keys = [];
        public Vector3[] Points = [];
        public int Count;
        public int NoReturn;
        public int OutOfMap;
    }

    /// <summary>
    /// Marks in a later chunk the voxels an earlier chunk holds (key x set to <see cref="Dropped"/>); each chunk is
    /// split in <see cref="Parts"/> so that two chunks keep two threads busy.
    /// </summary>
    private sealed class FilterJob(EndpointDeduplication owner) : ParallelJob
    {
        public const int Parts = 4;

        /// <summary>Key x of a dropped voxel: below the map's index range.</summary>
        public const int Dropped = int.MinValue;

        /// <summary>
        /// The key of a point outside the map that clears space up to the range (<see cref="RayMarkJob.ClearsToRange"/>):
        /// below the map's index range, never in a set, so every such point stays, a ray of its own.
        /// </summary>
        public static readonly VoxelKey Far = new(int.MinValue + 1, 0, 0);

        public override void Execute(int index, int worker)
        {
            int c = 1 + (index / Parts), part = index % Parts;
            EndpointChunk chunk = owner._chunks[c];
            int per = (chunk.Count + Parts - 1) / Parts;
            int end = Math.Min(chunk.Count, (part + 1) * per);
            for (int i = part * per; i < end; i++)
            {
                VoxelKey key = chunk.Keys[i];
                for (int e = 0; e < c; e++)
                {
                    if (owner._chunks[e].Set.Contains(key))
                    {
                        chunk.Keys[i] = new VoxelKey(Dropped, 0, 0);
                        break;
                    }
                }
            }
        }
    }

    /// <summary>De-duplicates one chunk of a scan's endpoints.</summary>
    private sealed unsafe class DiscretizeJob(EndpointDeduplication owner) : ParallelJob
    {
        private Vector3* _points;
        private int _count;
        private int _chunks;
        private Vector3 _origin;
        private VoxelKey _originKey;
        private float _maxRange;

        public void Start(Vector3* points, int count, int chunks, Vector3 origin, VoxelKey originKey, float maxRange)
        {
            _points = points;
            _count = count;
            _chunks = chunks;
            _origin = origin;
            _originKey = originKey;
            _maxRange = maxRange;
        }

        public override void Execute(int index, int worker)
        {
            EndpointChunk chunk = owner._chunks[index];
            chunk.Set.Clear(); // the voxels of the last scan that used this chunk
            chunk.Set.Recenter(_originKey); // most endpoints lie within 128 voxels of the sensor (64 along z): a bit each
            int per = (_count + _chunks - 1) / _chunks;
            int start = index * per, end = Math.Min(_count, start + per);
            if (chunk.Keys.Length < per)
            {
                chunk.Keys = new VoxelKey[per];
                chunk.Points = new Vector3[per];
            }

            OccupancyMap map = owner._map;
            KernelWidth keys = map.Kernels.Keys;
            int n = 0, noReturn = 0, outOfMap = 0;
            var previous = new VoxelKey(int.MinValue, 0, 0);
            int i = start;
            if (keys != KernelWidth.Scalar)
            {
                // Keys 8 at a time (7 ns a point one by one, mostly the double floors); a lane goes to the hash set only
                // when its voxel differs from the lane before (scans come in sensor order: neighbours share voxels).
                // That test only saves hashing; it counts only when the lane before has a key (the keys of points
                // without one are not specified, and one of them could equal the next point's).
                var rotate = Vector256.Create(7, 0, 1, 2, 3, 4, 5, 6);
                Vector256<int> carryX = Vector256.Create(int.MinValue), carryY = Vector256<int>.Zero, carryZ = Vector256<int>.Zero;
                uint carryOk = 0;
                for (; i <= end - 8; i += 8)
                {
                    KeyKernel.Keys8(_points + i, map.InverseResolution, keys == KernelWidth.Vector512, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out Vector256<int> finite, out Vector256<int> inMap);
                    uint fin = finite.ExtractMostSignificantBits(), ok = inMap.ExtractMostSignificantBits();
                    noReturn += 8 - BitOperations.PopCount(fin);
                    uint far = 0;
                    for (uint outside = fin & ~ok; outside != 0; outside &= outside - 1)
                    {
                        int lane = BitOperations.TrailingZeroCount(outside);
                        if (RayMarkJob.ClearsToRange(_points[i + lane], _origin, _maxRange))
                        {
                            far |= 1u << lane;
                        }
                        else
                        {
                            outOfMap++;
                        }
                    }

                    Vector256<int> px = Avx2.Blend(Avx2.PermuteVar8x32(ix, rotate), carryX, 1);
                    Vector256<int> py = Avx2.Blend(Avx2.PermuteVar8x32(iy, rotate), carryY, 1);
                    Vector256<int> pz = Avx2.Blend(Avx2.PermuteVar8x32(iz, rotate), carryZ, 1);
                    uint same = (Vector256.Equals(px, ix) & Vector256.Equals(py, iy) & Vector256.Equals(pz, iz)).ExtractMostSignificantBits();
                    same &= (ok << 1) | carryOk;
                    carryOk = (ok >> 7) & 1;
                    carryX = Vector256.Create(ix.GetElement(7));
                    carryY = Vector256.Create(iy.GetElement(7));
                    carryZ = Vector256.Create(iz.GetElement(7));
                    uint fresh = ok & ~same;
                    if (fresh != 0)
                    {
                        // Keys the window already holds, 8 at a time (one gather): of the 74 000 keys a frame of the
                        // standard room that differ from their neighbour, 53 000, which then never reach the scalar Add.
                        fresh &= ~chunk.Set.Present8(ix, iy, iz, inMap);
                    }

                    for (fresh |= far; fresh != 0; fresh &= fresh - 1)
                    {
                        int lane = BitOperations.TrailingZeroCount(fresh);
                        if ((far & (1u << lane)) != 0)
                        {
                            chunk.Keys[n] = FilterJob.Far;
                            chunk.Points[n++] = _points[i + lane];
                            continue;
                        }

                        var key = new VoxelKey(ix.GetElement(lane), iy.GetElement(lane), iz.GetElement(lane));
                        if (chunk.Set.Add(key))
                        {
                            chunk.Keys[n] = key;
                            chunk.Points[n++] = _points[i + lane];
                        }
                    }
                }
            }

            for (; i < end; i++)
            {
                Vector3 p = _points[i];
                if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || !float.IsFinite(p.Z))
                {
                    noReturn++;
                }
                else if (!map.TryGetKey(p, out VoxelKey key))
                {
                    if (RayMarkJob.ClearsToRange(p, _origin, _maxRange))
                    {
                        chunk.Keys[n] = FilterJob.Far;
                        chunk.Points[n++] = p;
                    }
                    else
                    {
                        outOfMap++;
                    }
                }
                else if (key != previous)
                {
                    // Scans come in sensor order, so a point mostly shares its voxel with the one before: skip the hash then.
                    previous = key;
                    if (chunk.Set.Add(key))
                    {
                        chunk.Keys[n] = key;
                        chunk.Points[n++] = p;
                    }
                }
            }

            chunk.Count = n;
            chunk.NoReturn = noReturn;
            chunk.OutOfMap = outOfMap;
        }
    }
}
