using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// RayIoU in the SparseOcc sense: rays are cast from query positions through the map and through the true scene; a ray
/// is a true positive when both hit and the map's first occupied voxel lies within the distance threshold of the true
/// first hit, a false positive when the map hits otherwise, a false negative when only the truth hits (or the map's hit
/// is too far off). The score is TP / (TP + FP + FN), averaged over the thresholds (SparseOcc uses 1, 2 and 4 m).
/// World frame, metres.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class RayIoU
{
    /// <summary>Scores a map against a scene along the given rays.</summary>
    /// <param name="map">The map (unknown voxels are passed through, as free).</param>
    /// <param name="scene">The true scene.</param>
    /// <param name="origins">Ray origins, metres.</param>
    /// <param name="directions">Ray directions (need not be unit length), one per origin.</param>
    /// <param name="maxDistance">Length of every ray, metres.</param>
    /// <param name="thresholds">Distance thresholds, metres (at least one).</param>
    /// <returns>The mean RayIoU over the thresholds; NaN when no ray hits in either.</returns>
    /// <exception cref="ArgumentException">Lengths differ, no threshold is given, or a value is not positive.</exception>
    public static double Compute(OccupancyMap map, Scene scene, ReadOnlySpan<Vector3> origins, ReadOnlySpan<Vector3> directions, float maxDistance, ReadOnlySpan<float> thresholds)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(scene);
        if (origins.Length != directions.Length)
        {
            ThrowHelper.BufferSize(nameof(directions), directions.Length, origins.Length, "one direction per origin");
        }

        if (thresholds.IsEmpty)
        {
            ThrowHelper.Argument(nameof(thresholds), "give at least one distance threshold.");
        }

        foreach (float t in thresholds)
        {
            ThrowHelper.ThrowIfNotPositiveFinite(t, nameof(thresholds));
        }

        ThrowHelper.ThrowIfNotPositiveFinite(maxDistance, nameof(maxDistance));
        Span<long> tp = stackalloc long[thresholds.Length], fp = stackalloc long[thresholds.Length], fn = stackalloc long[thresholds.Length];
        for (int i = 0; i < origins.Length; i++)
        {
            Vector3 unit = Vector3.Normalize(directions[i]);
            bool truthHit = scene.Raycast(origins[i], unit, maxDistance, out float truth, out _);
            RayCastResult cast = map.CastRay(origins[i], unit, maxDistance, UnknownPolicy.TreatAsFree);
            for (int k = 0; k < thresholds.Length; k++)
            {
                bool match = truthHit && cast.IsHit && MathF.Abs(cast.Distance - truth) <= thresholds[k];
                tp[k] += match ? 1 : 0;
                fp[k] += cast.IsHit && !match ? 1 : 0;
                fn[k] += truthHit && !match ? 1 : 0;
            }
        }

        double sum = 0;
        for (int k = 0; k < thresholds.Length; k++)
        {
            sum += (double)tp[k] / (tp[k] + fp[k] + fn[k]);
        }

        return sum / thresholds.Length;
    }
}
