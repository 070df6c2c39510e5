using System;
using System.Globalization;
using System.Numerics;
using Occupancy.Geometry;
using Occupancy.Integration;
using Occupancy.Internal;
using Occupancy.Queries;

namespace Occupancy.Map;

/// <summary>Point, batch, ray and region queries. All coordinates are world frame, metres, z up.</summary>
public sealed partial class OccupancyMap
{
    /// <summary>Log-odds of a voxel; NaN when it was never observed.</summary>
    /// <param name="key">The voxel.</param>
    public float GetLogOdds(VoxelKey key)
    {
        if (!IsInRange(key))
        {
            return float.NaN;
        }

        int slot = FindBrick(key.BrickX, key.BrickY, key.BrickZ);
        return slot < 0 ? float.NaN : _bricks[slot]![key.LocalIndex];
    }

    /// <summary>Occupancy probability of a voxel; NaN when it was never observed.</summary>
    /// <param name="key">The voxel.</param>
    public float GetProbability(VoxelKey key)
    {
        float l = GetLogOdds(key);
        return float.IsNaN(l) ? float.NaN : (float)SensorModel.Probability(l);
    }

    /// <summary>Occupancy probability at a point; NaN when its voxel was never observed or the point is not in the map.</summary>
    /// <param name="point">World frame, metres.</param>
    public float GetProbability(Vector3 point) => TryGetKey(point, out VoxelKey key) ? GetProbability(key) : float.NaN;

    /// <summary>State of a voxel: unknown, free or occupied.</summary>
    /// <param name="key">The voxel.</param>
    public VoxelState GetState(VoxelKey key) => Classify(GetLogOdds(key));

    /// <summary>State of the voxel holding a point; unknown when the point is not finite or not in the map.</summary>
    /// <param name="point">World frame, metres.</param>
    public VoxelState GetState(Vector3 point) => TryGetKey(point, out VoxelKey key) ? GetState(key) : VoxelState.Unknown;

    /// <summary>States of many points at once (faster than one call each: bricks are cached between neighbours).</summary>
    /// <param name="points">World frame, metres. Non-finite or out-of-map points are unknown.</param>
    /// <param name="states">Receives one state per point; at least as long as <paramref name="points"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="states"/> is shorter than <paramref name="points"/>.</exception>
    public void GetStates(ReadOnlySpan<Vector3> points, Span<VoxelState> states)
    {
        if (states.Length < points.Length)
        {
            ThrowHelper.BufferSize(nameof(states), states.Length, points.Length, "the points");
        }

        float threshold = SensorModel.OccupiedLogOdds;
        var cache = new BrickCache(this);
        for (int i = 0; i < points.Length; i++)
        {
            float l = cache.LogOdds(points[i]);
            states[i] = float.IsNaN(l) ? VoxelState.Unknown : l >= threshold ? VoxelState.Occupied : VoxelState.Free;
        }
    }

    /// <summary>Log-odds of many points at once; NaN for unknown voxels and for non-finite or out-of-map points.</summary>
    /// <param name="points">World frame, metres.</param>
    /// <param name="logOdds">Receives one value per point; at least as long as <paramref name="points"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="logOdds"/> is shorter than <paramref name="points"/>.</exception>
    public void GetLogOdds(ReadOnlySpan<Vector3> points, Span<float> logOdds)
    {
        if (logOdds.Length < points.Length)
        {
            ThrowHelper.BufferSize(nameof(logOdds), logOdds.Length, points.Length, "the points");
        }

        var cache = new BrickCache(this);
        for (int i = 0; i < points.Length; i++)
        {
            logOdds[i] = cache.LogOdds(points[i]);
        }
    }

    /// <summary>Counts the known, free and occupied voxels of the whole map (vectorised over each brick).</summary>
    public VoxelCounts CountVoxels()
    {
        long known = 0, occupied = 0;
        float threshold = SensorModel.OccupiedLogOdds;
        for (int slot = 0; slot < _slotHighWater; slot++)
        {
            float[]? voxels = _bricks[slot];
            if (voxels is not null)
            {
                (int k, int o) = VoxelCountKernel.Count(voxels, threshold);
                known += k;
                occupied += o;
            }
        }

        return new VoxelCounts(known - occupied, occupied);
    }

    /// <summary>
    /// Casts a ray through the map and stops at the first occupied voxel, visiting exactly the voxels the segment
    /// from <paramref name="origin"/> to origin + <paramref name="maxDistance"/> · direction passes through.
    /// The voxel holding the origin is tested too.
    /// </summary>
    /// <param name="origin">Start of the ray, world frame, metres.</param>
    /// <param name="direction">Direction, world frame; need not be unit length but must not be zero.</param>
    /// <param name="maxDistance">Length of the ray, metres.</param>
    /// <param name="unknown">What to do at a voxel that was never observed.</param>
    /// <returns>Where and why the ray stopped.</returns>
    /// <exception cref="ArgumentException">An input is not finite, the direction is zero, the distance is not positive, or the ray leaves the map.</exception>
    public RayCastResult CastRay(Vector3 origin, Vector3 direction, float maxDistance, UnknownPolicy unknown = UnknownPolicy.TreatAsFree)
    {
        ThrowHelper.ThrowIfNotFinite(origin, nameof(origin));
        ThrowHelper.ThrowIfNotFinite(direction, nameof(direction));
        ThrowHelper.ThrowIfNotPositiveFinite(maxDistance, nameof(maxDistance));
        float length = direction.Length();
        if (!(length > 0))
        {
            ThrowHelper.Argument(nameof(direction), "direction must not be the zero vector.");
        }

        if (unknown is not (UnknownPolicy.TreatAsFree or UnknownPolicy.TreatAsOccupied or UnknownPolicy.Report))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(unknown), unknown, "unknown must be TreatAsFree, TreatAsOccupied or Report.");
        }

        Vector3 unit = direction / length;
        Vector3 end = origin + (unit * maxDistance);
        VoxelKey endKey = default;
        if (!TryGetKey(origin, out VoxelKey originKey) || !TryGetKey(end, out endKey))
        {
            ThrowHelper.Argument(nameof(maxDistance), string.Create(CultureInfo.InvariantCulture, $"the ray from {origin} of length {maxDistance} leaves the map."));
        }

        float threshold = SensorModel.OccupiedLogOdds;
        var walk = new VoxelTraversal(origin, end, InverseResolution, originKey, endKey);
        int cachedX = int.MinValue, cachedY = 0, cachedZ = 0;
        float[]? brick = null;
        while (true)
        {
            int bx = walk.X >> VoxelKey.BrickShift, by = walk.Y >> VoxelKey.BrickShift, bz = walk.Z >> VoxelKey.BrickShift;
            if (bx != cachedX || by != cachedY || bz != cachedZ)
            {
                int slot = FindBrick(bx, by, bz);
                brick = slot < 0 ? null : _bricks[slot];
                cachedX = bx;
                cachedY = by;
                cachedZ = bz;
            }

            float l = brick is null ? float.NaN : brick[walk.Current.LocalIndex];
            RayCastOutcome outcome = RayCastOutcome.NoHit;
            if (float.IsNaN(l))
            {
                outcome = unknown switch
                {
                    UnknownPolicy.TreatAsOccupied => RayCastOutcome.Hit,
                    UnknownPolicy.Report => RayCastOutcome.Unknown,
                    _ => RayCastOutcome.NoHit,
                };
            }
            else if (l >= threshold)
            {
                outcome = RayCastOutcome.Hit;
            }

            if (outcome != RayCastOutcome.NoHit || !walk.Advance())
            {
                float distance = (float)(walk.EntryT * maxDistance);
                return new RayCastResult(outcome, walk.Current, origin + (unit * distance), distance);
            }
        }
    }

    /// <summary>
    /// Enumerates the observed voxels whose centres lie in a box, optionally only those in one state.
    /// The enumerator is a struct: a foreach over it allocates nothing. Do not modify the map while enumerating.
    /// </summary>
    /// <param name="region">The box, world frame, metres.</param>
    /// <param name="state">Only free or only occupied voxels; null for both.</param>
    /// <exception cref="ArgumentException"><paramref name="state"/> is <see cref="VoxelState.Unknown"/> (unknown voxels are not stored).</exception>
    public VoxelEnumerable EnumerateVoxels(Aabb region, VoxelState? state = null)
    {
        if (state is VoxelState.Unknown || (state is not null && state is not (VoxelState.Free or VoxelState.Occupied)))
        {
            ThrowHelper.Argument(nameof(state), string.Create(CultureInfo.InvariantCulture, $"state must be Free, Occupied or null, but was {state}: unknown voxels are not stored."));
        }

        (VoxelKey lo, VoxelKey hi) = CenterKeyRange(region);
        return new VoxelEnumerable(this, lo, hi, state);
    }

    internal VoxelState Classify(float logOdds) =>
        float.IsNaN(logOdds) ? VoxelState.Unknown : logOdds >= SensorModel.OccupiedLogOdds ? VoxelState.Occupied : VoxelState.Free;

    /// <summary>Remembers the last brick looked up, so runs of nearby points need one hash lookup per brick.</summary>
    private struct BrickCache(OccupancyMap map)
    {
        private int _x = int.MinValue, _y, _z;
        private float[]? _brick;

        public float LogOdds(Vector3 point)
        {
            if (!map.TryGetKey(point, out VoxelKey key))
            {
                return float.NaN;
            }

            int bx = key.BrickX, by = key.BrickY, bz = key.BrickZ;
            if (bx != _x || by != _y || bz != _z)
            {
                int slot = map.FindBrick(bx, by, bz);
                _brick = slot < 0 ? null : map._bricks[slot];
                _x = bx;
                _y = by;
                _z = bz;
            }

            return _brick is null ? float.NaN : _brick[key.LocalIndex];
        }
    }
}
