using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy;

/// <summary>
/// Integrates point clouds with a known sensor origin by ray casting, with OctoMap's <c>insertPointCloud</c>
/// semantics: every voxel an exact traversal passes from the origin up to (not including) the endpoint's voxel gets
/// one miss, the endpoint's voxel gets one hit, and within one scan a voxel is updated at most once, a hit winning
/// over a miss. Points beyond <see cref="MaxRange"/> clear space up to the maximum range and mark nothing.
/// Clouds come in the world frame (<see cref="IntegrateWorldFrame(ReadOnlySpan{Vector3}, Vector3)"/>: metres,
/// right-handed, z up, with the sensor's origin) or in the sensor's frame with its pose
/// (<see cref="IntegrateSensorFrame(ReadOnlySpan{Vector3}, Pose3)"/>).
/// </summary>
/// <remarks>
/// <para>
/// A scan is spread over <see cref="MaxDegreeOfParallelism"/> cores: rays are traced in parallel, each voxel's
/// first touch claimed with an interlocked bit (<see cref="ScanClaims"/>), then the claimed voxels are updated in
/// parallel. The result does not depend on the number of threads. Buffers are kept between calls: in steady state an
/// integration allocates nothing. With AVX2, each thread walks eight rays at once (in one 512-bit register with
/// AVX-512) and marks the voxels within about 16 bricks of the origin's brick (6 m at 5 cm) in a walk grid of one byte
/// per voxel, taken from a process-wide pool for the scan and given back at its end.
/// </para>
/// <para>
/// Threads: every integration is a write of its map: calls from several threads, on one integrator or several, take
/// turns, and readers on other threads see each voxel as it was before or after a scan (see <see cref="OccupancyMap"/>
/// and docs/threads.md). A scan that throws part way leaves every voxel as it was.
/// </para>
/// </remarks>
public sealed class PointCloudIntegrator
{
    /// <summary>Fewest rays in one run: fewer and the hand-out costs more than the rays.</summary>
    private const int MinPointsPerJob = 256;

    /// <summary>Runs of rays per thread in a scan (enough to even out rays of different lengths).</summary>
    private const int JobsPerThread = 16;

    private readonly OccupancyMap _map;
    private readonly SlotWords _marks = new(ScanClaims.WordsPerBrick);
    private readonly ScanWorker[] _workers;
    private readonly EndpointDeduplication _endpoints;
    private readonly RayMarkJob _markJob;
    private readonly ScanClaims.ApplyJob _applyFree;
    private readonly ScanClaims.ApplyJob _applyHits;
    private readonly WalkGridSpill _spill;
    private readonly bool _lanes;
    private Vector3[] _transformed = [];
    private VoxelKey[] _originKeys = [];
    private readonly List<PointCloudScan> _rigScans = [];
    private readonly List<Vector3[]> _rigPoints = [];
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Creates an integrator for one map.</summary>
    /// <param name="map">The map to update.</param>
    /// <param name="maxRange">Maximum range in metres; points farther from the origin only clear space up to it. Infinity for none.</param>
    /// <param name="mode">Exact traversal per point, or one ray per distinct endpoint voxel (to its centre, as OctoMap's discretize, or to its first point).</param>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRange"/> is not positive, or <paramref name="mode"/> is not defined.</exception>
    public PointCloudIntegrator(OccupancyMap map, float maxRange = float.PositiveInfinity, PointCloudMode mode = PointCloudMode.Exact)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (!(maxRange > 0))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(maxRange), maxRange, string.Create(CultureInfo.InvariantCulture, $"maxRange must be greater than zero (or infinity for none), but was {maxRange}."));
        }

        if (mode is not (PointCloudMode.Exact or PointCloudMode.Discretized or PointCloudMode.FirstPointPerVoxel))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(mode), mode, "mode must be Exact, Discretized or FirstPointPerVoxel.");
        }

        _map = map;
        MaxRange = maxRange;
        Mode = mode;
        _lanes = map.Kernels.Walk != KernelWidth.Scalar;
        _workers = new ScanWorker[WorkerPool.Shared.WorkerCount];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new ScanWorker(map, _marks, map.Kernels);
        }

        _endpoints = new EndpointDeduplication(map);
        _markJob = new RayMarkJob(_workers, map);
        _applyFree = new ScanClaims.ApplyJob(_workers, map, _marks, hits: false);
        _applyHits = new ScanClaims.ApplyJob(_workers, map, _marks, hits: true);
        _spill = new WalkGridSpill(_workers);
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
    /// Integrates a point cloud given in the sensor's frame, with the sensor's pose in the world frame: each point is
    /// transformed by the pose, and every ray starts at the pose's position.
    /// </summary>
    /// <param name="points">Endpoints in the sensor frame, metres. Non-finite points are skipped and counted as no return.</param>
    /// <param name="sensorPose">Pose of the sensor frame in the world frame.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The pose is not finite or lies outside the map; the map is then unchanged.</exception>
    public IntegrationStats IntegrateSensorFrame(ReadOnlySpan<Vector3> points, Pose3 sensorPose) => IntegrateSensorFrameCore(points, sensorPose, null);

    /// <summary>
    /// Integrates a point cloud given in the sensor's frame, with the sensor's pose in the world frame: each point is
    /// transformed by the pose, and every ray starts at the pose's position.
    /// </summary>
    /// <param name="points">Endpoints in the sensor frame, metres. Non-finite points are skipped and counted as no return.</param>
    /// <param name="sensorPose">Pose of the sensor frame in the world frame.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The pose is not finite or lies outside the map; the map is then unchanged.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats IntegrateSensorFrame(ReadOnlySpan<Vector3> points, Pose3 sensorPose, double timestamp) => IntegrateSensorFrameCore(points, sensorPose, timestamp);

    private IntegrationStats IntegrateSensorFrameCore(ReadOnlySpan<Vector3> points, Pose3 sensorPose, double? timestamp)
    {
        if (!sensorPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(sensorPose), string.Create(CultureInfo.InvariantCulture, $"sensorPose must be finite with a non-zero rotation, but was {sensorPose}."));
        }

        VoxelKey originKey = CheckOrigin(sensorPose.Position, nameof(sensorPose));
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
        if (_transformed.Length < points.Length)
        {
            _transformed = new Vector3[points.Length];
        }

        Span<Vector3> world = _transformed.AsSpan(0, points.Length);
        for (int i = 0; i < world.Length; i++)
        {
            world[i] = sensorPose.Transform(points[i]);
        }

        return IntegrateOne(world, sensorPose.Position, originKey);
    }

    /// <summary>Integrates a point cloud given in the world frame, measured from <paramref name="sensorOrigin"/>.</summary>
    /// <param name="points">Endpoints in the world frame, metres. Non-finite points are skipped and counted as no return.</param>
    /// <param name="sensorOrigin">Origin of every ray, world frame, metres.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The origin is not finite or lies outside the map; the map is then unchanged.</exception>
    public IntegrationStats IntegrateWorldFrame(ReadOnlySpan<Vector3> points, Vector3 sensorOrigin) => IntegrateWorldFrameCore(points, sensorOrigin, null);

    /// <summary>Integrates a point cloud given in the world frame, measured from <paramref name="sensorOrigin"/>.</summary>
    /// <param name="points">Endpoints in the world frame, metres. Non-finite points are skipped and counted as no return.</param>
    /// <param name="sensorOrigin">Origin of every ray, world frame, metres.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The origin is not finite or lies outside the map; the map is then unchanged.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats IntegrateWorldFrame(ReadOnlySpan<Vector3> points, Vector3 sensorOrigin, double timestamp) => IntegrateWorldFrameCore(points, sensorOrigin, timestamp);

    private IntegrationStats IntegrateWorldFrameCore(ReadOnlySpan<Vector3> points, Vector3 sensorOrigin, double? timestamp)
    {
        VoxelKey originKey = CheckOrigin(sensorOrigin, nameof(sensorOrigin));
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
        return IntegrateOne(points, sensorOrigin, originKey);
    }

    /// <summary>
    /// Integrates several scans taken at one instant from different origins (the cameras or LiDARs of one body) as one
    /// update: every voxel is updated at most once, a hit from any scan wins over misses from all of them, exactly as
    /// if the rays of all scans made one scan. Points are in the world frame. Every origin is checked before the map changes.
    /// </summary>
    /// <param name="scans">World-frame endpoints with their sensor origins.</param>
    /// <returns>Counts of what was done, over all scans.</returns>
    /// <exception cref="ArgumentException">An origin is not finite or lies outside the map; the map is then unchanged.</exception>
    public IntegrationStats IntegrateWorldFrame(IReadOnlyList<PointCloudScan> scans) => IntegrateWorldFrameCore(scans, null);

    /// <summary>
    /// Integrates several scans taken at one instant from different origins (the cameras or LiDARs of one body) as one
    /// update: every voxel is updated at most once, a hit from any scan wins over misses from all of them, exactly as
    /// if the rays of all scans made one scan. Points are in the world frame. Every origin is checked before the map changes.
    /// </summary>
    /// <param name="scans">World-frame endpoints with their sensor origins.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>Counts of what was done, over all scans.</returns>
    /// <exception cref="ArgumentException">An origin is not finite or lies outside the map; the map is then unchanged.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats IntegrateWorldFrame(IReadOnlyList<PointCloudScan> scans, double timestamp) => IntegrateWorldFrameCore(scans, timestamp);

    private IntegrationStats IntegrateWorldFrameCore(IReadOnlyList<PointCloudScan> scans, double? timestamp)
    {
        ArgumentNullException.ThrowIfNull(scans);
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
        return IntegrateScans(scans, 0);
    }

    /// <summary>
    /// Integrates one frame of a camera rig by ray casting, as one update (see <see cref="IntegrateWorldFrame(IReadOnlyList{PointCloudScan})"/>):
    /// each camera's depth image is back-projected from its pose on the body, and a voxel seen by several cameras is
    /// updated once, a hit from any of them winning. (The projective <see cref="DepthImageIntegrator"/> treats each
    /// camera as its own observation instead.) Everything is checked before the map changes.
    /// </summary>
    /// <param name="rig">The cameras and their mountings on the body.</param>
    /// <param name="bodyPose">Pose of the body frame in the world frame (REP-103 body: x forward, y left, z up).</param>
    /// <param name="depths">One depth image per camera, metres along each optical axis; NaN, zero or negative is no return.</param>
    /// <returns>Counts of what was done over all cameras (pixels without a return count as no return).</returns>
    /// <exception cref="ArgumentException">The number of images differs from the rig's cameras, an image has the wrong size, or a pose is not finite or outside the map.</exception>
    public IntegrationStats Integrate(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths) => IntegrateCore(rig, bodyPose, depths, null);

    /// <summary>
    /// Integrates one frame of a camera rig by ray casting, as one update (see <see cref="IntegrateWorldFrame(IReadOnlyList{PointCloudScan})"/>):
    /// each camera's depth image is back-projected from its pose on the body, and a voxel seen by several cameras is
    /// updated once, a hit from any of them winning. (The projective <see cref="DepthImageIntegrator"/> treats each
    /// camera as its own observation instead.) Everything is checked before the map changes.
    /// </summary>
    /// <param name="rig">The cameras and their mountings on the body.</param>
    /// <param name="bodyPose">Pose of the body frame in the world frame (REP-103 body: x forward, y left, z up).</param>
    /// <param name="depths">One depth image per camera, metres along each optical axis; NaN, zero or negative is no return.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>Counts of what was done over all cameras (pixels without a return count as no return).</returns>
    /// <exception cref="ArgumentException">The number of images differs from the rig's cameras, an image has the wrong size, or a pose is not finite or outside the map.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats Integrate(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths, double timestamp) => IntegrateCore(rig, bodyPose, depths, timestamp);

    private IntegrationStats IntegrateCore(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths, double? timestamp)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(depths);
        rig.CheckFrame(bodyPose, depths);
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
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

    private IntegrationStats IntegrateOne(ReadOnlySpan<Vector3> points, Vector3 origin, VoxelKey originKey)
    {
        Begin();
        try
        {
            Mark(points, origin, originKey);
            return Finish(points.Length, 0);
        }
        catch
        {
            Abandon();
            throw;
        }
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
        try
        {
            for (int i = 0; i < scans.Count; i++)
            {
                Mark(scans[i].Points.Span, scans[i].Origin, _originKeys[i]);
            }

            return Finish(total, extraNoReturn);
        }
        catch
        {
            Abandon();
            throw;
        }
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
        foreach (ScanWorker w in _workers)
        {
            w.Reset();
        }
    }

    /// <summary>
    /// A scan threw part way (before its claims were applied, so no voxel changed): its claim bits are cleared, or they
    /// would keep every later scan from claiming those voxels, and walk grids that may hold marks are dropped.
    /// </summary>
    private void Abandon()
    {
        foreach (ScanWorker w in _workers)
        {
            w.Abandon();
        }

        _marks.DropChunks(); // a claim that failed before it was listed would stay set
    }

    /// <summary>Claims the voxels of one origin's rays; claims accumulate until <see cref="Finish"/> applies them once.</summary>
    private unsafe void Mark(ReadOnlySpan<Vector3> points, Vector3 sensorOrigin, VoxelKey originKey)
    {
        ReserveDirectory(points, sensorOrigin);
        if (Mode == PointCloudMode.Exact)
        {
            MarkRays(points, sensorOrigin, originKey);
        }
        else
        {
            try
            {
                ReadOnlySpan<Vector3> rays;
                fixed (Vector3* p = points)
                {
                    rays = _endpoints.Run(p, points.Length, sensorOrigin, originKey, MaxRange, _maxDegreeOfParallelism, _workers[0], centres: Mode == PointCloudMode.Discretized);
                }

                MarkRays(rays, sensorOrigin, originKey);
            }
            finally
            {
                _endpoints.Release();
            }
        }

        if (_lanes)
        {
            int rows = _spill.Start();
            if (rows > 0)
            {
                WorkerPool.Shared.Run(_spill, rows, _maxDegreeOfParallelism);
            }

            _spill.Finish();
        }
    }

    /// <summary>
    /// Grows the map's brick directory once to the box of the scan's rays, where it would grow again and again as the
    /// rays reach out (<see cref="OccupancyMap.ReserveDirectory"/>). The box is that of the origin and about
    /// <see cref="DirectorySamples"/> points spread over the scan, each cut at the range: a hint, so a point outside it
    /// grows the directory as before (around both), and a few microseconds a scan however many points it has.
    /// </summary>
    private void ReserveDirectory(ReadOnlySpan<Vector3> points, Vector3 origin)
    {
        Vector3 low = origin, high = origin;
        float range = MaxRange;
        int stride = Math.Max(1, points.Length / DirectorySamples);
        for (int i = 0; i < points.Length; i += stride)
        {
            Vector3 d = points[i] - origin;
            float length = d.Length();
            if (!float.IsFinite(length))
            {
                continue; // no return (counted where the ray is cast)
            }

            Vector3 p = length > range ? origin + (d * (range / length)) : points[i];
            low = Vector3.Min(low, p);
            high = Vector3.Max(high, p);
        }

        _map.ReserveDirectory(low, high);
    }

    /// <summary>How many points <see cref="ReserveDirectory"/> looks at, about.</summary>
    private const int DirectorySamples = 4096;

    /// <summary>Traces the rays in runs over the threads (each claiming in its walk grid or the shared planes).</summary>
    private unsafe void MarkRays(ReadOnlySpan<Vector3> rays, Vector3 sensorOrigin, VoxelKey originKey)
    {
        fixed (Vector3* p = rays)
        {
            // A few long runs of consecutive rays per thread rather than many short ones: threads whose rays are
            // neighbours claim words in the same bricks, and those cache lines then move between cores on every voxel.
            // Each thread takes the runs of its own part of the scan first (RayMarkJob.Claim).
            int threads = Math.Min(_workers.Length, _maxDegreeOfParallelism);
            int perJob = Math.Max(MinPointsPerJob, (rays.Length + (threads * JobsPerThread) - 1) / (threads * JobsPerThread));
            _markJob.Start(p, rays.Length, sensorOrigin, originKey, perJob, threads, MaxRange);
            WorkerPool.Shared.Run(_markJob, (rays.Length + perJob - 1) / perJob, _maxDegreeOfParallelism);
        }
    }

    private IntegrationStats Finish(int measurements, int extraNoReturn)
    {
        // Misses first, while the hit bits still tell which voxels a hit claims; then the hits.
        WorkerPool.Shared.Run(_applyFree, _workers.Length, _maxDegreeOfParallelism);
        WorkerPool.Shared.Run(_applyHits, _workers.Length, _maxDegreeOfParallelism);

        int noReturn = extraNoReturn, outOfMap = 0, beyond = 0, occupied = 0, free = 0, claimed = 0;
        foreach (ScanWorker w in _workers)
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
        foreach (ScanWorker w in _workers)
        {
            w.Reserve(claimed, occupied);
            w.ReturnLists();
        }

        _marks.ReturnChunks(); // every claim bit is clear again

        return new IntegrationStats(measurements, noReturn, outOfMap, beyond, occupied, free);
    }
}
