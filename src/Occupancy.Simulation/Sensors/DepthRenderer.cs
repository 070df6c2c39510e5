using System;
using System.Globalization;
using System.Numerics;
using System.Threading.Tasks;

namespace Occupancy.Simulation;

/// <summary>
/// Renders what a pinhole depth camera sees of a scene, by casting one analytic ray through each pixel centre.
/// Depth is the z coordinate in the optical frame (z forward, x right, y down), metres; pixels that see nothing
/// are NaN ("no return"). The pose maps the optical frame to the world frame.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class DepthRenderer
{
    /// <summary>Renders a noise-free depth image.</summary>
    /// <param name="scene">The scene.</param>
    /// <param name="intrinsics">Camera intrinsics.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="depth">Receives Width × Height depths, row-major.</param>
    /// <param name="maxDepth">Rays are not followed beyond this depth (metres); such pixels are NaN.</param>
    /// <exception cref="ArgumentException">The buffer size does not match the intrinsics, or the pose is not finite.</exception>
    public static void Render(Scene scene, PinholeIntrinsics intrinsics, Pose3 cameraPose, Span<float> depth, float maxDepth = 100f) =>
        RenderWithLabels(scene, intrinsics, cameraPose, depth, [], maxDepth);

    /// <summary>
    /// Renders a noise-free depth image and the semantic class of the surface each pixel sees (the labels a perfect
    /// segmentation would give; <see cref="SemanticClass.Unlabelled"/> where nothing is seen).
    /// </summary>
    /// <param name="scene">The scene.</param>
    /// <param name="intrinsics">Camera intrinsics.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="depth">Receives Width × Height depths, row-major.</param>
    /// <param name="labels">Receives Width × Height classes, or is empty for none.</param>
    /// <param name="maxDepth">Rays are not followed beyond this depth (metres); such pixels are NaN.</param>
    /// <exception cref="ArgumentException">A buffer size does not match the intrinsics, or the pose is not finite.</exception>
    public static void RenderWithLabels(Scene scene, PinholeIntrinsics intrinsics, Pose3 cameraPose, Span<float> depth, Span<SemanticClass> labels, float maxDepth = 100f)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (depth.Length != intrinsics.PixelCount || !intrinsics.IsValid)
        {
            ThrowHelper.BufferSize(nameof(depth), depth.Length, intrinsics.PixelCount, string.Create(CultureInfo.InvariantCulture, $"a {intrinsics.Width}x{intrinsics.Height} image"));
        }

        if (!cameraPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(cameraPose), string.Create(CultureInfo.InvariantCulture, $"cameraPose must be finite, but was {cameraPose}."));
        }

        if (!labels.IsEmpty && labels.Length != intrinsics.PixelCount)
        {
            ThrowHelper.BufferSize(nameof(labels), labels.Length, intrinsics.PixelCount, string.Create(CultureInfo.InvariantCulture, $"a {intrinsics.Width}x{intrinsics.Height} image"));
        }

        ThrowHelper.ThrowIfNotPositiveFinite(maxDepth, nameof(maxDepth));
        unsafe
        {
            fixed (float* pixels = depth)
            fixed (SemanticClass* labelPixels = labels)
            {
                float* p = pixels;
                SemanticClass* l = labelPixels;
                bool withLabels = !labels.IsEmpty;
                int width = intrinsics.Width;
                PinholeIntrinsics k = intrinsics;
                Pose3 pose = cameraPose;
                // Rows are independent; rendering is test and sample infrastructure, not a per-frame library path.
                Parallel.For(0, k.Height, row =>
                {
                    Span<float> t = stackalloc float[width];
                    Span<int> primitive = stackalloc int[width];
                    CastRow(scene, k, pose, row, maxDepth, t, primitive);
                    for (int u = 0; u < width; u++)
                    {
                        bool hit = primitive[u] >= 0;
                        p[(row * width) + u] = hit ? t[u] : float.NaN;
                        if (withLabels)
                        {
                            l[(row * width) + u] = hit ? scene.Primitives[primitive[u]].SemanticClass : SemanticClass.Unlabelled;
                        }
                    }
                });
            }
        }
    }

    /// <summary>
    /// Casts the rays of one image row, a packet of neighbouring pixels (8 with AVX2, else 4) at a time, with the optical z of each direction 1 so
    /// that the hit parameter is the depth; <paramref name="primitive"/> is −1 where nothing is hit within the range.
    /// </summary>
    internal static void CastRow(Scene scene, in PinholeIntrinsics k, in Pose3 pose, int row, float maxDepth, Span<float> t, Span<int> primitive)
    {
        int packet = Scene.PacketWidth;
        Span<Vector3> directions = stackalloc Vector3[packet];
        int width = k.Width, u = 0;
        for (; u + packet <= width; u += packet)
        {
            for (int lane = 0; lane < packet; lane++)
            {
                directions[lane] = pose.Rotate(k.RayThrough(u + lane, row));
            }

            scene.RaycastPacket(pose.Position, directions, maxDepth, t.Slice(u, packet), primitive.Slice(u, packet));
        }

        for (; u < width; u++)
        {
            scene.Raycast(pose.Position, pose.Rotate(k.RayThrough(u, row)), maxDepth, out t[u], out primitive[u]);
        }
    }
}
