using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>
/// Integrates point clouds with a known sensor origin by ray casting, with OctoMap's <c>insertPointCloud</c>
/// semantics: every voxel an exact traversal passes from the origin up to (not including) the endpoint's voxel gets
/// one miss, the endpoint's voxel gets one hit, and within one scan a voxel is updated at most once, a hit winning
/// over a miss. Points beyond <see cref="MaxRange"/> clear space up to the maximum range and mark nothing.
/// Points are in the world frame (metres, right-handed, z up) unless a sensor pose is given.
/// </summary>
/// <remarks>
/// A scan is spread over <see cref="MaxDegreeOfParallelism"/> cores: rays are traced in parallel, each voxel's
/// first touch claimed with an interlocked bit (two bit planes per brick: free seen, hit seen), then the claimed
/// voxels are updated in parallel. The result does not depend on the number of threads. The bit planes are cleared
/// through the claim lists, so nothing wraps or goes stale however many scans are integrated. Buffers are kept
/// between calls: in steady state an integration allocates nothing. One call at a time per integrator.
/// With AVX2, each thread walks eight rays at once (in one 512-bit register with AVX-512) and marks the voxels within
/// about 16 bricks of the origin's brick (6 m at 5 cm) in a private grid of one byte per voxel, moved into the shared
/// claims once per scan; the result is identical to the scalar walk's. Each grid reserves 16 MiB of address space per
/// thread that integrates, allocated on first use; only the pages the scans touch take memory (about 1 MiB for a room
/// at 5 cm).
/// </remarks>
public sealed partial class PointCloudIntegrator
{
    private const int WordsPerBrick = 2 * OccupancyMap.BrickVoxels / 64;
    private const int HitPlane = OccupancyMap.BrickVoxels / 64;

    /// <summary>Fewest rays in one run: fewer and the hand-out costs more than the rays.</summary>
    private const int MinPointsPerJob = 256;

    /// <summary>Runs of rays per thread in a scan (enough to even out rays of different lengths).</summary>
    private const int JobsPerThread = 16;

    private readonly OccupancyMap _map;
    private readonly DiscretizeJob _discretizeJob;
    private readonly FilterJob _filterJob;
    private EndpointChunk[] _chunks = [];
    private readonly SlotWords _marks = new(WordsPerBrick);
    private readonly Worker[] _workers;
    private readonly MarkJob _markJob;
    private readonly ApplyJob _applyFree;
    private readonly ApplyJob _applyHits;
    private readonly SpillJob _spillJob;
    private Vector3[] _transformed = [];
    private Vector3[] _unique = [];
    private VoxelKey[] _originKeys = [];
    private readonly List<PointCloudScan> _rigScans = [];
    private readonly List<Vector3[]> _rigPoints = [];
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Creates an integrator for one map.</summary>
    /// <param name="map">The map to update.</param>
    /// <param name="maxRange">Maximum range in metres; points farther from the origin only clear space up to it. Infinity for none.</param>
    /// <param name="mode">Exact traversal per point, or one ray per distinct endpoint voxel.</param>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRange"/> is not positive, or <paramref name="mode"/> is not defined.</exception>
    public PointCloudIntegrator(OccupancyMap map, float maxRange = float.PositiveInfinity, PointCloudMode mode = PointCloudMode.Exact)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (!(maxRange > 0))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(maxRange), maxRange, string.Create(CultureInfo.InvariantCulture, $"maxRange must be greater than zero (or infinity for none), but was {maxRange}."));
        }

        if (mode is not (PointCloudMode.Exact or PointCloudMode.Discretized))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(mode), mode, "mode must be Exact or Discretized.");
        }

        _map = map;
        MaxRange = maxRange;
        Mode = mode;
        _workers = new Worker[WorkerPool.Shared.WorkerCount];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this);
        }

        _markJob = new MarkJob(this);
        _discretizeJob = new DiscretizeJob(this);
        _filterJob = new FilterJob(this);
        _applyFree = new ApplyJob(this, hits: false);
        _applyHits = new ApplyJob(this, hits: true);
        _spillJob = new SpillJob(this);
    }

    /// <summary>The map this integrator updates.</summary>
    public OccupancyMap Map => _map;

    /// <summary>Maximum range, metres.</summary>
    public float MaxRange { get; }

    /// <summary>Exact or discretized ray casting.</summary>
    public PointCloudMode Mode { get; }

    /// <summary>Most threads one scan may use (the calling thread included); defaults to the number of logical cores.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>
    /// Integrates a point cloud given in the sensor frame, with the sensor's pose in the world frame.
    /// </summary>
    /// <param name="pointsInSensorFrame">Endpoints in the sensor frame, metres.</param>
    /// <param name="sensorPose">Pose of the sensor frame in the world frame.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The pose is not finite or lies outside the map.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<Vector3> pointsInSensorFrame, Pose3 sensorPose)
    {
        if (!sensorPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(sensorPose), string.Create(CultureInfo.InvariantCulture, $"sensorPose must be finite with a non-zero rotation, but was {sensorPose}."));
        }

        if (_transformed.Length < pointsInSensorFrame.Length)
        {
            _transformed = new Vector3[pointsInSensorFrame.Length];
        }

        Span<Vector3> world = _transformed.AsSpan(0, pointsInSensorFrame.Length);
        for (int i = 0; i < world.Length; i++)
        {
            world[i] = sensorPose.Transform(pointsInSensorFrame[i]);
        }

        return Integrate(world, sensorPose.Position);
    }

    /// <summary>Integrates a point cloud given in the world frame, measured from <paramref name="sensorOrigin"/>.</summary>
    /// <param name="points">Endpoints in the world frame, metres. Non-finite points are skipped and counted as no return.</param>
    /// <param name="sensorOrigin">Origin of every ray, world frame, metres.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The origin is not finite or lies outside the map; the map is then unchanged.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<Vector3> points, Vector3 sensorOrigin)
    {
        VoxelKey originKey = CheckOrigin(sensorOrigin, nameof(sensorOrigin));
        Begin();
        Mark(points, sensorOrigin, originKey);
        AfterMark?.Invoke();
        return Finish(points.Length, 0);
    }

    /// <summary>
    /// Integrates several scans taken at one instant from different origins (the cameras or LiDARs of one body) as one
    /// update: every voxel is updated at most once, a hit from any scan wins over misses from all of them, exactly as
    /// if the rays of all scans made one scan. Every origin is checked before the map changes.
    /// </summary>
    /// <param name="scans">World-frame endpoints with their sensor origins.</param>
    /// <returns>Counts of what was done, over all scans.</returns>
    /// <exception cref="ArgumentException">An origin is not finite or lies outside the map; the map is then unchanged.</exception>
    public IntegrationStats Integrate(IReadOnlyList<PointCloudScan> scans)
    {
        ArgumentNullException.ThrowIfNull(scans);
        return IntegrateScans(scans, 0);
    }

    /// <summary>
    /// Integrates one frame of a camera rig by ray casting, as one update (see <see cref="Integrate(IReadOnlyList{PointCloudScan})"/>):
    /// each camera's depth image is back-projected from its pose on the body, and a voxel seen by several cameras is
    /// updated once, a hit from any of them winning. (The projective <see cref="DepthImageIntegrator"/> treats each
    /// camera as its own observation instead.) Everything is checked before the map changes.
    /// </summary>
    /// <param name="rig">The cameras and their mountings on the body.</param>
    /// <param name="bodyPose">Pose of the body frame in the world frame (REP-103 body: x forward, y left, z up).</param>
    /// <param name="depths">One depth image per camera, metres along each optical axis; NaN, zero or negative is no return.</param>
    /// <returns>Counts of what was done over all cameras (pixels without a return count as no return).</returns>
    /// <exception cref="ArgumentException">The number of images differs from the rig's cameras, an image has the wrong size, or a pose is not finite or outside the map.</exception>
    public IntegrationStats Integrate(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(depths);
        rig.CheckFrame(bodyPose, depths);

        _rigScans.Clear();
        int noReturn = 0;
        for (int i = 0; i < depths.Count; i++)
        {
            PinholeIntrinsics k = rig.Cameras[i].Intrinsics;
            if (_rigPoints.Count <= i)
            {
                _rigPoints.Add([]);
            }

            if (_rigPoints[i].Length < k.PixelCount)
            {
                _rigPoints[i] = new Vector3[k.PixelCount];
            }

            Pose3 pose = rig.CameraPose(i, bodyPose);
            int n = DepthProjection.BackProject(depths[i].Span, k, pose, _rigPoints[i]);
            noReturn += k.PixelCount - n;
            _rigScans.Add(new PointCloudScan(_rigPoints[i].AsMemory(0, n), pose.Position));
        }

        return IntegrateScans(_rigScans, noReturn);
    }

    private IntegrationStats IntegrateScans(IReadOnlyList<PointCloudScan> scans, int extraNoReturn)
    {
        if (_originKeys.Length < scans.Count)
        {
            _originKeys = new VoxelKey[scans.Count];
        }

        int total = extraNoReturn;
        for (int i = 0; i < scans.Count; i++)
        {
            _originKeys[i] = CheckOrigin(scans[i].Origin, nameof(scans));
            total += scans[i].Points.Length;
        }

        Begin();
        for (int i = 0; i < scans.Count; i++)
        {
            Mark(scans[i].Points.Span, scans[i].Origin, _originKeys[i]);
        }

        return Finish(total, extraNoReturn);
    }

    private VoxelKey CheckOrigin(Vector3 origin, string paramName)
    {
        ThrowHelper.ThrowIfNotFinite(origin, paramName);
        if (!_map.TryGetKey(origin, out VoxelKey originKey))
        {
            ThrowHelper.Argument(paramName, string.Create(CultureInfo.InvariantCulture, $"sensor origin {origin} lies outside the map."));
        }

        return originKey;
    }

    private void Begin()
    {
        if (_scanOpen)
        {
            ClearStaleClaims();
        }

        _scanOpen = true;
        _map.MarkChanged();
        foreach (Worker w in _workers)
        {
            w.Reset();
        }
    }

    /// <summary>True from the start of a scan until its claims were applied and their bits cleared.</summary>
    private bool _scanOpen;

    /// <summary>Test hook: runs between marking and applying a scan (a test throws from it to interrupt a scan).</summary>
    internal Action? AfterMark { get; set; }

    /// <summary>
    /// Test hook: runs at the start of each run of rays with its index (a test throws from it to interrupt a scan while
    /// the threads' private grids hold marks).
    /// </summary>
    internal Action<int>? DuringMark { get; set; }

    /// <summary>
    /// Clears the claim bits of a scan that did not finish (an exception between marking and applying): left set, they
    /// would keep every later scan from claiming those voxels. The claim lists still name them.
    /// </summary>
    private void ClearStaleClaims()
    {
        foreach (Worker w in _workers)
        {
            w.ClearClaimBits(_marks);
        }

        _scanOpen = false;
    }

    /// <summary>Claims the voxels of one origin's rays; claims accumulate until <see cref="Finish"/> applies them once.</summary>
    private unsafe void Mark(ReadOnlySpan<Vector3> points, Vector3 sensorOrigin, VoxelKey originKey)
    {
        ReadOnlySpan<Vector3> rays = points;
        if (Mode == PointCloudMode.Discretized)
        {
            fixed (Vector3* p = points)
            {
                rays = Discretize(p, points.Length, originKey, _workers[0]);
            }
        }

        fixed (Vector3* p = rays)
        {
            // A few long runs of consecutive rays per thread rather than many short ones: threads whose rays are
            // neighbours claim words in the same bricks, and those cache lines then move between cores on every voxel.
            // Each thread takes the runs of its own part of the scan first (MarkJob.Claim).
            int threads = Math.Min(_workers.Length, _maxDegreeOfParallelism);
            int perJob = Math.Max(MinPointsPerJob, (rays.Length + (threads * JobsPerThread) - 1) / (threads * JobsPerThread));
            _markJob.Start(p, rays.Length, sensorOrigin, originKey, perJob, threads);
            WorkerPool.Shared.Run(_markJob, (rays.Length + perJob - 1) / perJob, _maxDegreeOfParallelism);
        }

        if (UseLaneWalk)
        {
            int rows = _spillJob.Start();
            if (rows > 0)
            {
                WorkerPool.Shared.Run(_spillJob, rows, _maxDegreeOfParallelism);
            }

            _spillJob.Finish();
        }
    }

    private IntegrationStats Finish(int measurements, int extraNoReturn)
    {
        // Misses first, while the hit bits still tell which voxels a hit claims; then the hits.
        WorkerPool.Shared.Run(_applyFree, _workers.Length, _maxDegreeOfParallelism);
        WorkerPool.Shared.Run(_applyHits, _workers.Length, _maxDegreeOfParallelism);

        int noReturn = extraNoReturn, outOfMap = 0, beyond = 0, occupied = 0, free = 0, claimed = 0;
        foreach (Worker w in _workers)
        {
            noReturn += w.NoReturn;
            outOfMap += w.OutOfMap;
            beyond += w.Beyond;
            occupied += w.HitCount;
            free += w.Applied;
            claimed += w.FreeCount;
        }

        // How a scan's claims split between threads changes from run to run; size every list for the whole scan so
        // that a scan like this one never grows a list again (no allocation in steady state).
        foreach (Worker w in _workers)
        {
            w.Reserve(claimed, occupied);
        }

        _scanOpen = false;
        return new IntegrationStats(measurements, noReturn, outOfMap, beyond, occupied, free);
    }

    /// <summary>Keys of the discretized mode's endpoint de-duplication 8 at a time (<see cref="KeyKernel"/>, where supported); false for one by one, its twin.</summary>
    internal bool UseKeyKernel { get; set; } = true;

    /// <summary>Chunks of the endpoint de-duplication; 0 (the default) picks one per thread. Tests set more chunks than this machine has cores.</summary>
    internal int DiscretizeChunks { get; set; }

    /// <summary>Points per chunk of the parallel endpoint de-duplication (at least; one chunk per worker).</summary>
    private const int PointsPerChunk = 8192;

    /// <summary>
    /// One ray per distinct endpoint voxel, cast to the first point of the scan that falls in it. OctoMap's discretize
    /// casts to the voxel centre instead; on the standard room the first point agrees better with the full insert
    /// (99.18% of known voxels classified alike, against 98.21% for centres, same number of rays). The scan is split in
    /// consecutive chunks de-duplicated in parallel (a quarter of the mode's time when it ran on one thread); the merge
    /// then keeps each voxel's first chunk, so the rays and their order are those of one pass over the whole scan.
    /// </summary>
    private unsafe ReadOnlySpan<Vector3> Discretize(Vector3* points, int count, VoxelKey originKey, Worker counts)
    {
        if (_unique.Length < count)
        {
            _unique = new Vector3[count];
        }

        int chunks = DiscretizeChunks > 0 ? Math.Min(DiscretizeChunks, count) : Math.Clamp(count / PointsPerChunk, 1, Math.Min(_workers.Length, _maxDegreeOfParallelism));
        if (_chunks.Length < chunks)
        {
            Array.Resize(ref _chunks, chunks);
        }

        for (int c = 0; c < chunks; c++)
        {
            _chunks[c] ??= new EndpointChunk();
        }

        _discretizeJob.Start(points, count, chunks, originKey);
        WorkerPool.Shared.Run(_discretizeJob, chunks, _maxDegreeOfParallelism);

        // The first chunk's voxels all stay; each later chunk keeps the voxels no earlier chunk has (lookups in the
        // earlier chunks' sets, read-only, so the chunks are filtered in parallel; a serial merge into one set was a
        // tenth of the mode's time on two cores). The rays and their order are those of one pass over the scan.
        if (chunks > 1)
        {
            WorkerPool.Shared.Run(_filterJob, (chunks - 1) * FilterJob.Parts, _maxDegreeOfParallelism);
        }

        int n = 0;
        for (int c = 0; c < chunks; c++)
        {
            EndpointChunk chunk = _chunks[c];
            counts.NoReturn += chunk.NoReturn;
            counts.OutOfMap += chunk.OutOfMap;
            if (c == 0)
            {
                chunk.Points.AsSpan(0, chunk.Count).CopyTo(_unique);
                n = chunk.Count;
                continue;
            }

            for (int i = 0; i < chunk.Count; i++)
            {
                if (chunk.Keys[i].X != FilterJob.Dropped)
                {
                    _unique[n++] = chunk.Points[i];
                }
            }
        }

        return _unique.AsSpan(0, n);
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
    private sealed class FilterJob(PointCloudIntegrator owner) : ParallelJob
    {
        public const int Parts = 4;

        /// <summary>Key x of a dropped voxel: below the map's index range.</summary>
        public const int Dropped = int.MinValue;

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
    private sealed unsafe class DiscretizeJob(PointCloudIntegrator owner) : ParallelJob
    {
        private Vector3* _points;
        private int _count;
        private int _chunks;
        private VoxelKey _originKey;

        public void Start(Vector3* points, int count, int chunks, VoxelKey originKey)
        {
            _points = points;
            _count = count;
            _chunks = chunks;
            _originKey = originKey;
        }

        public override void Execute(int index, int worker)
        {
            EndpointChunk chunk = owner._chunks[index];
            chunk.Set.Clear(); // the last scan's voxels (kept until every chunk was filtered against them)
            chunk.Set.Recenter(_originKey); // most endpoints lie within 128 voxels of the sensor (64 along z): a bit each
            int per = (_count + _chunks - 1) / _chunks;
            int start = index * per, end = Math.Min(_count, start + per);
            if (chunk.Keys.Length < per)
            {
                chunk.Keys = new VoxelKey[per];
                chunk.Points = new Vector3[per];
            }

            OccupancyMap map = owner._map;
            int n = 0, noReturn = 0, outOfMap = 0;
            var previous = new VoxelKey(int.MinValue, 0, 0);
            int i = start;
            if (KeyKernel.VectorSupported && owner.UseKeyKernel)
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
                    KeyKernel.Keys8(_points + i, map.InverseResolution, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out Vector256<int> finite, out Vector256<int> inMap);
                    uint fin = finite.ExtractMostSignificantBits(), ok = inMap.ExtractMostSignificantBits();
                    noReturn += 8 - BitOperations.PopCount(fin);
                    outOfMap += BitOperations.PopCount(fin & ~ok);
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

                    for (; fresh != 0; fresh &= fresh - 1)
                    {
                        int lane = BitOperations.TrailingZeroCount(fresh);
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
                    outOfMap++;
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

    /// <summary>Traces a share of the rays and claims the voxels they touch.</summary>
    private sealed unsafe class MarkJob(PointCloudIntegrator owner) : ParallelJob
    {
        private Vector3* _points;
        private int _count;
        private Vector3 _origin;
        private VoxelKey _originKey;

        private int _perJob;

        // The runs split in one part per thread, consecutive runs each (a padded cache line per part's counter): a thread
        // walks its own part first, then helps with the others' (Claim). Its rays then stay in its part of the sensor's
        // view, so its private grid and the spill's reads stay there too (with runs handed out in turn, every thread's
        // grid spanned the whole frustum), and threads share fewer claim words.
        private const int CounterStride = 16;
        private readonly int[] _partNext = new int[CounterStride * owner._workers.Length];
        private readonly int[] _partEnd = new int[owner._workers.Length];
        private int _parts;

        /// <param name="points">The rays' end points.</param>
        /// <param name="count">Points.</param>
        /// <param name="origin">Their origin.</param>
        /// <param name="originKey">The origin's voxel.</param>
        /// <param name="perJob">Points per run.</param>
        /// <param name="parts">Threads that may take part (at most the workers).</param>
        public void Start(Vector3* points, int count, Vector3 origin, VoxelKey originKey, int perJob, int parts)
        {
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
            owner.DuringMark?.Invoke(index);
            int run = Claim(worker);
            Worker w = owner._workers[worker];
            OccupancyMap map = owner._map;
            float maxRange = owner.MaxRange;
            w.BeginRays(_origin, _originKey, map.InverseResolution, maxRange);
            int i = run * _perJob, end = Math.Min(_count, (run + 1) * _perJob);
            if (w.SetsUpEight)
            {
                for (; i <= end - 8; i += 8)
                {
                    for (uint rest = w.SetupRays8(_points + i); rest != 0; rest &= rest - 1)
                    {
                        Point(w, map, i + BitOperations.TrailingZeroCount(rest), maxRange);
                    }
                }
            }

            for (; i < end; i++)
            {
                Point(w, map, i, maxRange);
            }

            w.FlushLanes();
            w.EndRays();
        }

        /// <summary>One point: counted as no return or outside the map, or its ray and hit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Point(Worker w, OccupancyMap map, int i, float maxRange)
        {
            Vector3 p = _points[i];
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || !float.IsFinite(p.Z))
            {
                w.NoReturn++;
                return;
            }

            if (!map.TryGetKey(p, out VoxelKey endKey))
            {
                w.OutOfMap++;
                return;
            }

            Ray(w, map, p, endKey, maxRange);
        }

        /// <summary>One point with its voxel: its ray (clipped at the maximum range) and its hit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Ray(Worker w, OccupancyMap map, Vector3 p, VoxelKey endKey, float maxRange)
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
                w.Beyond++;
                Vector3 clipped = _origin + (d / length * maxRange);
                if (map.TryGetKey(clipped, out VoxelKey clippedKey))
                {
                    w.MarkRay(_origin, clipped, _originKey, clippedKey);
                }
            }
        }
    }

    /// <summary>Applies one worker's claimed misses (skipping voxels hit in this scan) or hits, clearing their bits.</summary>
    private sealed class ApplyJob(PointCloudIntegrator owner, bool hits) : ParallelJob
    {
        public override void Execute(int index, int worker)
        {
            Worker source = owner._workers[index];
            OccupancyMap map = owner._map;
            SensorModel model = map.SensorModel;
            float lo = model.ClampMinLogOdds, hi = model.ClampMaxLogOdds;
            float delta = hits ? model.HitLogOdds : model.MissLogOdds;
            int[] list = hits ? source.Hits : source.Free;
            int count = hits ? source.HitCount : source.FreeCount;
            int plane = hits ? HitPlane : 0;
            int applied = 0;
            int n = 0;
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
                    n++;
                }
                while (n < count && list[n] >> 6 == word);

                int slot = entry >> 9, first = entry & 0x1C0;
                ref ulong words = ref owner._marks.Words(slot);
                Interlocked.And(ref Unsafe.Add(ref words, plane + (first >> 6)), ~run);
                if (!hits)
                {
                    run &= ~Volatile.Read(ref Unsafe.Add(ref words, HitPlane + (first >> 6))); // hit in this scan: the hit wins
                }

                float[] voxels = map.BrickAt(slot);
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

    /// <summary>One thread's share of a scan: its claim lists, counters, brick cache, and the lanes' queue and grid.</summary>
    private sealed unsafe partial class Worker(PointCloudIntegrator owner)
    {
        public int[] Free = new int[4096];
        public int[] Hits = new int[1024];
        public int FreeCount;
        public int HitCount;
        public int NoReturn;
        public int OutOfMap;
        public int Beyond;
        public int Applied;

        // Brick cache: consecutive voxels of a ray mostly share a brick, so the hash lookup runs once per brick crossed.
        private int _brickX = int.MinValue, _brickY, _brickZ, _slot;

        public void Reserve(int free, int hits)
        {
            if (Free.Length < free)
            {
                Array.Resize(ref Free, free);
            }

            if (Hits.Length < hits)
            {
                Array.Resize(ref Hits, hits);
            }
        }

        /// <summary>Clears the claim bits this worker's lists name (those of a scan that did not finish).</summary>
        public void ClearClaimBits(SlotWords marks)
        {
            for (int n = 0; n < FreeCount; n++)
            {
                int entry = Free[n];
                Unsafe.Add(ref marks.Words(entry >> 9), (entry & 511) >> 6) &= ~(1UL << entry);
            }

            for (int n = 0; n < HitCount; n++)
            {
                int entry = Hits[n];
                Unsafe.Add(ref marks.Words(entry >> 9), HitPlane + ((entry & 511) >> 6)) &= ~(1UL << entry);
            }
        }

        public void Reset()
        {
            FreeCount = HitCount = NoReturn = OutOfMap = Beyond = Applied = 0;
            _brickX = int.MinValue; // bricks may have been removed since the last scan
            _brickCache.AsSpan().Fill(new BrickCacheEntry { Key = -1 });
            ClearGrid();
            _queued = 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int SlotOf(int bx, int by, int bz)
        {
            if (bx != _brickX || by != _brickY || bz != _brickZ)
            {
                _slot = owner._map.GetOrAddBrick(bx, by, bz);
                _brickX = bx;
                _brickY = by;
                _brickZ = bz;
            }

            return _slot;
        }

        /// <summary>Longest walk the packed loop takes, in voxels per axis from the start (fields of 21 bits).</summary>
        private const int PackedReach = (1 << 20) - 1;

        private const ulong LocalMask = 7UL | (7UL << 21) | (7UL << 42);

        public unsafe void MarkRay(Vector3 origin, Vector3 end, VoxelKey originKey, VoxelKey endKey)
        {
            var walk = new VoxelTraversal(origin, end, owner._map.InverseResolution, originKey, endKey);
            if (walk.IsLast)
            {
                return;
            }

            if (Math.Abs(endKey.X - originKey.X) >= PackedReach || Math.Abs(endKey.Y - originKey.Y) >= PackedReach || Math.Abs(endKey.Z - originKey.Z) >= PackedReach)
            {
                MarkRayUnpacked(walk);
                return;
            }

            (long maxX, long maxY, long maxZ, long deltaX, long deltaY, long deltaZ, int stepX, int stepY, int stepZ, _, _, _) = walk;
            if (owner.UseLaneWalk)
            {
                Enqueue(endKey, stepX, stepY, stepZ, maxX, maxY, maxZ, deltaX, deltaY, deltaZ);
                return;
            }

            int x0 = walk.X, y0 = walk.Y, z0 = walk.Z;
            PackedWalk c = Packed(x0, y0, z0, endKey, stepX, stepY, stepZ, deltaX, deltaY, deltaZ);
            ulong position = ((1UL << 20) + (ulong)(x0 & 7)) | (((1UL << 20) + (ulong)(y0 & 7)) << 21) | (((1UL << 20) + (ulong)(z0 & 7)) << 42);
            int slot = SlotOf(x0 >> VoxelKey.BrickShift, y0 >> VoxelKey.BrickShift, z0 >> VoxelKey.BrickShift);
            Walk(c, position, maxX, maxY, maxZ, slot);
        }

        /// <summary>
        /// What the packed walk from <paramref name="x0"/>, <paramref name="y0"/>, <paramref name="z0"/> to
        /// <paramref name="endKey"/> does not change. The walk's state is kept in locals and stepped exactly as
        /// VoxelTraversal.Step does: this loop is the hot path of exact ray casting without the lanes. The voxel is one
        /// packed register, three 21-bit fields holding the offset from the start plus a bias of 2^20 + (start &amp; 7): a
        /// field's low 3 bits are then the voxel's index inside its brick, its other bits change exactly when the walk
        /// crosses into another brick, and one compare finds the end. With x, y and z and their ends in separate registers
        /// the JIT spilled half the state on every voxel (5.5 ns).
        /// </summary>
        private static PackedWalk Packed(int x0, int y0, int z0, VoxelKey endKey, int stepX, int stepY, int stepZ, long deltaX, long deltaY, long deltaZ)
        {
            ulong biasX = (1UL << 20) + (ulong)(x0 & 7), biasY = (1UL << 20) + (ulong)(y0 & 7), biasZ = (1UL << 20) + (ulong)(z0 & 7);
            return new PackedWalk
            {
                Last = (ulong)((long)biasX + (endKey.X - x0)) | ((ulong)((long)biasY + (endKey.Y - y0)) << 21) | ((ulong)((long)biasZ + (endKey.Z - z0)) << 42),
                MoveX = (ulong)(long)stepX,
                MoveY = (ulong)((long)stepY << 21),
                MoveZ = (ulong)((long)stepZ << 42),
                DeltaX = deltaX,
                DeltaY = deltaY,
                DeltaZ = deltaZ,
                LocalX = stepX,
                LocalY = stepY << 3,
                LocalZ = stepZ << 6,
                // Brick of a packed voxel: the start's brick plus how far its fields' upper bits have moved.
                BrickX0 = (x0 >> VoxelKey.BrickShift) - (int)(biasX >> 3),
                BrickY0 = (y0 >> VoxelKey.BrickShift) - (int)(biasY >> 3),
                BrickZ0 = (z0 >> VoxelKey.BrickShift) - (int)(biasZ >> 3),
            };
        }

        /// <summary>What a packed walk does not change: read from memory, so that the loop's registers hold its state.</summary>
        private struct PackedWalk
        {
            public ulong Last, MoveX, MoveY, MoveZ;
            public long DeltaX, DeltaY, DeltaZ;
            public int LocalX, LocalY, LocalZ, BrickX0, BrickY0, BrickZ0;
        }

        /// <summary>
        /// The walk itself, kept apart from its set-up so that the JIT sees only the loop's state (packed voxel, three
        /// crossing times, index in the brick, brick, its words and slot) and keeps it in registers.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Walk(in PackedWalk c, ulong position, long maxX, long maxY, long maxZ, int slot)
        {
            ulong brick = position & ~LocalMask;
            ulong* words = owner._marks.WordsPointer(slot);
            // The voxel's index inside its brick, kept by adding ±1, ±8 or ±64 per step; a step that leaves the brick
            // puts it out of line, but the brick test below catches that step and rebuilds it from the packed voxel.
            int local = LocalOf(position);
            while (true)
            {
                // The current voxel is marked unless it is the end voxel or the segment ends before leaving it (the
                // last voxel, as VoxelTraversal.IsLast); its exit time then also picks the axes to step.
                long t = Math.Min(Math.Min(maxX, maxY), maxZ);
                if ((position == c.Last) | (t > VoxelTraversal.FixedOne))
                {
                    return;
                }

                if ((position & ~LocalMask) != brick)
                {
                    brick = position & ~LocalMask;
                    local = LocalOf(position);
                    words = Enter(
                        c.BrickX0 + (int)((position & 0x1FFFFF) >> 3),
                        c.BrickY0 + (int)(((position >> 21) & 0x1FFFFF) >> 3),
                        c.BrickZ0 + (int)(((position >> 42) & 0x1FFFFF) >> 3),
                        out slot);
                }

                ulong* word = words + (local >> 6);
                ulong bit = 1UL << local;
                // Most voxels near the sensor are crossed by many rays: test before paying for the interlocked claim.
                if ((*word & bit) == 0 && (Interlocked.Or(ref *word, bit) & bit) == 0)
                {
                    Push(ref Free, ref FreeCount, (slot << 9) | local);
                }

                if (maxX == t)
                {
                    position += c.MoveX;
                    maxX += c.DeltaX;
                    local += c.LocalX;
                }

                if (maxY == t)
                {
                    position += c.MoveY;
                    maxY += c.DeltaY;
                    local += c.LocalY;
                }

                if (maxZ == t)
                {
                    position += c.MoveZ;
                    maxZ += c.DeltaZ;
                    local += c.LocalZ;
                }
            }
        }

        /// <summary>Index inside its brick of a packed voxel: the low 3 bits of each field.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int LocalOf(ulong position) => (int)((position & 7) | ((position >> 18) & 0x38) | ((position >> 36) & 0x1C0));

        /// <summary>
        /// The claim words of a brick the walk enters, through a small direct-mapped cache of this scan's bricks:
        /// neighbouring rays cross the same bricks, and the cache answers in two loads where the brick directory and the
        /// word chunks take eight dependent ones (a quarter of the walk's time before it).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ulong* Enter(int bx, int by, int bz, out int slot)
        {
            long key = ((long)(bx & 0x1FFFFF) << 42) | ((long)(by & 0x1FFFFF) << 21) | (long)(bz & 0x1FFFFF);
            int h = (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15UL)) >> (64 - BrickCacheBits));
            ref BrickCacheEntry entry = ref _brickCache[h];
            if (entry.Key == key)
            {
                slot = entry.Slot;
                return entry.Words;
            }

            slot = SlotOf(bx, by, bz);
            ulong* words = owner._marks.WordsPointer(slot);
            entry = new BrickCacheEntry { Key = key, Slot = slot, Words = words };
            return words;
        }

        private const int BrickCacheBits = 8;

        private readonly BrickCacheEntry[] _brickCache = NewBrickCache();

        private static BrickCacheEntry[] NewBrickCache()
        {
            var cache = new BrickCacheEntry[1 << BrickCacheBits];
            cache.AsSpan().Fill(new BrickCacheEntry { Key = -1 });
            return cache;
        }

        private struct BrickCacheEntry
        {
            public long Key; // −1: empty (real keys have bit 63 clear)
            public ulong* Words;
            public int Slot;
        }

        /// <summary>Walks longer than the packed fields reach (more than a million voxels along an axis).</summary>
        private void MarkRayUnpacked(VoxelTraversal walk)
        {
            SlotWords marks = owner._marks;
            while (true)
            {
                VoxelKey k = walk.Current;
                int slot = SlotOf(k.BrickX, k.BrickY, k.BrickZ);
                int local = k.LocalIndex;
                ref ulong word = ref Unsafe.Add(ref marks.Words(slot), local >> 6);
                ulong bit = 1UL << local;
                if ((word & bit) == 0 && (Interlocked.Or(ref word, bit) & bit) == 0)
                {
                    Push(ref Free, ref FreeCount, (slot << 9) | local);
                }

                if (!walk.Advance() || walk.IsLast)
                {
                    return;
                }
            }
        }

        public void MarkHit(VoxelKey key)
        {
            int slot = SlotOf(key.BrickX, key.BrickY, key.BrickZ);
            int local = key.LocalIndex;
            ref ulong word = ref Unsafe.Add(ref owner._marks.Words(slot), HitPlane + (local >> 6));
            ulong bit = 1UL << local;
            if ((word & bit) == 0 && (Interlocked.Or(ref word, bit) & bit) == 0)
            {
                Push(ref Hits, ref HitCount, (slot << 9) | local);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Push(ref int[] list, ref int count, int entry)
        {
            if (count == list.Length)
            {
                Array.Resize(ref list, list.Length * 2);
            }

            list[count++] = entry;
        }
    }
}
