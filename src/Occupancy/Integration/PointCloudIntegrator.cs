using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Occupancy.Geometry;
using Occupancy.Internal;
using Occupancy.Map;

namespace Occupancy.Integration;

/// <summary>
/// Integrates point clouds with a known sensor origin by ray casting, with OctoMap's <c>insertPointCloud</c>
/// semantics: every voxel an exact traversal passes from the origin up to (not including) the endpoint's voxel gets
/// one miss, the endpoint's voxel gets one hit, and within one scan a voxel is updated at most once, a hit winning
/// over a miss. Points beyond <see cref="MaxRange"/> clear space up to the maximum range and mark nothing.
/// Points are in the world frame (metres, right-handed, z up) unless a sensor pose is given.
/// </summary>
/// <remarks>
/// Per-scan bookkeeping is two bit planes per brick (free seen, hit seen), cleared through the lists of voxels that
/// were touched, so nothing wraps or goes stale however many scans are integrated. All buffers are kept between
/// calls: in steady state an integration allocates nothing. Not thread-safe.
/// </remarks>
public sealed class PointCloudIntegrator
{
    private const int WordsPerBrick = 2 * OccupancyMap.BrickVoxels / 64;
    private const int HitPlane = OccupancyMap.BrickVoxels / 64;

    private readonly OccupancyMap _map;
    private readonly VoxelKeySet _endpoints = new();
    private ulong[] _marks = new ulong[256 * WordsPerBrick];
    private int[] _freeList = new int[4096];
    private int[] _hitList = new int[4096];
    private Vector3[] _transformed = [];
    private int _freeCount;
    private int _hitCount;

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
    }

    /// <summary>The map this integrator updates.</summary>
    public OccupancyMap Map => _map;

    /// <summary>Maximum range, metres.</summary>
    public float MaxRange { get; }

    /// <summary>Exact or discretized ray casting.</summary>
    public PointCloudMode Mode { get; }

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
        ThrowHelper.ThrowIfNotFinite(sensorOrigin, nameof(sensorOrigin));
        if (!_map.TryGetKey(sensorOrigin, out VoxelKey originKey))
        {
            ThrowHelper.Argument(nameof(sensorOrigin), string.Create(CultureInfo.InvariantCulture, $"sensorOrigin {sensorOrigin} lies outside the map."));
        }

        int noReturn = 0, outOfMap = 0, beyond = 0;
        float maxRange = MaxRange;
        bool discretize = Mode == PointCloudMode.Discretized;
        _brickX = int.MinValue;
        for (int i = 0; i < points.Length; i++)
        {
            Vector3 p = points[i];
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || !float.IsFinite(p.Z))
            {
                noReturn++;
                continue;
            }

            if (!_map.TryGetKey(p, out VoxelKey endKey))
            {
                outOfMap++;
                continue;
            }

            if (discretize)
            {
                if (!_endpoints.Add(endKey))
                {
                    continue;
                }

                p = _map.CenterOf(endKey);
            }

            Vector3 d = p - sensorOrigin;
            float length = d.Length();
            if (length <= maxRange)
            {
                MarkRay(sensorOrigin, p, originKey, endKey);
                MarkHit(endKey);
            }
            else
            {
                beyond++;
                Vector3 clipped = sensorOrigin + (d / length * maxRange);
                if (_map.TryGetKey(clipped, out VoxelKey clippedKey))
                {
                    MarkRay(sensorOrigin, clipped, originKey, clippedKey);
                }
            }
        }

        _endpoints.Clear();
        (int occupied, int free) = Apply();
        return new IntegrationStats(points.Length, noReturn, outOfMap, beyond, occupied, free);
    }

    // Brick cache: consecutive voxels of a ray mostly share a brick, so the hash lookup runs once per brick crossed.
    private int _brickX, _brickY, _brickZ, _brickSlot;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(int x, int y, int z)
    {
        int bx = x >> VoxelKey.BrickShift, by = y >> VoxelKey.BrickShift, bz = z >> VoxelKey.BrickShift;
        if (bx != _brickX || by != _brickY || bz != _brickZ)
        {
            _brickSlot = LookUpSlot(bx, by, bz);
            _brickX = bx;
            _brickY = by;
            _brickZ = bz;
        }

        return _brickSlot;
    }

    private int LookUpSlot(int bx, int by, int bz)
    {
        int slot = _map.GetOrAddBrick(bx, by, bz);
        if ((slot + 1) * WordsPerBrick > _marks.Length)
        {
            Array.Resize(ref _marks, Math.Max(_marks.Length * 2, (slot + 1) * WordsPerBrick));
        }

        return slot;
    }

    private void MarkRay(Vector3 origin, Vector3 end, VoxelKey originKey, VoxelKey endKey)
    {
        var walk = new VoxelTraversal(origin, end, _map.InverseResolution, originKey, endKey);
        ulong[] marks = _marks;
        while (!walk.IsLast)
        {
            int slot = SlotOf(walk.X, walk.Y, walk.Z);
            marks = _marks;
            int local = walk.Current.LocalIndex;
            ref ulong word = ref marks[(slot * WordsPerBrick) + (local >> 6)];
            ulong bit = 1UL << local;
            if ((word & bit) == 0)
            {
                word |= bit;
                Push(ref _freeList, ref _freeCount, (slot << 9) | local);
            }

            walk.Advance();
        }
    }

    private void MarkHit(VoxelKey key)
    {
        int slot = SlotOf(key.X, key.Y, key.Z);
        int local = key.LocalIndex;
        ref ulong word = ref _marks[(slot * WordsPerBrick) + HitPlane + (local >> 6)];
        ulong bit = 1UL << local;
        if ((word & bit) == 0)
        {
            word |= bit;
            Push(ref _hitList, ref _hitCount, (slot << 9) | local);
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

    /// <summary>Applies the scan: misses to free voxels not hit in this scan, hits to hit voxels; clears the marks.</summary>
    private (int Occupied, int Free) Apply()
    {
        SensorModel model = _map.SensorModel;
        float hit = model.HitLogOdds, miss = model.MissLogOdds, lo = model.ClampMinLogOdds, hi = model.ClampMaxLogOdds;
        ulong[] marks = _marks;
        int free = 0;
        for (int n = 0; n < _freeCount; n++)
        {
            int entry = _freeList[n];
            int slot = entry >> 9, local = entry & 511;
            int word = (slot * WordsPerBrick) + (local >> 6);
            ulong bit = 1UL << local;
            marks[word] &= ~bit;
            if ((marks[word + HitPlane] & bit) != 0)
            {
                continue;
            }

            ref float v = ref _map.BrickAt(slot)[local];
            v = OccupancyMap.ApplyUpdate(v, miss, lo, hi);
            free++;
        }

        for (int n = 0; n < _hitCount; n++)
        {
            int entry = _hitList[n];
            int slot = entry >> 9, local = entry & 511;
            marks[(slot * WordsPerBrick) + HitPlane + (local >> 6)] &= ~(1UL << local);
            ref float v = ref _map.BrickAt(slot)[local];
            v = OccupancyMap.ApplyUpdate(v, hit, lo, hi);
        }

        int occupied = _hitCount;
        _freeCount = 0;
        _hitCount = 0;
        return (occupied, free);
    }
}
