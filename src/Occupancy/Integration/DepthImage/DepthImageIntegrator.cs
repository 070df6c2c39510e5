using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Occupancy;

/// <summary>
/// Integrates depth images from a pinhole camera projectively: every voxel whose centre lies in the camera frustum,
/// within the maximum range, is projected into the image and updated from the pixel it lands in. It becomes free
/// when the measured surface lies farther than the band behind it, or when the measurement is beyond the maximum
/// range; it gets a hit when the surface is within the band of it; voxels behind the surface are untouched.
/// In addition every voxel that holds a return (the pixel back-projected to a point, within the maximum range) gets
/// a hit, and a hit wins over a miss within the frame: so a surface seen at a grazing angle, which crosses voxels away
/// from their centres, is still marked, and the map agrees with ray casting the same frame.
/// Only bricks that intersect the frustum are visited; bricks are allocated only when one of their voxels is updated.
/// </summary>
/// <remarks>
/// Depth is the z coordinate in the camera's optical frame (z forward, x right, y down), in metres, row-major with
/// <see cref="PinholeIntrinsics.Width"/> pixels per row. Zero, negative, NaN and infinite depths are "no return":
/// counted and skipped. The camera pose maps the optical frame to the world frame (metres, z up).
/// A frame is spread over <see cref="MaxDegreeOfParallelism"/> cores (bricks are independent); the result does not
/// depend on the number of threads. Buffers are kept between calls, so steady-state integration allocates nothing.
/// Threads: every integration is a write of its map: calls from several threads, on one integrator or several, take
/// turns, and readers on other threads see each voxel as it was before or after a frame (a rig frame is one write; see
/// <see cref="OccupancyMap"/> and docs/threads.md).
/// The frame's passes live in DepthImageIntegrator.EndpointPass.cs (the voxels of the returns) and
/// DepthImageIntegrator.BrickPass.cs (every brick in the frustum, projected into the image).
/// </remarks>
public sealed partial class DepthImageIntegrator
{
    private const int EndpointWords = OccupancyMap.BrickVoxels / 64;
    private const int WordsPerSlot = EndpointWords + 1; // the endpoint mask, then a flags word
    private const ulong HasEndpoints = 1, Visited = 2;
    private const int RowsPerJob = DepthTiles.TileSize; // a job owns one row of depth tiles

    private readonly OccupancyMap _map;
    private readonly ProjectiveKernel _kernel;
    private readonly KernelWidth _endpointWidth;
    private readonly KernelWidth _tileWidth;
    private readonly BrickSkipping _skipping;
    private readonly ulong[] _noEndpoints = new ulong[EndpointWords];
    private readonly Worker[] _workers;
    private readonly DepthTiles _tiles = new();
    private readonly SplatJob _splatJob;
    private readonly BrickJob _brickJob;
    private float[] _converted = [];
    private float[] _slopes = [];
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Creates an integrator for one map.</summary>
    /// <param name="map">The map to update.</param>
    /// <param name="maxRange">Maximum range in metres (Euclidean distance from the camera); beyond it nothing is updated.</param>
    /// <param name="hitBand">
    /// Half-width of the band around the measured depth in which a voxel is a hit, metres along the optical axis;
    /// null for half a voxel (0.5 × resolution). Zero leaves only the voxels that hold a return as hits.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is not finite and positive, or the band is negative or not finite.</exception>
    public DepthImageIntegrator(OccupancyMap map, float maxRange, float? hitBand = null)
        : this(map, maxRange, hitBand, null, BrickSkipping.BehindAndInFront)
    {
    }

    /// <summary>Creates an integrator with a given projective kernel (null: the map's) and brick skipping.</summary>
    internal DepthImageIntegrator(OccupancyMap map, float maxRange, float? hitBand, ProjectiveKernel? kernel, BrickSkipping skipping)
    {
        ArgumentNullException.ThrowIfNull(map);
        ThrowHelper.ThrowIfNotPositiveFinite(maxRange, nameof(maxRange));
        float band = hitBand ?? (float)(0.5 * map.Resolution);
        if (!(band >= 0) || !float.IsFinite(band))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(hitBand), band, string.Create(CultureInfo.InvariantCulture, $"hitBand must be finite and at least zero, but was {band}."));
        }

        _map = map;
        MaxRange = maxRange;
        HitBand = band;
        _kernel = kernel ?? ProjectiveKernel.For(map.Kernels.Projective);
        _endpointWidth = map.Kernels.Endpoints;
        _tileWidth = _kernel.Width;
        _skipping = skipping;
        _workers = new Worker[WorkerPool.Shared.WorkerCount];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker();
        }

        _splatJob = new SplatJob(this);
        _brickJob = new BrickJob(this);
    }

    /// <summary>The map this integrator updates.</summary>
    public OccupancyMap Map => _map;

    /// <summary>Maximum range, metres.</summary>
    public float MaxRange { get; }

    /// <summary>Half-width of the hit band, metres along the optical axis.</summary>
    public float HitBand { get; }

    /// <summary>Most threads one frame may use (the calling thread included); defaults to the number of logical cores.</summary>
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

    /// <summary>Integrates a 16-bit depth image, such as a RealSense or Kinect frame or a TUM RGB-D PNG.</summary>
    /// <param name="depth">Depth in units of <paramref name="metresPerUnit"/>, row-major; 0 is no return.</param>
    /// <param name="metresPerUnit">Scale: 0.001 for millimetres, 1/5000 (0.0002) for TUM RGB-D.</param>
    /// <param name="intrinsics">Camera intrinsics; the image must have exactly Width × Height pixels.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The scale, intrinsics, image size or pose is invalid; the map is then unchanged.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<ushort> depth, float metresPerUnit, in PinholeIntrinsics intrinsics, in Pose3 cameraPose) => IntegrateCore(depth, metresPerUnit, intrinsics, cameraPose, null);

    /// <summary>Integrates a 16-bit depth image, such as a RealSense or Kinect frame or a TUM RGB-D PNG.</summary>
    /// <param name="depth">Depth in units of <paramref name="metresPerUnit"/>, row-major; 0 is no return.</param>
    /// <param name="metresPerUnit">Scale: 0.001 for millimetres, 1/5000 (0.0002) for TUM RGB-D.</param>
    /// <param name="intrinsics">Camera intrinsics; the image must have exactly Width × Height pixels.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The scale, intrinsics, image size or pose is invalid; the map is then unchanged.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<ushort> depth, float metresPerUnit, in PinholeIntrinsics intrinsics, in Pose3 cameraPose, double timestamp) => IntegrateCore(depth, metresPerUnit, intrinsics, cameraPose, timestamp);

    private unsafe IntegrationStats IntegrateCore(ReadOnlySpan<ushort> depth, float metresPerUnit, in PinholeIntrinsics intrinsics, in Pose3 cameraPose, double? timestamp)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(metresPerUnit, nameof(metresPerUnit));
        Validate(depth.Length, intrinsics, cameraPose);
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
        if (_converted.Length < depth.Length)
        {
            _converted = new float[depth.Length];
        }

        // Converted to metres inside the endpoint pass, a block of rows per job: in parallel, and just before the rows are
        // read (a serial pass of its own cost a third of a two-thread frame).
        fixed (ushort* raw = depth)
        {
            return IntegrateValidated(_converted.AsSpan(0, depth.Length), intrinsics, cameraPose, raw, metresPerUnit);
        }
    }

    /// <summary>
    /// <paramref name="metres"/>[i] = <paramref name="raw"/>[i] × <paramref name="scale"/> for <paramref name="count"/>
    /// pixels: the float product of the exact conversion, the same as the scalar expression, 16 pixels at a time.
    /// </summary>
    internal static unsafe void ToMetres(ushort* raw, float scale, float* metres, int count, KernelWidth width)
    {
        int i = 0;
        if (width >= KernelWidth.Vector256)
        {
            Vector256<float> s = Vector256.Create(scale);
            for (; i <= count - 16; i += 16)
            {
                Vector256<ushort> units = Vector256.Load(raw + i);
                (Vector256.ConvertToSingle(Vector256.WidenLower(units).AsInt32()) * s).Store(metres + i);
                (Vector256.ConvertToSingle(Vector256.WidenUpper(units).AsInt32()) * s).Store(metres + i + 8);
            }
        }

        for (; i < count; i++)
        {
            metres[i] = raw[i] * scale;
        }
    }

    /// <summary>Integrates a depth image in metres.</summary>
    /// <param name="depth">Depth along the optical axis, metres, row-major. NaN, infinite, zero or negative is no return.</param>
    /// <param name="intrinsics">Camera intrinsics; the image must have exactly Width × Height pixels.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The intrinsics, image size or pose is invalid; the map is then unchanged.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<float> depth, in PinholeIntrinsics intrinsics, in Pose3 cameraPose) => IntegrateCore(depth, intrinsics, cameraPose, null);

    /// <summary>Integrates a depth image in metres.</summary>
    /// <param name="depth">Depth along the optical axis, metres, row-major. NaN, infinite, zero or negative is no return.</param>
    /// <param name="intrinsics">Camera intrinsics; the image must have exactly Width × Height pixels.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The intrinsics, image size or pose is invalid; the map is then unchanged.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<float> depth, in PinholeIntrinsics intrinsics, in Pose3 cameraPose, double timestamp) => IntegrateCore(depth, intrinsics, cameraPose, timestamp);

    private IntegrationStats IntegrateCore(ReadOnlySpan<float> depth, in PinholeIntrinsics intrinsics, in Pose3 cameraPose, double? timestamp)
    {
        Validate(depth.Length, intrinsics, cameraPose);
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
        return IntegrateValidated(depth, intrinsics, cameraPose);
    }

    /// <summary>
    /// Integrates one frame of a camera rig: one depth image per camera, all taken at one body pose. Every image and pose
    /// is checked before the map is touched, so a bad frame leaves the map as it was. Each camera's image is one
    /// observation: where two cameras' views overlap, the voxels there are updated by both, as by two sensors.
    /// </summary>
    /// <param name="rig">The cameras and their mountings on the body.</param>
    /// <param name="bodyPose">Pose of the body frame in the world frame (REP-103 body: x forward, y left, z up).</param>
    /// <param name="depths">One depth image per camera, in the rig's order, metres along each optical axis; NaN is no return.</param>
    /// <returns>The counts summed over the cameras.</returns>
    /// <exception cref="ArgumentException">The number of images differs from the rig's cameras, an image has the wrong size, or the pose is not finite.</exception>
    public IntegrationStats Integrate(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths) => IntegrateCore(rig, bodyPose, depths, null);

    /// <summary>
    /// Integrates one frame of a camera rig: one depth image per camera, all taken at one body pose. Every image and pose
    /// is checked before the map is touched, so a bad frame leaves the map as it was. Each camera's image is one
    /// observation: where two cameras' views overlap, the voxels there are updated by both, as by two sensors.
    /// </summary>
    /// <param name="rig">The cameras and their mountings on the body.</param>
    /// <param name="bodyPose">Pose of the body frame in the world frame (REP-103 body: x forward, y left, z up).</param>
    /// <param name="depths">One depth image per camera, in the rig's order, metres along each optical axis; NaN is no return.</param>
    /// <param name="timestamp">Seconds: when the data was taken. The map's clock (<see cref="OccupancyMap.Time"/>) advances to it before the update, so that the bricks the update observes carry it (<see cref="OccupancyMap.GetLastObserved"/>); finite and not before the map's time, else an <see cref="ArgumentOutOfRangeException"/> and the map unchanged.</param>
    /// <returns>The counts summed over the cameras.</returns>
    /// <exception cref="ArgumentException">The number of images differs from the rig's cameras, an image has the wrong size, or the pose is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestamp"/> is not finite or lies before the map's time.</exception>
    public IntegrationStats Integrate(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths, double timestamp) => IntegrateCore(rig, bodyPose, depths, timestamp);

    private IntegrationStats IntegrateCore(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths, double? timestamp)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(depths);
        rig.CheckFrame(bodyPose, depths);
        for (int i = 0; i < depths.Count; i++)
        {
            Validate(depths[i].Length, rig.Cameras[i].Intrinsics, rig.CameraPose(i, bodyPose));
        }

        // One write for the whole rig frame: no other writer runs between its cameras, and ray-cast summaries stay stale
        // until all of them are in (readers may see a voxel where cameras overlap after some of them: docs/threads.md).
        using OccupancyMap.WriteScope write = _map.BeginWrite(timestamp);
        IntegrationStats total = default;
        for (int i = 0; i < depths.Count; i++)
        {
            IntegrationStats s = IntegrateValidated(depths[i].Span, rig.Cameras[i].Intrinsics, rig.CameraPose(i, bodyPose));
            total = new IntegrationStats(
                total.Measurements + s.Measurements,
                total.NoReturn + s.NoReturn,
                total.OutOfMap + s.OutOfMap,
                total.BeyondMaxRange + s.BeyondMaxRange,
                total.OccupiedUpdates + s.OccupiedUpdates,
                total.FreeUpdates + s.FreeUpdates);
        }

        return total;
    }

    private void Validate(int length, in PinholeIntrinsics intrinsics, in Pose3 cameraPose)
    {
        if (!intrinsics.IsValid)
        {
            ThrowHelper.Argument(nameof(intrinsics), "intrinsics are uninitialised: construct them with a width, height and focal lengths.");
        }

        if (length != intrinsics.PixelCount)
        {
            ThrowHelper.BufferSize("depth", length, intrinsics.PixelCount, string.Create(CultureInfo.InvariantCulture, $"a {intrinsics.Width}x{intrinsics.Height} image"));
        }

        if (!cameraPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(cameraPose), string.Create(CultureInfo.InvariantCulture, $"cameraPose must be finite with a non-zero rotation, but was {cameraPose}."));
        }

        Vector3 c = cameraPose.Position;
        double limit = OccupancyMap.MaxVoxelIndex * _map.Resolution;
        if (Math.Abs(c.X) + MaxRange > limit || Math.Abs(c.Y) + MaxRange > limit || Math.Abs(c.Z) + MaxRange > limit)
        {
            ThrowHelper.Argument(nameof(cameraPose), string.Create(CultureInfo.InvariantCulture, $"the frustum of a camera at {c} with range {MaxRange} m leaves the map."));
        }
    }

    private unsafe IntegrationStats IntegrateValidated(ReadOnlySpan<float> depth, in PinholeIntrinsics k, in Pose3 pose) => IntegrateValidated(depth, k, pose, null, 0);

    /// <param name="depth">The image in metres; with <paramref name="raw"/>, the buffer the endpoint pass fills from it.</param>
    /// <param name="k">Intrinsics.</param>
    /// <param name="pose">Pose of the optical frame in the world frame.</param>
    /// <param name="raw">A 16-bit image to convert into <paramref name="depth"/> first, or null.</param>
    /// <param name="scale">Metres per unit of <paramref name="raw"/>.</param>
    private unsafe IntegrationStats IntegrateValidated(ReadOnlySpan<float> depth, in PinholeIntrinsics k, in Pose3 pose, ushort* raw, float scale)
    {
        try
        {
            return IntegrateFrame(depth, k, pose, raw, scale);
        }
        catch
        {
            ClearStaleEndpoints();
            throw;
        }
    }

    private unsafe IntegrationStats IntegrateFrame(ReadOnlySpan<float> depth, in PinholeIntrinsics k, in Pose3 pose, ushort* raw, float scale)
    {
        foreach (Worker w in _workers)
        {
            w.Reset();
        }

        double res = _map.Resolution;
        float band = HitBand;
        var frame = new ProjectiveFrame
        {
            Fx = k.Fx, Fy = k.Fy, Cx = k.Cx, Cy = k.Cy, Width = k.Width, Height = k.Height,
            MaxRangeSquared = MaxRange * MaxRange, Band = band, MinDepth = 1e-4f,
            Hit = _map.SensorModel.HitLogOdds, Miss = _map.SensorModel.MissLogOdds,
            ClampMin = _map.SensorModel.ClampMinLogOdds, ClampMax = _map.SensorModel.ClampMaxLogOdds,
        };
        var projector = new BackProjector(k, pose);
        DepthSummary summary;

        fixed (float* depthPtr = depth)
        fixed (ulong* noEndpoints = _noEndpoints)
        {
            // 1. Endpoints first, so the brick pass can let a voxel's hit win over its miss.
            if (_slopes.Length < k.Width)
            {
                _slopes = new float[k.Width];
            }

            for (int u = 0; u < k.Width; u++)
            {
                _slopes[u] = projector.ColumnSlope(u);
            }

            // The per-frame passes over the image (returns, deepest return, tile maxima) run inside the marking jobs.
            _tiles.Prepare(k.Width, k.Height, _tileWidth);
            _splatJob.Start(depthPtr, k, projector, raw, scale);
            WorkerPool.Shared.Run(_splatJob, (k.Height + RowsPerJob - 1) / RowsPerJob, _maxDegreeOfParallelism);
            MergeEndpoints();
            summary = default;
            foreach (Worker w in _workers)
            {
                summary = DepthSummary.Combine(summary, w.Summary);
            }

            if (summary.Valid == 0)
            {
                return new IntegrationStats(depth.Length, depth.Length, 0, 0, 0, 0);
            }

            // 2. The bricks that meet the frustum: behind the deepest return plus the band (or the voxel holding it)
            //    nothing is updated, nor beyond the maximum range.
            float zFar = summary.AnyBeyondRange ? MaxRange : Math.Min(MaxRange, summary.MaxDepth + Math.Max(band, (float)res));
            Quaternion toCamera = Quaternion.Conjugate(pose.Rotation);
            Vector3 stepX = Vector3.Transform(new Vector3((float)res, 0, 0), toCamera);
            Vector3 stepY = Vector3.Transform(new Vector3(0, (float)res, 0), toCamera);
            Vector3 stepZ = Vector3.Transform(new Vector3(0, 0, (float)res), toCamera);
            var frustum = new Frustum(k, pose, zFar, MaxRange, res, stepX, stepY, stepZ);

            // 3. Each brick projected into the image, in parallel, one row of the frustum's brick box per index (the rows
            //    test their bricks against the frustum themselves: done once before the pass, this was a tenth of a frame);
            //    bricks wholly behind the surfaces they face are skipped, bricks wholly in front are updated without
            //    reading the image.
            _brickJob.Start(depthPtr, (byte*)noEndpoints, frame, frustum, pose.Position, toCamera, stepX, stepY, stepZ);
            WorkerPool.Shared.Run(_brickJob, _brickJob.RowCount, _maxDegreeOfParallelism);
        }

        int hits = 0, updated = 0;
        foreach (Worker w in _workers)
        {
            for (int i = 0; i < w.NewBrickCount; i++)
            {
                Candidate c = w.NewBrickCandidates[i];
                int slot = _map.AdoptBrick(c.X, c.Y, c.Z, w.NewBricks[i]); // copied: the array serves as a later frame's scratch
                _map.MarkObserved(slot);
            }

            hits += w.Hits;
            updated += w.Updated;
        }

        int leftover = FinishEndpoints();
        return new IntegrationStats(depth.Length, depth.Length - summary.Valid, 0, summary.BeyondRange, hits + leftover, updated - hits);
    }

}
