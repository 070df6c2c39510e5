using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// Occupied-voxel accuracy of a map against ground truth, over the voxels the map observed (its known voxels, the
/// visibility mask): a true positive is a voxel occupied in both, a false positive occupied only in the map, a false
/// negative observed free in the map but occupied in the truth.
/// </summary>
/// <param name="TruePositives">Occupied in both.</param>
/// <param name="FalsePositives">Occupied in the map only.</param>
/// <param name="FalseNegatives">Observed free in the map, occupied in the truth.</param>
/// <param name="Evaluated">Observed voxels inside the ground truth's grid.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct OccupancyMetrics(long TruePositives, long FalsePositives, long FalseNegatives, long Evaluated)
{
    /// <summary>TP / (TP + FP + FN); NaN when nothing is occupied in either.</summary>
    public double IoU => (double)TruePositives / (TruePositives + FalsePositives + FalseNegatives);

    /// <summary>TP / (TP + FP).</summary>
    public double Precision => (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN).</summary>
    public double Recall => (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Compares the observed voxels of a map inside the truth's grid with the truth.</summary>
    /// <param name="map">The map; its resolution must equal the truth's.</param>
    /// <param name="truth">Ground truth from <see cref="GroundTruth.Voxelize"/>.</param>
    /// <exception cref="ArgumentException">The resolutions differ.</exception>
    public static OccupancyMetrics Compare(OccupancyMap map, GroundTruth truth)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(truth);
        if (Math.Abs(map.Resolution - truth.Resolution) > 1e-12)
        {
            throw new ArgumentException($"the map's resolution {map.Resolution} differs from the truth's {truth.Resolution}.", nameof(truth));
        }

        long tp = 0, fp = 0, fn = 0, evaluated = 0;
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            if (!truth.Contains(v.Key))
            {
                continue;
            }

            evaluated++;
            bool occupied = v.State == VoxelState.Occupied, real = truth.IsOccupied(v.Key);
            tp += occupied && real ? 1 : 0;
            fp += occupied && !real ? 1 : 0;
            fn += !occupied && real ? 1 : 0;
        }

        return new OccupancyMetrics(tp, fp, fn, evaluated);
    }
}
