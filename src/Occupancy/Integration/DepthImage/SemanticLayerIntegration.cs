using System;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// Labelled depth images into a <see cref="SemanticLayer"/>: the back-projection the depth integrator uses decides the
/// voxel each labelled pixel votes in. Camera optical frame z forward, x right, y down; world frame metres, z up.
/// </summary>
/// <remarks>Threads: holds no state; each call takes the layer's lock.</remarks>
public static class SemanticLayerIntegration
{
    /// <summary>
    /// Votes with a labelled depth image (a depth camera with a segmentation, or stereo depth with the left image's
    /// labels): each pixel with a return within <paramref name="maxRange"/> votes its label at the voxel its point lies
    /// in, the voxel the depth integrator marks occupied.
    /// </summary>
    /// <param name="depth">Depth along the optical axis, metres, row-major; NaN, zero or negative is no return.</param>
    /// <param name="layer">The layer to vote in.</param>
    /// <param name="labels">One class per pixel; <see cref="SemanticClass.Unlabelled"/> casts no vote.</param>
    /// <param name="intrinsics">Camera intrinsics; both images must have Width × Height pixels.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="maxRange">Returns beyond this depth (metres) vote nothing, as they mark nothing in the map.</param>
    /// <returns>The number of votes cast.</returns>
    /// <exception cref="ArgumentException">A buffer has the wrong size, the pose is not finite, or the range not positive.</exception>
    public static int Integrate(this SemanticLayer layer, ReadOnlySpan<float> depth, ReadOnlySpan<SemanticClass> labels, in PinholeIntrinsics intrinsics, in Pose3 cameraPose, float maxRange)
    {
        ArgumentNullException.ThrowIfNull(layer);
        string what = string.Create(CultureInfo.InvariantCulture, $"a {intrinsics.Width}x{intrinsics.Height} image");
        if (!intrinsics.IsValid || depth.Length != intrinsics.PixelCount)
        {
            ThrowHelper.BufferSize(nameof(depth), depth.Length, intrinsics.PixelCount, what);
        }

        if (labels.Length != intrinsics.PixelCount)
        {
            ThrowHelper.BufferSize(nameof(labels), labels.Length, intrinsics.PixelCount, what);
        }

        if (!cameraPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(cameraPose), string.Create(CultureInfo.InvariantCulture, $"cameraPose must be finite, but was {cameraPose}."));
        }

        ThrowHelper.ThrowIfNotPositiveFinite(maxRange, nameof(maxRange));
        var projector = new BackProjector(intrinsics, cameraPose);
        int votes = 0;
        lock (layer.SyncRoot)
        {
            for (int v = 0, i = 0; v < intrinsics.Height; v++)
            {
                for (int u = 0; u < intrinsics.Width; u++, i++)
                {
                    float d = depth[i];
                    if (labels[i] != 0 && d > 0 && d <= maxRange && layer.Map.TryGetKey(projector.PixelToWorld(u, v, d), out VoxelKey key))
                    {
                        layer.VoteLocked(key, labels[i]);
                        votes++;
                    }
                }
            }
        }

        return votes;
    }
}
