using System;

namespace Occupancy.Simulation;

/// <summary>What a <see cref="GhostTrailRun"/> measured.</summary>
/// <param name="TrailShare">Share of the trail still occupied at the delay (see <see cref="GhostTrail"/>).</param>
/// <param name="Ghosts">Trail voxels still occupied at the delay.</param>
/// <param name="Scored">Trail voxels scored.</param>
/// <param name="Static">The map's known voxels against the static structure's ground truth at the end.</param>
/// <param name="Map">The map at the end.</param>
public sealed record GhostTrailResult(double TrailShare, long Ghosts, long Scored, OccupancyMetrics Static, OccupancyMap Map);

/// <summary>
/// One run of a moving world through a depth camera: frames rendered at a fixed rate, noise added, the decay policy
/// applied and the frame integrated, the ghost trail recorded after each; the static structure scored at the end.
/// World frame, metres, z up; seconds.
/// </summary>
public static class GhostTrailRun
{
    /// <summary>Runs the world from t = 0 to <paramref name="duration"/>.</summary>
    /// <param name="world">The world.</param>
    /// <param name="region">The box scored (static ground truth and trail), world frame.</param>
    /// <param name="resolution">Voxel edge, metres.</param>
    /// <param name="intrinsics">The depth camera.</param>
    /// <param name="cameraPose">The camera's optical frame at each time.</param>
    /// <param name="maxRange">Integration range, metres.</param>
    /// <param name="frameRate">Frames a second; positive.</param>
    /// <param name="duration">Seconds; positive.</param>
    /// <param name="policy">Decay applied before each frame (<see cref="DecayPolicy.None"/>: OctoMap's behaviour).</param>
    /// <param name="noise">Depth noise added to each frame.</param>
    /// <param name="smoothing">Smoothing of each noisy frame before it is integrated (null: none).</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <param name="delay">Seconds after leaving at which trail voxels are scored.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rate or duration is not positive and finite.</exception>
    public static GhostTrailResult Run(MovingWorld world, Aabb region, double resolution, PinholeIntrinsics intrinsics, Func<double, Pose3> cameraPose,
        float maxRange, double frameRate, double duration, DecayPolicy policy, DepthNoiseModel noise, DepthSmoothing? smoothing, int seed, double delay)
    {
        ArgumentNullException.ThrowIfNull(cameraPose);
        ArgumentNullException.ThrowIfNull(noise);
        var depth = new float[intrinsics.PixelCount];
        float[] integrated = smoothing is null ? depth : new float[intrinsics.PixelCount];
        var random = new Random(seed);
        return RunFrames(world, region, resolution, maxRange, frameRate, duration, policy, delay, (scene, t, integrator) =>
        {
            Pose3 pose = cameraPose(t);
            DepthRenderer.Render(scene, intrinsics, pose, depth);
            noise.Apply(depth, intrinsics, random);
            smoothing?.Apply(depth, intrinsics, integrated);
            integrator.Integrate(integrated, intrinsics, pose);
        });
    }

    /// <summary>Runs the world through a camera rig (one depth image per camera, integrated as one rig frame).</summary>
    /// <param name="world">The world.</param>
    /// <param name="region">The box scored (static ground truth and trail), world frame.</param>
    /// <param name="resolution">Voxel edge, metres.</param>
    /// <param name="rig">The depth cameras on the body.</param>
    /// <param name="bodyPose">The body's pose at each time (REP-103 body: x forward, y left, z up).</param>
    /// <param name="maxRange">Integration range, metres.</param>
    /// <param name="frameRate">Frames a second; positive.</param>
    /// <param name="duration">Seconds; positive.</param>
    /// <param name="policy">Decay applied before each frame.</param>
    /// <param name="noise">Depth noise added to each image.</param>
    /// <param name="smoothing">Smoothing of each noisy image before it is integrated (null: none).</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <param name="delay">Seconds after leaving at which trail voxels are scored.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rate or duration is not positive and finite.</exception>
    public static GhostTrailResult Run(MovingWorld world, Aabb region, double resolution, CameraRig rig, Func<double, Pose3> bodyPose,
        float maxRange, double frameRate, double duration, DecayPolicy policy, DepthNoiseModel noise, DepthSmoothing? smoothing, int seed, double delay)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(bodyPose);
        ArgumentNullException.ThrowIfNull(noise);
        var images = new float[rig.Cameras.Count][];
        var smoothed = new float[images.Length][];
        var memories = new ReadOnlyMemory<float>[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = new float[rig.Cameras[i].Intrinsics.PixelCount];
            smoothed[i] = smoothing is null ? images[i] : new float[images[i].Length];
            memories[i] = smoothed[i];
        }

        var random = new Random(seed);
        return RunFrames(world, region, resolution, maxRange, frameRate, duration, policy, delay, (scene, t, integrator) =>
        {
            Pose3 body = bodyPose(t);
            for (int i = 0; i < images.Length; i++)
            {
                PinholeIntrinsics k = rig.Cameras[i].Intrinsics;
                DepthRenderer.Render(scene, k, rig.CameraPose(i, body), images[i]);
                noise.Apply(images[i], k, random);
                smoothing?.Apply(images[i], k, smoothed[i]);
            }

            integrator.Integrate(rig, body, memories);
        });
    }

    private static GhostTrailResult RunFrames(MovingWorld world, Aabb region, double resolution, float maxRange, double frameRate, double duration,
        DecayPolicy policy, double delay, Action<Scene, double, DepthImageIntegrator> frame)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(policy);
        int frames = FrameCount(frameRate, duration);

        GroundTruth truth = GroundTruth.Voxelize(world.StaticScene, region, resolution);
        var map = new OccupancyMap(resolution);
        var integrator = new DepthImageIntegrator(map, maxRange);
        var trail = new GhostTrail(world, truth, delay);
        for (int k = 0; k < frames; k++)
        {
            double t = k / frameRate;
            policy.Apply(map, t);
            frame(world.SceneAt(t), t, integrator);
            trail.Record(map, t);
        }

        return new GhostTrailResult(trail.Share, trail.Ghosts, trail.Scored, OccupancyMetrics.Compare(map, truth), map);
    }

    // Frames of a run from t = 0 to the duration at the rate, both checked.
    internal static int FrameCount(double frameRate, double duration)
    {
        if (!(frameRate > 0 && double.IsFinite(frameRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(frameRate), frameRate, $"frameRate must be positive and finite, but was {frameRate}.");
        }

        if (!(duration > 0 && double.IsFinite(duration)))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, $"duration must be positive and finite, but was {duration}.");
        }

        return (int)Math.Floor(duration * frameRate) + 1;
    }
}
