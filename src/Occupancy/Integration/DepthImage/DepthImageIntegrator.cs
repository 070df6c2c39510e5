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
/// One call at a time per integrator.
/// </remarks>
public sealed class DepthImageIntegrator
{
    private const int EndpointWords = OccupancyMap.BrickVoxels / 64;
    private const int WordsPerSlot = EndpointWords + 1; // the endpoint mask, then a flags word
    private const ulong HasEndpoints = 1, Visited = 2;
    private const int RowsPerJob = DepthTiles.TileSize; // a job owns one row of depth tiles

    private readonly OccupancyMap _map;
    private readonly ProjectiveKernel _kernel;
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
        : this(map, maxRange, hitBand, ProjectiveKernel.Best)
    {
    }

    internal DepthImageIntegrator(OccupancyMap map, float maxRange, float? hitBand, ProjectiveKernel kernel)
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
        _kernel = kernel;
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

    /// <summary>Name of the instruction-set strategy in use (scalar, vector128 or vector256).</summary>
    public string KernelName => _kernel.Name;

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
    public unsafe IntegrationStats Integrate(ReadOnlySpan<ushort> depth, float metresPerUnit, in PinholeIntrinsics intrinsics, in Pose3 cameraPose)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(metresPerUnit, nameof(metresPerUnit));
        Validate(depth.Length, intrinsics, cameraPose);
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
    internal static unsafe void ToMetres(ushort* raw, float scale, float* metres, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
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
    public IntegrationStats Integrate(ReadOnlySpan<float> depth, in PinholeIntrinsics intrinsics, in Pose3 cameraPose)
    {
        Validate(depth.Length, intrinsics, cameraPose);
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
    public IntegrationStats Integrate(CameraRig rig, in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(depths);
        rig.CheckFrame(bodyPose, depths);
        for (int i = 0; i < depths.Count; i++)
        {
            Validate(depths[i].Length, rig.Cameras[i].Intrinsics, rig.CameraPose(i, bodyPose));
        }

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

    /// <summary>True from the start of a frame until its endpoint planes were applied and cleared.</summary>
    private bool _frameOpen;

    /// <summary>Test hook: runs after the endpoints of a frame are marked (a test throws from it to interrupt a frame).</summary>
    internal Action? AfterEndpoints { get; set; }

    /// <summary>
    /// Clears the endpoint planes of a frame that did not finish (an exception part way): left set, their voxels would
    /// get hits in the next frame. The workers' touched lists still name the bricks.
    /// </summary>
    private void ClearStaleEndpoints()
    {
        foreach (Worker w in _workers)
        {
            for (int n = 0; n < w.TouchedCount; n++)
            {
                System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref w.Endpoints.Words(w.Touched[n]), WordsPerSlot).Clear();
            }
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
        if (_frameOpen)
        {
            ClearStaleEndpoints();
        }

        _frameOpen = true;
        _map.MarkChanged();
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
            _tiles.Prepare(k.Width, k.Height);
            _splatJob.Start(depthPtr, k, projector, raw, scale);
            WorkerPool.Shared.Run(_splatJob, (k.Height + RowsPerJob - 1) / RowsPerJob, _maxDegreeOfParallelism);
            MergeEndpoints();
            AfterEndpoints?.Invoke();
            summary = default;
            foreach (Worker w in _workers)
            {
                summary = DepthSummary.Combine(summary, w.Summary);
            }

            if (summary.Valid == 0)
            {
                _frameOpen = false;
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

        int hits = 0, updated = 0, inFront = 0;
        foreach (Worker w in _workers)
        {
            for (int i = 0; i < w.NewBrickCount; i++)
            {
                Candidate c = w.NewBrickCandidates[i];
                _map.AdoptBrick(c.X, c.Y, c.Z, w.NewBricks[i]);
                w.NewBricks[i] = null!;
            }

            hits += w.Hits;
            updated += w.Updated;
            inFront += w.InFront;
        }

        BricksInFrontLastFrame = inFront;
        int leftover = FinishEndpoints();
        _frameOpen = false;
        return new IntegrationStats(depth.Length, depth.Length - summary.Valid, 0, summary.BeyondRange, hits + leftover, updated - hits);
    }

    /// <summary>
    /// Folds the other workers' endpoint planes into worker 0's, which the brick pass reads. Workers mark into planes
    /// of their own because an interlocked OR per new endpoint voxel cost about a tenth of the frame.
    /// </summary>
    private void MergeEndpoints()
    {
        Worker first = _workers[0];
        for (int i = 1; i < _workers.Length; i++)
        {
            Worker w = _workers[i];
            for (int n = 0; n < w.TouchedCount; n++)
            {
                int slot = w.Touched[n];
                Span<ulong> from = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref w.Endpoints.Words(slot), WordsPerSlot);
                Span<ulong> to = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref first.Endpoints.Words(slot), WordsPerSlot);
                if ((to[EndpointWords] & HasEndpoints) == 0)
                {
                    to[EndpointWords] = HasEndpoints;
                    first.Touch(slot);
                }

                for (int j = 0; j < EndpointWords; j++)
                {
                    to[j] |= from[j];
                }

                from.Clear();
            }

            w.TouchedCount = 0;
        }
    }

    /// <summary>
    /// Gives a hit to endpoint voxels in bricks the brick pass did not visit (their centres lie outside the
    /// frustum), then clears the per-frame marks. Returns the number of such hits.
    /// </summary>
    private int FinishEndpoints()
    {
        SensorModel model = _map.SensorModel;
        int hits = 0;
        Worker first = _workers[0];
        {
            Worker w = first;
            for (int n = 0; n < w.TouchedCount; n++)
            {
                int slot = w.Touched[n];
                Span<ulong> words = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref first.Endpoints.Words(slot), WordsPerSlot);
                if ((words[EndpointWords] & Visited) == 0)
                {
                    float[] brick = _map.BrickAt(slot);
                    for (int i = 0; i < EndpointWords; i++)
                    {
                        for (ulong bits = words[i]; bits != 0; bits &= bits - 1)
                        {
                            int local = (i * 64) + BitOperations.TrailingZeroCount(bits);
                            brick[local] = OccupancyMap.ApplyUpdate(brick[local], model.HitLogOdds, model.ClampMinLogOdds, model.ClampMaxLogOdds);
                            hits++;
                        }
                    }
                }

                words.Clear();
            }
        }

        return hits;
    }


    private readonly record struct Candidate(int X, int Y, int Z, Vector3 Origin);

    /// <summary>Marks the voxel of every return within range, a block of image rows per index.</summary>
    private sealed unsafe class SplatJob(DepthImageIntegrator owner) : ParallelJob
    {
        private float* _depth;
        private PinholeIntrinsics _k;
        private BackProjector _projector;

        private ushort* _raw;
        private float _scale;

        public void Start(float* depth, in PinholeIntrinsics k, in BackProjector projector, ushort* raw, float scale)
        {
            _depth = depth;
            _k = k;
            _projector = projector;
            _raw = raw;
            _scale = scale;
        }

        public override void Execute(int index, int worker)
        {
            Worker w = owner._workers[worker];
            OccupancyMap map = owner._map;
            int width = _k.Width;
            w.EnsureRow(width);
            int rowEnd = Math.Min(_k.Height, (index + 1) * RowsPerJob);
            if (_raw != null)
            {
                int first = index * RowsPerJob * width;
                ToMetres(_raw + first, _scale, _depth + first, (rowEnd * width) - first);
            }

            fixed (float* slopes = owner._slopes, columnMax = w.ColumnMax, columnMin = w.ColumnMin)
            fixed (int* k0x = w.KeyX, k0y = w.KeyY, k0z = w.KeyZ, k1x = w.AboveX, k1y = w.AboveY, k1z = w.AboveZ)
            fixed (ulong* fresh = w.Fresh)
            fixed (long* cacheKeys = w.CacheKeys)
            fixed (nint* cacheWords = w.CacheWords)
            fixed (int* missedPixels = w.Missed)
            {
                new Span<float>(columnMax, width).Clear();
                new Span<float>(columnMin, width).Fill(float.MaxValue);
                var row = new EndpointRow { X = k0x, Y = k0y, Z = k0z, Fresh = fresh, ColumnMax = columnMax, ColumnMin = columnMin };
                for (int v = index * RowsPerJob; v < rowEnd; v++)
                {
                    EndpointKernel.Row(_depth + (v * width), slopes, width, _projector.RowSlope(v), _projector, owner.MaxRange, map.InverseResolution, ref row);
                    int* kx = row.X, ky = row.Y, kz = row.Z;
                    int missed = MarkRow(kx, ky, kz, fresh, (width + 63) / 64, cacheKeys, cacheWords, missedPixels);
                    for (int m = 0; m < missed; m++)
                    {
                        // A brick the cache did not hold: look it up (adding it if new) and mark the pixel.
                        int u = missedPixels[m];
                        int x = kx[u], y = ky[u], z = kz[u];
                        int bx = x >> VoxelKey.BrickShift, by = y >> VoxelKey.BrickShift, bz = z >> VoxelKey.BrickShift;
                        int entry = CacheEntry(bx, by, bz);
                        long packed = VoxelKey.PackBrick(bx, by, bz);
                        if (cacheKeys[entry] != packed)
                        {
                            cacheWords[entry] = (nint)EnterBrick(w, map, bx, by, bz);
                            cacheKeys[entry] = packed;
                        }

                        int local = (x & 7) | ((y & 7) << 3) | ((z & 7) << 6);
                        ((ulong*)cacheWords[entry])[local >> 6] |= 1UL << local;
                    }

                    // This row's keys are the next row's "above"; the buffers swap.
                    row.AboveX = kx;
                    row.AboveY = ky;
                    row.AboveZ = kz;
                    row.X = kx == k0x ? k1x : k0x;
                    row.Y = ky == k0y ? k1y : k0y;
                    row.Z = kz == k0z ? k1z : k0z;
                }

                w.Summary = DepthSummary.Combine(w.Summary, new DepthSummary(row.Valid, row.MaxDepth, row.Beyond));
                owner._tiles.SetTileRow(index, new ReadOnlySpan<float>(columnMax, width), new ReadOnlySpan<float>(columnMin, width));
            }
        }
    }

    /// <summary>
    /// Marks the voxels of a row's fresh pixels whose bricks the cache holds; returns how many pixels it left, listed in
    /// <paramref name="missed"/>, for the caller to mark after looking their bricks up. No branch on "same voxel as
    /// before" or "same brick as before": both went either way at random (half of the fresh pixels of the standard room
    /// change brick: a row crosses a surface's bricks back and forth) and their mispredictions cost more than a second OR
    /// of the same bit. The cache is indexed by the low bits of the brick coordinates (26 000 fresh pixels a frame, 130
    /// bricks, 250 misses). No call either: with the look-up in the loop, the JIT kept the loop's state on the stack.
    /// </summary>
    private static unsafe int MarkRow(int* kx, int* ky, int* kz, ulong* fresh, int words, long* cacheKeys, nint* cacheWords, int* missed)
    {
        int count = 0;
        for (int w64 = 0; w64 < words; w64++)
        {
            for (ulong bits = fresh[w64]; bits != 0; bits &= bits - 1)
            {
                int u = (w64 * 64) + BitOperations.TrailingZeroCount(bits);
                int x = kx[u], y = ky[u], z = kz[u];
                int bx = x >> VoxelKey.BrickShift, by = y >> VoxelKey.BrickShift, bz = z >> VoxelKey.BrickShift;
                int entry = CacheEntry(bx, by, bz);
                if (cacheKeys[entry] != VoxelKey.PackBrick(bx, by, bz))
                {
                    missed[count++] = u;
                    continue;
                }

                int local = (x & 7) | ((y & 7) << 3) | ((z & 7) << 6);
                ((ulong*)cacheWords[entry])[local >> 6] |= 1UL << local;
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CacheEntry(int bx, int by, int bz) => (bx & 7) | ((by & 7) << 3) | ((bz & 7) << 6);

    /// <summary>
    /// The endpoint words of brick (<paramref name="bx"/>, <paramref name="by"/>, <paramref name="bz"/>) in this worker's
    /// plane, the brick added to the map if new and listed as touched (for bricks the marking cache does not hold).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe ulong* EnterBrick(Worker w, OccupancyMap map, int bx, int by, int bz)
    {
        int slot = map.GetOrAddBrick(bx, by, bz);
        ulong* words = w.Endpoints.WordsPointer(slot); // the planes' chunks are pinned
        if ((words[EndpointWords] & HasEndpoints) == 0)
        {
            words[EndpointWords] |= HasEndpoints;
            w.Touch(slot);
        }

        return words;
    }

    /// <summary>Runs the projective kernel on the bricks of one row of the frustum's brick box that meet the frustum.</summary>
    private sealed unsafe class BrickJob(DepthImageIntegrator owner) : ParallelJob
    {
        private float* _depth;
        private byte* _noEndpoints;
        private ProjectiveFrame _frame;
        private Frustum _frustum;
        private Vector3 _cameraPosition;
        private Quaternion _toCamera;
        private Vector3 _stepX, _stepY, _stepZ;
        private Vector3 _brickStepX;
        private int _rowsY;

        /// <summary>Rows of the frustum's brick box (one per y and z).</summary>
        public int RowCount { get; private set; }

        public void Start(float* depth, byte* noEndpoints, in ProjectiveFrame frame, in Frustum frustum, Vector3 cameraPosition, Quaternion toCamera, Vector3 stepX, Vector3 stepY, Vector3 stepZ)
        {
            _depth = depth;
            _noEndpoints = noEndpoints;
            _frame = frame;
            _frustum = frustum;
            _cameraPosition = cameraPosition;
            _toCamera = toCamera;
            _stepX = stepX;
            _stepY = stepY;
            _stepZ = stepZ;
            _brickStepX = VoxelKey.BrickSize * stepX;
            _rowsY = frustum.BrickMax.Y - frustum.BrickMin.Y + 1;
            RowCount = _rowsY * (frustum.BrickMax.Z - frustum.BrickMin.Z + 1);
        }

        public override void Execute(int index, int worker)
        {
            Worker w = owner._workers[worker];
            OccupancyMap map = owner._map;
            ProjectiveKernel kernel = owner._kernel;
            int by = _frustum.BrickMin.Y + (index % _rowsY), bz = _frustum.BrickMin.Z + (index / _rowsY);
            int bx0 = _frustum.BrickMin.X;
            (int first, int last) = _frustum.RowSpan(Origin(bx0, by, bz), _brickStepX, _frustum.BrickMax.X - bx0 + 1);
            for (int bx = bx0 + first; bx <= bx0 + last; bx++)
            {
                Vector3 origin = Origin(bx, by, bz);
                if (!_frustum.Intersects(origin))
                {
                    continue;
                }

                var c = new Candidate(bx, by, bz, origin);
                int slot = map.FindBrick(c.X, c.Y, c.Z);
                bool hasEndpoints = false;
                ref ulong words = ref Unsafe.NullRef<ulong>();
                if (slot >= 0)
                {
                    words = ref owner._workers[0].Endpoints.Words(slot);
                    hasEndpoints = (Volatile.Read(ref Unsafe.Add(ref words, EndpointWords)) & HasEndpoints) != 0;
                }

                float behind = float.PositiveInfinity;
                Place place = owner.CullBehindSurfaces ? PlaceOf(c.Origin, hasEndpoints, out behind) : Place.Across;
                if (place == Place.Behind)
                {
                    continue;
                }

                var projection = new BrickProjection(c.Origin, _stepX, _stepY, _stepZ) { Behind = behind };

                int n;
                if (slot >= 0)
                {
                    ref ulong flags = ref Unsafe.Add(ref words, EndpointWords);
                    if (hasEndpoints)
                    {
                        Interlocked.Or(ref flags, Visited);
                    }

                    fixed (float* brick = map.BrickAt(slot))
                    fixed (ulong* mask = &words)
                    {
                        byte* endpoints = hasEndpoints ? (byte*)mask : _noEndpoints;
                        n = kernel.IntegrateBrick(brick, projection, _frame, place == Place.InFront ? null : _depth, endpoints);
                        w.InFront += place == Place.InFront ? 1 : 0;
                    }
                }
                else
                {
                    float[] scratch = w.Scratch;
                    fixed (float* brick = scratch)
                    {
                        n = kernel.IntegrateBrick(brick, projection, _frame, place == Place.InFront ? null : _depth, _noEndpoints);
                        w.InFront += place == Place.InFront ? 1 : 0;
                    }

                    if ((n & 0xFFFF) > 0)
                    {
                        w.KeepScratch(c);
                    }
                }

                w.Updated += n & 0xFFFF;
                w.Hits += n >> 16;
            }
        }

        /// <summary>Optical-frame centre of voxel (0, 0, 0) of a brick; relative to the camera in double, for large worlds.</summary>
        private Vector3 Origin(int bx, int by, int bz)
        {
            double res = owner._map.Resolution;
            const int brickSize = VoxelKey.BrickSize;
            var relative = new Vector3(
                (float)((((bx * brickSize) + 0.5) * res) - _cameraPosition.X),
                (float)((((by * brickSize) + 0.5) * res) - _cameraPosition.Y),
                (float)((((bz * brickSize) + 0.5) * res) - _cameraPosition.Z));
            return Vector3.Transform(relative, _toCamera);
        }

        /// <summary>Where a brick lies against the surfaces its voxel centres project onto.</summary>
        private enum Place
        {
            /// <summary>The surfaces may cross it, or it is too near the camera to tell: each voxel reads its pixel.</summary>
            Across,

            /// <summary>Every voxel centre lies farther than the deepest return plus the band, or none projects into the image: nothing changes.</summary>
            Behind,

            /// <summary>Every voxel centre lies nearer than the shallowest depth minus the band, and every pixel there has a return: each voxel that projects into the image is free.</summary>
            InFront,
        }

        /// <summary>
        /// Places a brick from the tiles of the pixels its voxel centres can project into: behind when every centre is
        /// farther along the optical axis than the deepest return (plus the band) of those tiles, or none of them has a
        /// return, or the brick projects outside the image (only for a brick without endpoints, whose hits must still be
        /// given); in front when every centre is nearer than the shallowest depth of those tiles minus the band and
        /// none of their pixels lacks a return (when <see cref="DepthImageIntegrator.SkipReadsInFront"/>).
        /// </summary>
        /// <param name="origin">Optical-frame centre of the brick's voxel (0, 0, 0).</param>
        /// <param name="hasEndpoints">Whether the brick holds endpoints of this frame.</param>
        /// <param name="behind">
        /// For a brick across the surfaces, <see cref="BrickProjection.Behind"/>: the deepest return of those tiles plus
        /// the band and a margin (1 mm and 10 ppm, far above the rounding of the kernel's depth differences and range
        /// products); +∞ when unknown.
        /// </param>
        private Place PlaceOf(Vector3 origin, bool hasEndpoints, out float behind)
        {
            behind = float.PositiveInfinity;
            const float halfSpan = (VoxelKey.BrickSize - 1) * 0.5f;
            Vector3 ex = halfSpan * _stepX, ey = halfSpan * _stepY, ez = halfSpan * _stepZ;
            Vector3 centre = origin + ex + ey + ez;
            float reachZ = MathF.Abs(ex.Z) + MathF.Abs(ey.Z) + MathF.Abs(ez.Z);
            float zMin = centre.Z - reachZ, zMax = centre.Z + reachZ;
            if (zMin <= 0.05f)
            {
                return Place.Across; // too close to project safely
            }

            ProjectiveFrame f = _frame;
            float uMin = float.MaxValue, uMax = float.MinValue, vMin = float.MaxValue, vMax = float.MinValue;
            for (int corner = 0; corner < 8; corner++)
            {
                Vector3 p = centre + ((corner & 1) == 0 ? -ex : ex) + ((corner & 2) == 0 ? -ey : ey) + ((corner & 4) == 0 ? -ez : ez);
                float u = (f.Fx * p.X / p.Z) + f.Cx, v = (f.Fy * p.Y / p.Z) + f.Cy;
                uMin = MathF.Min(uMin, u);
                uMax = MathF.Max(uMax, u);
                vMin = MathF.Min(vMin, v);
                vMax = MathF.Max(vMax, v);
            }

            // Pixels the centres can land in (rounding to the nearest pixel), one pixel of margin, clamped to the image.
            int u0 = Math.Max(0, (int)MathF.Floor(uMin - 0.5f)), u1 = Math.Min(f.Width - 1, (int)MathF.Ceiling(uMax + 0.5f));
            int v0 = Math.Max(0, (int)MathF.Floor(vMin - 0.5f)), v1 = Math.Min(f.Height - 1, (int)MathF.Ceiling(vMax + 0.5f));
            if (u0 > u1 || v0 > v1)
            {
                return hasEndpoints ? Place.Across : Place.Behind; // projects outside the image
            }

            DepthTiles tiles = owner._tiles;
            float deepest = tiles.DeepestOfTiles(u0, u1, v0, v1);
            if (!hasEndpoints)
            {
                // Behind when nearer than zMin there is no return: the deepest return needed to keep the brick is zMin − band.
                float keep = zMin - f.Band - 1e-3f;
                if (deepest < keep)
                {
                    return Place.Behind;
                }
            }

            behind = deepest + f.Band + 1e-3f + (deepest * 1e-5f);

            // In front when every pixel there holds a return deeper than zMax + band: each centre's sd = d − z exceeds the band.
            float needed = zMax + f.Band + 1e-3f;
            return owner.SkipReadsInFront && tiles.ShallowestOfTiles(u0, u1, v0, v1) > needed ? Place.InFront : Place.Across;
        }
    }

    /// <summary>Skip bricks that lie wholly behind the surfaces they face (they cannot change). Off only in tests.</summary>
    internal bool CullBehindSurfaces { get; set; } = true;

    /// <summary>
    /// Update bricks that lie wholly in front of the surfaces they face without reading the image (every voxel that
    /// projects into it is free); needs <see cref="CullBehindSurfaces"/>. Off only in tests, which compare both ways.
    /// </summary>
    internal bool SkipReadsInFront { get; set; } = true;

    /// <summary>Bricks of the last frame updated as wholly in front of the surfaces (for tests: the path is taken).</summary>
    internal int BricksInFrontLastFrame { get; private set; }

    /// <summary>One thread's share of a frame.</summary>
    private sealed class Worker
    {
        public readonly SlotWords Endpoints = new(WordsPerSlot);
        public int[] Touched = new int[256];
        public int TouchedCount;
        public Candidate[] NewBrickCandidates = new Candidate[64];
        public float[][] NewBricks = new float[64][];
        public int NewBrickCount;
        public int Updated;
        public int Hits;
        public int InFront;
        public float[] Scratch = NewScratch();
        public int[] KeyX = [];
        public int[] KeyY = [];
        public int[] KeyZ = [];
        public int[] AboveX = [];
        public int[] AboveY = [];
        public int[] AboveZ = [];
        public ulong[] Fresh = [];
        public float[] ColumnMax = [];
        public float[] ColumnMin = [];
        public int[] Missed = [];
        public long[] CacheKeys = new long[512];
        public nint[] CacheWords = new nint[512];

        /// <summary>Row buffers for the endpoint kernel, kept between frames.</summary>
        public void EnsureRow(int width)
        {
            if (KeyX.Length < width)
            {
                KeyX = new int[width];
                KeyY = new int[width];
                KeyZ = new int[width];
                AboveX = new int[width];
                AboveY = new int[width];
                AboveZ = new int[width];
                Fresh = new ulong[(width + 63) / 64];
                ColumnMax = new float[width];
                ColumnMin = new float[width];
                Missed = new int[width];
            }
        }

        public DepthSummary Summary;

        public void Reset()
        {
            TouchedCount = NewBrickCount = Updated = Hits = InFront = 0;
            Summary = default;
            CacheKeys.AsSpan().Fill(-1); // no brick packs to -1; slots may be reused between frames, so the cache lasts one
        }

        public void Touch(int slot)
        {
            if (TouchedCount == Touched.Length)
            {
                Array.Resize(ref Touched, TouchedCount * 2);
            }

            Touched[TouchedCount++] = slot;
        }

        /// <summary>The scratch brick received updates: keep it as <paramref name="candidate"/>'s new brick.</summary>
        public void KeepScratch(Candidate candidate)
        {
            if (NewBrickCount == NewBricks.Length)
            {
                Array.Resize(ref NewBricks, NewBrickCount * 2);
                Array.Resize(ref NewBrickCandidates, NewBrickCount * 2);
            }

            NewBricks[NewBrickCount] = Scratch;
            NewBrickCandidates[NewBrickCount++] = candidate;
            Scratch = NewScratch();
        }

        private static float[] NewScratch()
        {
            var scratch = GC.AllocateUninitializedArray<float>(OccupancyMap.BrickVoxels);
            scratch.AsSpan().Fill(float.NaN);
            return scratch;
        }
    }
}
