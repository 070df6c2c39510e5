using System;
using System.Collections.Generic;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// One camera of a <see cref="CameraRig"/>: its intrinsics and where it is mounted on the body.
/// </summary>
/// <param name="Name">A name for messages and outputs ("front", "left", ...).</param>
/// <param name="Intrinsics">Pinhole intrinsics of the camera (optical frame: z forward, x right, y down).</param>
/// <param name="Mounting">Pose of the camera's optical frame in the body frame (body: x forward, y left, z up, metres).</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct RigCamera(string Name, PinholeIntrinsics Intrinsics, Pose3 Mounting);

/// <summary>
/// Several cameras fixed on one body (a ring around a car, the heads of a legged robot) with their extrinsics. Body frame
/// as REP-103: x forward, y left, z up, metres; each camera's optical frame z forward, x right, y down. A rig frame, one
/// depth image per camera taken at one body pose, is integrated in one call, checked whole before the map changes:
/// by ray casting as one update (every voxel updated once, a hit from any camera winning) with
/// <c>PointCloudIntegrator.Integrate(rig, bodyPose, depths)</c>,
/// or projectively, each camera an observation of its own, with
/// <c>DepthImageIntegrator.Integrate(rig, bodyPose, depths)</c>.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class CameraRig
{
    private readonly RigCamera[] _cameras;

    /// <summary>Creates a rig.</summary>
    /// <param name="cameras">The cameras; at least one, each with valid intrinsics, a finite mounting and a name.</param>
    /// <exception cref="ArgumentException">No camera, or one with invalid intrinsics, a non-finite mounting or no name.</exception>
    public CameraRig(IEnumerable<RigCamera> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        _cameras = [.. cameras];
        if (_cameras.Length == 0)
        {
            ThrowHelper.Argument(nameof(cameras), "a rig needs at least one camera.");
        }

        for (int i = 0; i < _cameras.Length; i++)
        {
            RigCamera c = _cameras[i];
            if (string.IsNullOrEmpty(c.Name) || !c.Intrinsics.IsValid || !c.Mounting.IsFinite)
            {
                ThrowHelper.Argument(nameof(cameras), string.Create(CultureInfo.InvariantCulture, $"camera {i} ('{c.Name}') needs a name, valid intrinsics and a finite mounting."));
            }
        }
    }

    /// <summary>The cameras, in the order their images are given.</summary>
    public IReadOnlyList<RigCamera> Cameras => _cameras;

    /// <summary>Pose of camera <paramref name="index"/>'s optical frame in the world, for a body pose.</summary>
    /// <param name="index">Camera index.</param>
    /// <param name="bodyPose">Pose of the body frame in the world frame.</param>
    public Pose3 CameraPose(int index, in Pose3 bodyPose) => bodyPose.Compose(_cameras[index].Mounting);

    /// <summary>Checks one frame for this rig: one image per camera, each of its camera's size, and a finite body pose.</summary>
    internal void CheckFrame(in Pose3 bodyPose, IReadOnlyList<ReadOnlyMemory<float>> depths)
    {
        if (depths.Count != _cameras.Length)
        {
            ThrowHelper.Argument(nameof(depths), string.Create(CultureInfo.InvariantCulture, $"the rig has {_cameras.Length} cameras but {depths.Count} depth images were given."));
        }

        if (!bodyPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(bodyPose), string.Create(CultureInfo.InvariantCulture, $"bodyPose must be finite, but was {bodyPose}."));
        }

        for (int i = 0; i < depths.Count; i++)
        {
            PinholeIntrinsics k = _cameras[i].Intrinsics;
            if (depths[i].Length != k.PixelCount)
            {
                ThrowHelper.BufferSize(nameof(depths), depths[i].Length, k.PixelCount, string.Create(CultureInfo.InvariantCulture, $"camera {i} ('{_cameras[i].Name}', {k.Width}x{k.Height})"));
            }
        }
    }
}
