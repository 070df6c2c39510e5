using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// Ground truth of occupancy flow at one instant, voxelised: every voxel a mover meets (shares a point with), with the
/// mover's velocity at the voxel's centre (rigid motion: linear + angular × lever arm). The first mover that meets a
/// voxel gives it its velocity. Voxel keys and resolution are a map's; world frame, metres, z up; metres per second.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class FlowTruth
{
    private readonly Dictionary<VoxelKey, Vector3> _velocities;

    private FlowTruth(Dictionary<VoxelKey, Vector3> velocities, double time, double resolution)
    {
        _velocities = velocities;
        Time = time;
        Resolution = resolution;
    }

    /// <summary>The instant, seconds.</summary>
    public double Time { get; }

    /// <summary>Voxel edge, metres (the map's).</summary>
    public double Resolution { get; }

    /// <summary>Every moving voxel with its velocity.</summary>
    public IReadOnlyDictionary<VoxelKey, Vector3> Velocities => _velocities;

    /// <summary>Voxelises the movers of a world at a time, inside a region.</summary>
    /// <param name="world">The world.</param>
    /// <param name="time">Seconds.</param>
    /// <param name="region">World box, metres.</param>
    /// <param name="resolution">Voxel edge, metres (0.01 to 1).</param>
    /// <exception cref="ArgumentException">The resolution is out of range.</exception>
    public static FlowTruth Voxelize(MovingWorld world, double time, Aabb region, double resolution)
    {
        ArgumentNullException.ThrowIfNull(world);
        var map = new OccupancyMap(resolution); // validates the resolution; keys as a map's
        var velocities = new Dictionary<VoxelKey, Vector3>();
        foreach (Mover mover in world.Movers)
        {
            PosedPrimitive body = mover.At(time);
            if (body.Bounds is not Aabb box || !box.Intersects(region))
            {
                continue;
            }

            // The body's box widened by a voxel (voxels whose centres lie outside it still meet it), inside the region.
            var pad = new Vector3((float)resolution);
            var clipped = new Aabb(Vector3.Max(box.Min - pad, region.Min), Vector3.Min(box.Max + pad, region.Max));
            GroundTruth occupied = GroundTruth.Voxelize(new Scene([body]), clipped, resolution);
            foreach (VoxelKey key in occupied.OccupiedKeys())
            {
                var centre = new Vector3((float)((key.X + 0.5) * map.Resolution), (float)((key.Y + 0.5) * map.Resolution), (float)((key.Z + 0.5) * map.Resolution));
                velocities.TryAdd(key, mover.Path.PointVelocity(centre, time));
            }
        }

        return new FlowTruth(velocities, time, map.Resolution);
    }
}
