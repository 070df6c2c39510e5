using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>A forecast's scores at one horizon beside the static forecast's (the map as it was).</summary>
/// <param name="Horizon">Seconds ahead.</param>
/// <param name="SoftIoU">Soft IoU of the flow forecast.</param>
/// <param name="Auc">AUC of the flow forecast.</param>
/// <param name="StaticSoftIoU">Soft IoU of the static forecast.</param>
/// <param name="StaticAuc">AUC of the static forecast.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record ForecastResult(double Horizon, double SoftIoU, double Auc, double StaticSoftIoU, double StaticAuc);

/// <summary>What a <see cref="FlowRun"/> measured.</summary>
/// <param name="TrailShare">Ghost trail share at the delay (see <see cref="GhostTrail"/>).</param>
/// <param name="Static">The map's known voxels against the static structure's ground truth at the end.</param>
/// <param name="EndPointError">Flow end-point error over the moving voxels the map held occupied, metres per second (see <see cref="FlowEndPointError"/>).</param>
/// <param name="FlowVoxels">Moving voxels scored for the end-point error.</param>
/// <param name="EstimatedShare">Share of those the estimator gave a velocity.</param>
/// <param name="Forecasts">Forecast scores at each horizon.</param>
/// <param name="ObserveMilliseconds">Mean wall time of <see cref="FlowEstimator.Observe"/> per frame, milliseconds.</param>
/// <param name="ForecastMilliseconds">Mean wall time of one <see cref="FlowEstimator.Forecast"/> call, milliseconds.</param>
/// <param name="Map">The map at the end.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record FlowRunResult(double TrailShare, OccupancyMetrics Static, double EndPointError, long FlowVoxels, double EstimatedShare,
    IReadOnlyList<ForecastResult> Forecasts, double ObserveMilliseconds, double ForecastMilliseconds, OccupancyMap Map)
{
    /// <summary>Share of the still voxels the map held occupied (not moving in the truth) that the estimator gave a velocity: false flow.</summary>
    public double StillWithVelocityShare { get; init; } = double.NaN;

    /// <summary>Mean speed given to the still voxels the map held occupied, metres per second: their end-point error.</summary>
    public double StillEndPointError { get; init; } = double.NaN;
}

/// <summary>One frame of a <see cref="FlowRun"/>, after its integration, for pictures and logs.</summary>
/// <param name="Time">Seconds.</param>
/// <param name="Scene">The world at that time.</param>
/// <param name="Map">The map after the frame.</param>
/// <param name="Flow">The flow estimator after the frame.</param>
public sealed record FlowFrame(double Time, Scene Scene, OccupancyMap Map, FlowEstimator Flow);

/// <summary>
/// One run of a moving world through a camera rig, scoring everything the living map does: each frame rendered at a
/// fixed rate, noise added, the decay policy applied, the frame's returns (within range) given to a
/// <see cref="FlowEstimator"/> and the frame integrated; ghost trails recorded; from <c>scoreFrom</c> on, the flow's
/// end-point error and occupancy forecasts at each horizon (the map moved along its flow, and left as it is) against
/// the movers' true future. World frame, metres, z up; seconds.
/// </summary>
public static class FlowRun
{
    /// <summary>Runs the world from t = 0 to <paramref name="duration"/>.</summary>
    /// <param name="world">The world.</param>
    /// <param name="region">The box scored, world frame.</param>
    /// <param name="resolution">Voxel edge, metres.</param>
    /// <param name="rig">The depth cameras on the body.</param>
    /// <param name="bodyPose">The body's pose at each time (REP-103 body: x forward, y left, z up).</param>
    /// <param name="maxRange">Integration range, metres.</param>
    /// <param name="frameRate">Frames a second; positive.</param>
    /// <param name="duration">Seconds; positive.</param>
    /// <param name="policy">Decay applied before each frame.</param>
    /// <param name="noise">Depth noise added to each image.</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <param name="scoreFrom">Seconds of history before flow and forecasts are scored (Waymo's challenge gives one second).</param>
    /// <param name="horizons">Forecast horizons, seconds.</param>
    /// <param name="onFrame">Called after each frame; may be null.</param>
    /// <param name="createEstimator">Makes the flow estimator for the run's map; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rate or duration is not positive and finite.</exception>
    public static FlowRunResult Run(MovingWorld world, Aabb region, double resolution, CameraRig rig, Func<double, Pose3> bodyPose, float maxRange,
        double frameRate, double duration, DecayPolicy policy, DepthNoiseModel noise, int seed, double scoreFrom, IReadOnlyList<double> horizons,
        Action<FlowFrame>? onFrame, Func<OccupancyMap, FlowEstimator>? createEstimator)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(bodyPose);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(horizons);
        int frames = GhostTrailRun.FrameCount(frameRate, duration);

        GroundTruth truth = GroundTruth.Voxelize(world.StaticScene, region, resolution);
        var map = new OccupancyMap(resolution);
        var integrator = new DepthImageIntegrator(map, maxRange);
        FlowEstimator flow = createEstimator?.Invoke(map) ?? new FlowEstimator(map);
        var trail = new GhostTrail(world, truth, 2.0);
        var error = new FlowEndPointError();
        var moved = new ForecastScore[horizons.Count];
        var still = new ForecastScore[horizons.Count];
        for (int h = 0; h < horizons.Count; h++)
        {
            moved[h] = new ForecastScore(truth);
            still[h] = new ForecastScore(truth);
        }

        var images = new float[rig.Cameras.Count][];
        var memories = new ReadOnlyMemory<float>[images.Length];
        int pixels = 0;
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = new float[rig.Cameras[i].Intrinsics.PixelCount];
            memories[i] = images[i];
            pixels += images[i].Length;
        }

        var points = new Vector3[pixels];
        var forecast = new Dictionary<VoxelKey, float>();
        var random = new Random(seed);
        int forecasts = 0;
        TimeSpan observeTime = TimeSpan.Zero, forecastTime = TimeSpan.Zero;
        for (int k = 0; k < frames; k++)
        {
            double t = k / frameRate;
            policy.Apply(map, t);
            Scene scene = world.SceneAt(t);
            Pose3 body = bodyPose(t);
            int count = RigFrame.Render(scene, rig, body, noise, random, images, points, maxRange);

            long observing = Stopwatch.GetTimestamp();
            flow.Observe(points.AsSpan(0, count), t);
            observeTime += Stopwatch.GetElapsedTime(observing);
            integrator.Integrate(rig, body, memories, t);
            trail.Record(map, t);
            if (t >= scoreFrom - 1e-9)
            {
                error.Add(map, flow, FlowTruth.Voxelize(world, t, region, resolution));
                for (int h = 0; h < horizons.Count; h++)
                {
                    FlowTruth future = FlowTruth.Voxelize(world, t + horizons[h], region, resolution);
                    long forecasting = Stopwatch.GetTimestamp();
                    flow.Forecast(horizons[h], forecast);
                    forecastTime += Stopwatch.GetElapsedTime(forecasting);
                    forecasts++;
                    moved[h].Add(forecast, future);
                    flow.Forecast(0, forecast);
                    still[h].Add(forecast, future);
                }
            }

            onFrame?.Invoke(new FlowFrame(t, scene, map, flow));
        }

        var results = new ForecastResult[horizons.Count];
        for (int h = 0; h < horizons.Count; h++)
        {
            results[h] = new ForecastResult(horizons[h], moved[h].SoftIoU, moved[h].Auc, still[h].SoftIoU, still[h].Auc);
        }

        return new FlowRunResult(trail.Share, OccupancyMetrics.Compare(map, truth), error.Mean, error.Voxels,
            error.Voxels == 0 ? double.NaN : (double)error.Estimated / error.Voxels, results,
            observeTime.TotalMilliseconds / frames, forecasts == 0 ? double.NaN : forecastTime.TotalMilliseconds / forecasts, map)
        {
            StillWithVelocityShare = error.StillVoxels == 0 ? double.NaN : (double)error.StillWithVelocity / error.StillVoxels,
            StillEndPointError = error.StillMean,
        };
    }
}
