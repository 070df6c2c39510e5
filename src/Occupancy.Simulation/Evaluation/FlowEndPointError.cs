using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// Flow end-point error, as in the Waymo Open Dataset occupancy-and-flow challenge: the mean distance between the
/// estimated and the true velocity over the moving voxels (non-zero true flow), here those the map holds occupied
/// (a map's flow can only be scored where the map says something is). A voxel without an estimate counts as
/// estimated still. Accumulates over frames: call <see cref="Add"/> after each frame. Metres per second.
/// The other side of the same estimate is counted too: the still voxels (occupied in the map, not moving in the truth)
/// the estimator gave a velocity, false flow that the end-point error over moving voxels does not see.
/// </summary>
/// <remarks>Threads: one accumulator serves one thread.</remarks>
public sealed class FlowEndPointError
{
    private double _sum;
    private double _stillSum;

    /// <summary>Moving voxels scored so far.</summary>
    public long Voxels { get; private set; }

    /// <summary>Of those, the voxels the estimator gave a velocity.</summary>
    public long Estimated { get; private set; }

    /// <summary>Moving voxels of the truth the map did not hold occupied (not scored).</summary>
    public long Unseen { get; private set; }

    /// <summary>Mean end-point error, metres per second; NaN before any voxel is scored.</summary>
    public double Mean => Voxels == 0 ? double.NaN : _sum / Voxels;

    /// <summary>Still voxels scored so far: occupied in the map and not moving in the truth.</summary>
    public long StillVoxels { get; private set; }

    /// <summary>Of those, the voxels the estimator gave a velocity (false flow).</summary>
    public long StillWithVelocity { get; private set; }

    /// <summary>Mean end-point error over the still voxels (the mean speed given to them), metres per second; NaN before any is scored.</summary>
    public double StillMean => StillVoxels == 0 ? double.NaN : _stillSum / StillVoxels;

    /// <summary>Scores one frame.</summary>
    /// <param name="map">The map after the frame.</param>
    /// <param name="flow">The estimator after the frame.</param>
    /// <param name="truth">The true flow at the frame's time (the map's resolution).</param>
    /// <exception cref="ArgumentException">The truth's resolution differs from the map's.</exception>
    public void Add(OccupancyMap map, FlowEstimator flow, FlowTruth truth)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(truth);
        if (Math.Abs(map.Resolution - truth.Resolution) > 1e-12)
        {
            throw new ArgumentException($"the truth's resolution {truth.Resolution} differs from the map's {map.Resolution}.", nameof(truth));
        }

        foreach (KeyValuePair<VoxelKey, Vector3> entry in truth.Velocities)
        {
            if (entry.Value == Vector3.Zero)
            {
                continue;
            }

            if (map.GetState(entry.Key) != VoxelState.Occupied)
            {
                Unseen++;
                continue;
            }

            if (flow.TryGetVelocity(entry.Key, out Vector3 estimate))
            {
                Estimated++;
            }

            _sum += Vector3.Distance(estimate, entry.Value);
            Voxels++;
        }

        foreach (VoxelInfo voxel in map.EnumerateVoxels(VoxelState.Occupied))
        {
            if (truth.Velocities.TryGetValue(voxel.Key, out Vector3 truly) && truly != Vector3.Zero)
            {
                continue;
            }

            StillVoxels++;
            if (flow.TryGetVelocity(voxel.Key, out Vector3 estimate))
            {
                StillWithVelocity++;
                _stillSum += estimate.Length();
            }
        }
    }
}
