using System;
using System.Numerics;

namespace Occupancy;

/// <summary>Turns depth images into point clouds.</summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class DepthProjection
{
    /// <summary>
    /// Back-projects every pixel with a return into the world frame: p = pose · (z·(u − cx)/fx, z·(v − cy)/fy, z).
    /// Pixels with no return (NaN, infinite, zero or negative depth) are skipped.
    /// </summary>
    /// <param name="depth">Depth along the optical axis, metres, row-major.</param>
    /// <param name="intrinsics">Camera intrinsics.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="points">Receives the points; must hold at least as many as there are valid pixels (Width × Height is always enough).</param>
    /// <returns>The number of points written.</returns>
    /// <exception cref="ArgumentException">Buffer sizes do not match the intrinsics, or the pose is not finite.</exception>
    public static int BackProject(ReadOnlySpan<float> depth, in PinholeIntrinsics intrinsics, in Pose3 cameraPose, Span<Vector3> points)
    {
        if (depth.Length != intrinsics.PixelCount || !intrinsics.IsValid)
        {
            ThrowHelper.BufferSize(nameof(depth), depth.Length, intrinsics.PixelCount, "the intrinsics");
        }

        if (!cameraPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(cameraPose), "cameraPose must be finite.");
        }

        int count = 0;
        int width = intrinsics.Width;
        var projector = new BackProjector(intrinsics, cameraPose);
        for (int v = 0; v < intrinsics.Height; v++)
        {
            Vector3 rowRay = projector.RowRay(projector.RowSlope(v));
            for (int u = 0; u < width; u++)
            {
                float d = depth[(v * width) + u];
                if (!(d > 0) || !float.IsFinite(d))
                {
                    continue;
                }

                if (count == points.Length)
                {
                    ThrowHelper.BufferSize(nameof(points), points.Length, count + 1, "the valid pixels");
                }

                points[count++] = projector.PixelToWorld(projector.ColumnSlope(u), rowRay, d); // = PixelToWorld(u, v, d)
            }
        }

        return count;
    }

    /// <summary>
    /// The world point seen at pixel (u, v) with depth d: t + d·R·((u − cx)/fx, (v − cy)/fy, 1). Every back-projection
    /// in the library goes through this one expression, so that the same pixel always lands in the same voxel.
    /// </summary>
    /// <param name="u">Pixel column.</param>
    /// <param name="v">Pixel row.</param>
    /// <param name="depth">Depth along the optical axis, metres.</param>
    /// <param name="intrinsics">Camera intrinsics.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static Vector3 PixelToWorld(int u, int v, float depth, in PinholeIntrinsics intrinsics, in Pose3 cameraPose) =>
        new BackProjector(intrinsics, cameraPose).PixelToWorld(u, v, depth);
}
