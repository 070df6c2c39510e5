using System;
using System.Collections.Generic;

namespace Occupancy.Simulation;

/// <summary>
/// Ghost trails: of the voxels a moving object occupied and the map saw occupied while it was there, the share still
/// occupied in the map a set delay after the object left them. Call <see cref="Record"/> after integrating each frame.
/// Voxels the static structure occupies, and their neighbours, are left out (the floor under a walker stays occupied
/// rightly, and a surface's depth noise is no ghost of the walker). Voxel keys and
/// resolution are the map's; world frame, metres, z up; seconds.
/// </summary>
/// <remarks>Threads: one tracker serves one thread.</remarks>
public sealed class GhostTrail
{
    private readonly MovingWorld _world;
    private readonly GroundTruth _staticTruth;
    private readonly double _delay;
    private readonly Dictionary<VoxelKey, Entry> _voxels = [];

    /// <summary>Creates a tracker.</summary>
    /// <param name="world">The moving world the frames are rendered from.</param>
    /// <param name="staticTruth">Ground truth of the world's static solids over the region to score (its resolution is the map's).</param>
    /// <param name="delay">Seconds after an object leaves a voxel at which the voxel is scored; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is not positive and finite.</exception>
    public GhostTrail(MovingWorld world, GroundTruth staticTruth, double delay)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(staticTruth);
        if (!(delay > 0 && double.IsFinite(delay)))
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, $"delay must be positive and finite, but was {delay}.");
        }

        _world = world;
        _staticTruth = staticTruth;
        _delay = delay;
    }

    /// <summary>Trail voxels scored so far: seen occupied while the object was there, then left for the delay.</summary>
    public long Scored { get; private set; }

    /// <summary>Of <see cref="Scored"/>, those still occupied in the map at the delay: ghosts.</summary>
    public long Ghosts { get; private set; }

    /// <summary>Ghosts / scored; 0 when nothing was scored.</summary>
    public double Share => Scored == 0 ? 0 : (double)Ghosts / Scored;

    /// <summary>Takes a frame: the map after the frame taken at <paramref name="time"/> was integrated.</summary>
    /// <param name="map">The map; its resolution must be the truth's.</param>
    /// <param name="time">The frame's time, seconds; not before the previous frame's.</param>
    /// <exception cref="ArgumentException">The resolutions differ.</exception>
    public void Record(OccupancyMap map, double time)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (Math.Abs(map.Resolution - _staticTruth.Resolution) > 1e-12)
        {
            throw new ArgumentException($"the map's resolution {map.Resolution} differs from the truth's {_staticTruth.Resolution}.", nameof(map));
        }

        // Where the objects are now (inside the scored region, off the static structure).
        if (_world.MoversAt(time) is Scene movers)
        {
            foreach (Primitive p in movers.Primitives)
            {
                if (p.Bounds is not Aabb box || !box.Intersects(_staticTruth.Bounds))
                {
                    continue;
                }

                GroundTruth now = GroundTruth.Voxelize(new Scene([p]), box, map.Resolution);
                foreach (VoxelKey key in now.OccupiedKeys())
                {
                    if (!_staticTruth.Contains(key) || NearStatic(key))
                    {
                        continue;
                    }

                    _voxels.TryGetValue(key, out Entry e);
                    e.LastOccupied = time;
                    e.Scored = false;
                    e.Seen |= map.GetState(key) == VoxelState.Occupied;
                    _voxels[key] = e;
                }
            }
        }

        // Voxels left for the delay: scored once (again if an object comes back and leaves again).
        foreach ((VoxelKey key, Entry e) in _voxels)
        {
            if (e.Scored || e.LastOccupied == time || time - e.LastOccupied < _delay - 1e-9)
            {
                continue;
            }

            if (e.Seen)
            {
                Scored++;
                Ghosts += map.GetState(key) == VoxelState.Occupied ? 1 : 0;
            }

            _voxels[key] = e with { Scored = true, Seen = false };
        }
    }

    /// <summary>Whether a static solid occupies the voxel or one of its 26 neighbours (a surface's own noise band).</summary>
    private bool NearStatic(VoxelKey key)
    {
        for (int i = 0; i < 27; i++)
        {
            if (_staticTruth.IsOccupied(key.Offset((i % 3) - 1, ((i / 3) % 3) - 1, (i / 9) - 1)))
            {
                return true;
            }
        }

        return false;
    }

    private record struct Entry(double LastOccupied, bool Seen, bool Scored);
}
