using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// One frame of a camera rig: each camera's depth image rendered from a scene with noise added, and the returns the
/// images hold within a range (world points where rays ended on a surface, as a flow estimator takes them). World
/// frame, metres, z up; camera optical frames z forward, x right, y down.
/// </summary>
/// <remarks>Threads: holds no state; each call needs its own images, returns and <see cref="Random"/>.</remarks>
public static class RigFrame
{
    /// <summary>Renders the rig's images and collects their returns within range.</summary>
    /// <param name="scene">The world at the frame's time.</param>
    /// <param name="rig">The cameras.</param>
    /// <param name="bodyPose">The body's pose (REP-103 body: x forward, y left, z up).</param>
    /// <param name="noise">Depth noise added to each image.</param>
    /// <param name="random">Source of the noise.</param>
    /// <param name="images">One image per camera, each its intrinsics' pixel count; overwritten.</param>
    /// <param name="returns">Receives the returns; at least as long as all images' pixels together.</param>
    /// <param name="maxRange">Returns farther than this from their camera are left out, metres; positive.</param>
    /// <returns>The number of returns written.</returns>
    /// <exception cref="ArgumentException">An image count or size, or the returns' length, does not match the rig.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRange"/> is not positive.</exception>
    public static int Render(Scene scene, CameraRig rig, in Pose3 bodyPose, DepthNoiseModel noise, Random random, IReadOnlyList<float[]> images,
        Span<Vector3> returns, float maxRange)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(images);
        if (!(maxRange > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxRange), maxRange, string.Create(CultureInfo.InvariantCulture, $"maxRange must be positive, but was {maxRange}."));
        }

        if (images.Count != rig.Cameras.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"images holds {images.Count} images for a rig of {rig.Cameras.Count} cameras."), nameof(images));
        }

        long pixels = 0;
        for (int i = 0; i < images.Count; i++)
        {
            int expected = rig.Cameras[i].Intrinsics.PixelCount;
            if (images[i] is null || images[i].Length != expected)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"image {i} has {images[i]?.Length ?? 0} pixels but camera {rig.Cameras[i].Name} has {expected}."), nameof(images));
            }

            pixels += expected;
        }

        if (returns.Length < pixels)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"returns holds {returns.Length} points but the rig's images have {pixels} pixels."), nameof(returns));
        }

        int count = 0;
        for (int i = 0; i < images.Count; i++)
        {
            PinholeIntrinsics intrinsics = rig.Cameras[i].Intrinsics;
            Pose3 camera = rig.CameraPose(i, bodyPose);
            DepthRenderer.Render(scene, intrinsics, camera, images[i]);
            noise.Apply(images[i], intrinsics, random);
            int end = count + DepthProjection.BackProject(images[i], intrinsics, camera, returns[count..]);
            for (int j = count; j < end; j++)
            {
                if (Vector3.DistanceSquared(returns[j], camera.Position) <= maxRange * maxRange)
                {
                    returns[count++] = returns[j];
                }
            }
        }

        return count;
    }
}
