using System;
using System.Globalization;
using System.Numerics;
using Occupancy.Geometry;
using Occupancy.Internal;
using Occupancy.Map;
using Occupancy.Sensors;

namespace Occupancy.Integration;

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
/// Buffers are kept between calls, so steady-state integration allocates nothing. Not thread-safe.
/// </remarks>
public sealed class DepthImageIntegrator
{
    private readonly OccupancyMap _map;
    private readonly ProjectiveKernel _kernel;
    private readonly ulong[] _noEndpoints = new ulong[EndpointWords];
    private float[] _scratch = NewScratch();
    private float[] _converted = [];

    // Endpoint voxels of the frame being integrated: 512 bits per brick slot, the slots that have any, and per-slot
    // flags (1: has endpoints, 2: updated by the frustum pass). Cleared through the touched list after each frame.
    private ulong[] _endpoints = new ulong[256 * EndpointWords];
    private byte[] _slotFlags = new byte[256];
    private int[] _touched = new int[256];
    private int _touchedCount;

    private const int EndpointWords = OccupancyMap.BrickVoxels / 64;

    /// <summary>Creates an integrator for one map.</summary>
    /// <param name="map">The map to update.</param>
    /// <param name="maxRange">Maximum range in metres (Euclidean distance from the camera); beyond it nothing is updated.</param>
    /// <param name="hitBand">
    /// Half-width of the band around the measured depth in which a voxel is a hit, metres along the optical axis;
    /// null for half a voxel (0.5 × resolution). Zero leaves only the voxels that hold a return as hits.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A range or band is not finite and positive.</exception>
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
    }

    /// <summary>The map this integrator updates.</summary>
    public OccupancyMap Map => _map;

    /// <summary>Maximum range, metres.</summary>
    public float MaxRange { get; }

    /// <summary>Half-width of the hit band, metres along the optical axis.</summary>
    public float HitBand { get; }

    /// <summary>Name of the instruction-set strategy in use (scalar, vector128 or vector256).</summary>
    public string KernelName => _kernel.Name;

    /// <summary>Integrates a 16-bit depth image, such as a RealSense or Kinect frame or a TUM RGB-D PNG.</summary>
    /// <param name="depth">Depth in units of <paramref name="metresPerUnit"/>, row-major; 0 is no return.</param>
    /// <param name="metresPerUnit">Scale: 0.001 for millimetres, 1/5000 (0.0002) for TUM RGB-D.</param>
    /// <param name="intrinsics">Camera intrinsics; the image must have exactly Width × Height pixels.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <returns>Counts of what was done.</returns>
    /// <exception cref="ArgumentException">The scale, intrinsics, image size or pose is invalid; the map is then unchanged.</exception>
    public IntegrationStats Integrate(ReadOnlySpan<ushort> depth, float metresPerUnit, in PinholeIntrinsics intrinsics, in Pose3 cameraPose)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(metresPerUnit, nameof(metresPerUnit));
        Validate(depth.Length, intrinsics, cameraPose);
        if (_converted.Length < depth.Length)
        {
            _converted = new float[depth.Length];
        }

        Span<float> metres = _converted.AsSpan(0, depth.Length);
        for (int i = 0; i < depth.Length; i++)
        {
            metres[i] = depth[i] * metresPerUnit;
        }

        return IntegrateValidated(metres, intrinsics, cameraPose);
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

    private unsafe IntegrationStats IntegrateValidated(ReadOnlySpan<float> depth, in PinholeIntrinsics k, in Pose3 pose)
    {
        DepthSummary summary = DepthSummary.Compute(depth, k, MaxRange);
        if (summary.Valid == 0)
        {
            return new IntegrationStats(depth.Length, depth.Length, 0, 0, 0, 0);
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

        // Endpoints first, so the frustum pass can let a voxel's hit win over its miss.
        SplatEndpoints(depth, k, pose);

        // Far plane: nothing is updated behind the deepest return plus the band (or the voxel holding it), nor beyond the maximum range.
        float zFar = summary.AnyBeyondRange ? MaxRange : Math.Min(MaxRange, summary.MaxDepth + Math.Max(band, (float)res));
        var frustum = new Frustum(k, pose, zFar, MaxRange, res);
        Quaternion toCamera = Quaternion.Conjugate(pose.Rotation);
        Vector3 stepX = Vector3.Transform(new Vector3((float)res, 0, 0), toCamera);
        Vector3 stepY = Vector3.Transform(new Vector3(0, (float)res, 0), toCamera);
        Vector3 stepZ = Vector3.Transform(new Vector3(0, 0, (float)res), toCamera);
        Vector3 cameraPosition = pose.Position;
        int brickSize = VoxelKey.BrickSize;
        int hits = 0, updated = 0;

        fixed (float* depthPtr = depth)
        fixed (ulong* endpoints = _endpoints)
        fixed (ulong* noEndpoints = _noEndpoints)
        {
            for (int bz = frustum.BrickMin.Z; bz <= frustum.BrickMax.Z; bz++)
            {
                for (int by = frustum.BrickMin.Y; by <= frustum.BrickMax.Y; by++)
                {
                    for (int bx = frustum.BrickMin.X; bx <= frustum.BrickMax.X; bx++)
                    {
                        // Centre of voxel (0, 0, 0) of the brick, relative to the camera, in double for large worlds.
                        var relative = new Vector3(
                            (float)(((bx * brickSize) + 0.5) * res - cameraPosition.X),
                            (float)(((by * brickSize) + 0.5) * res - cameraPosition.Y),
                            (float)(((bz * brickSize) + 0.5) * res - cameraPosition.Z));
                        Vector3 origin = Vector3.Transform(relative, toCamera);
                        if (!frustum.Intersects(origin, stepX, stepY, stepZ))
                        {
                            continue;
                        }

                        var projection = new BrickProjection(origin, stepX, stepY, stepZ);
                        int slot = _map.FindBrick(bx, by, bz);
                        int n;
                        if (slot >= 0)
                        {
                            byte* mask = (byte*)noEndpoints;
                            if (slot < _slotFlags.Length && _slotFlags[slot] != 0)
                            {
                                mask = (byte*)(endpoints + (slot * EndpointWords));
                                _slotFlags[slot] |= 2;
                            }

                            fixed (float* brick = _map.BrickAt(slot))
                            {
                                n = _kernel.IntegrateBrick(brick, projection, frame, depthPtr, mask);
                            }
                        }
                        else
                        {
                            fixed (float* brick = _scratch)
                            {
                                n = _kernel.IntegrateBrick(brick, projection, frame, depthPtr, (byte*)noEndpoints);
                            }

                            if ((n & 0xFFFF) > 0)
                            {
                                _map.AdoptBrick(bx, by, bz, _scratch);
                                _scratch = NewScratch();
                            }
                        }

                        updated += n & 0xFFFF;
                        hits += n >> 16;
                    }
                }
            }
        }

        int leftover = FinishEndpoints();
        return new IntegrationStats(depth.Length, depth.Length - summary.Valid, 0, summary.BeyondRange, hits + leftover, updated - hits);
    }

    /// <summary>Marks the voxel of every return within range, allocating its brick when needed.</summary>
    private void SplatEndpoints(ReadOnlySpan<float> depth, in PinholeIntrinsics k, in Pose3 pose)
    {
        Vector3 origin = pose.Position;
        float maxRange = MaxRange;
        int width = k.Width;
        int cachedX = int.MinValue, cachedY = 0, cachedZ = 0, slot = -1;
        for (int v = 0; v < k.Height; v++)
        {
            ReadOnlySpan<float> row = depth.Slice(v * width, width);
            for (int u = 0; u < width; u++)
            {
                float d = row[u];
                if (!(d > 0f) || !(d <= float.MaxValue))
                {
                    continue;
                }

                Vector3 p = DepthProjection.PixelToWorld(u, v, d, k, pose);
                if (!((p - origin).Length() <= maxRange) || !_map.TryGetKey(p, out VoxelKey key))
                {
                    continue;
                }

                int bx = key.BrickX, by = key.BrickY, bz = key.BrickZ;
                if (bx != cachedX || by != cachedY || bz != cachedZ)
                {
                    slot = _map.GetOrAddBrick(bx, by, bz);
                    cachedX = bx;
                    cachedY = by;
                    cachedZ = bz;
                    if (slot >= _slotFlags.Length)
                    {
                        int size = Math.Max(_slotFlags.Length * 2, slot + 1);
                        Array.Resize(ref _slotFlags, size);
                        Array.Resize(ref _endpoints, size * EndpointWords);
                    }

                    if (_slotFlags[slot] == 0)
                    {
                        _slotFlags[slot] = 1;
                        if (_touchedCount == _touched.Length)
                        {
                            Array.Resize(ref _touched, _touchedCount * 2);
                        }

                        _touched[_touchedCount++] = slot;
                    }
                }

                int local = key.LocalIndex;
                _endpoints[(slot * EndpointWords) + (local >> 6)] |= 1UL << local;
            }
        }
    }

    /// <summary>
    /// Gives a hit to endpoint voxels in bricks the frustum pass did not visit (their centres lie outside the
    /// frustum), then clears the per-frame marks. Returns the number of such hits.
    /// </summary>
    private int FinishEndpoints()
    {
        SensorModel model = _map.SensorModel;
        int hits = 0;
        for (int n = 0; n < _touchedCount; n++)
        {
            int slot = _touched[n];
            Span<ulong> mask = _endpoints.AsSpan(slot * EndpointWords, EndpointWords);
            if ((_slotFlags[slot] & 2) == 0)
            {
                float[] brick = _map.BrickAt(slot);
                for (int w = 0; w < EndpointWords; w++)
                {
                    for (ulong bits = mask[w]; bits != 0; bits &= bits - 1)
                    {
                        int local = (w * 64) + BitOperations.TrailingZeroCount(bits);
                        brick[local] = OccupancyMap.ApplyUpdate(brick[local], model.HitLogOdds, model.ClampMinLogOdds, model.ClampMaxLogOdds);
                        hits++;
                    }
                }
            }

            mask.Clear();
            _slotFlags[slot] = 0;
        }

        _touchedCount = 0;
        return hits;
    }

    private static float[] NewScratch()
    {
        var scratch = GC.AllocateUninitializedArray<float>(OccupancyMap.BrickVoxels);
        scratch.AsSpan().Fill(float.NaN);
        return scratch;
    }
}
