using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Occupancy;
using Occupancy.Simulation;

/// <summary>
/// Occupancy flow and forecasts on the street with traffic (<see cref="StreetScene.CreateTrafficWorld"/>): the standing
/// ego car's four roof cameras at 10 Hz for 8 s, default depth noise, exponential decay; flow and forecasts scored from
/// 1 s on. `flow tune` sweeps the estimator's parameters on the tuning seeds 1-3; `flow SEED...` scores seeds (the
/// evaluation seeds, 101-105, were not looked at while tuning); `flow explain SEED [0]` splits a seed's end-point error
/// by kind of mover; `flow trace SEED [0]` prints it frame by frame, by mover, with the estimator's tracks.
/// </summary>
internal static class Flow
{
    private static readonly double[] Horizons = [0.5, 1.0];

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count == 1 && args[0] == "tune")
        {
            return Tune();
        }

        if (args.Count is 2 or 3 && args[0] == "explain")
        {
            return Explain(int.Parse(args[1], CultureInfo.InvariantCulture), args.Count == 2 || args[2] != "0");
        }

        if (args.Count is 2 or 3 && args[0] == "trace")
        {
            return Trace(int.Parse(args[1], CultureInfo.InvariantCulture), args.Count == 2 || args[2] != "0");
        }

        int[] seeds = args.Count == 0 ? [101, 102, 103, 104, 105] : [.. args.Select(a => int.Parse(a, CultureInfo.InvariantCulture))];
        Console.WriteLine("occupancy flow on the street with traffic: the standing ego car's four cameras, 10 Hz, 8 s, exponential decay 8 s / 0.25 s in view; flow and forecasts scored from 1 s");
        Console.WriteLine("EPE: moving voxels the map holds occupied; still+v: share of the still voxels the map holds occupied given a velocity (false flow), still EPE their mean speed; forecasts: soft IoU and AUC on the bird's-eye grid of movers' space, flow forecast vs static forecast");
        foreach (bool noisy in new[] { false, true })
        {
            Console.WriteLine(noisy ? "depth noise: StreetScene.DepthNoise (2 cm + 0.0002 z^2)" : "depth noise: none");
            Console.WriteLine($"{"seed",5} {"trail",7} {"static IoU",10} {"EPE m/s",8} {"voxels",8} {"estimated",9} {"still+v",8} {"still EPE",9} {"IoU+0.5",8} {"static",7} {"AUC+0.5",8} {"static",7} {"IoU+1.0",8} {"static",7} {"AUC+1.0",8} {"static",7} {"observe ms",10} {"forecast ms",11} {"seconds",8}");
            var all = new List<FlowRunResult>();
            foreach (int seed in seeds)
            {
                long start = Stopwatch.GetTimestamp();
                FlowRunResult r = RunSeed(seed, noisy, null);
                all.Add(r);
                Console.WriteLine(Row(seed.ToString(CultureInfo.InvariantCulture), r, Stopwatch.GetElapsedTime(start).TotalSeconds));
            }

            double Mean(Func<FlowRunResult, double> f) => all.Average(f);
            Console.WriteLine($"{"mean",5} {Mean(r => r.TrailShare),7:P2} {Mean(r => r.Static.IoU),10:F4} {Mean(r => r.EndPointError),8:F3} {"",8} {Mean(r => r.EstimatedShare),9:P1} {Mean(r => r.StillWithVelocityShare),8:P2} {Mean(r => r.StillEndPointError),9:F4} " +
                $"{Mean(r => r.Forecasts[0].SoftIoU),8:F3} {Mean(r => r.Forecasts[0].StaticSoftIoU),7:F3} {Mean(r => r.Forecasts[0].Auc),8:F3} {Mean(r => r.Forecasts[0].StaticAuc),7:F3} " +
                $"{Mean(r => r.Forecasts[1].SoftIoU),8:F3} {Mean(r => r.Forecasts[1].StaticSoftIoU),7:F3} {Mean(r => r.Forecasts[1].Auc),8:F3} {Mean(r => r.Forecasts[1].StaticAuc),7:F3} {Mean(r => r.ObserveMilliseconds),10:F1} {Mean(r => r.ForecastMilliseconds),11:F1}");
        }

        return 0;
    }

    internal static FlowRunResult RunSeed(int seed, bool noisy, Func<OccupancyMap, FlowEstimator>? estimator) =>
        FlowRun.Run(StreetScene.CreateTrafficWorld(seed), StreetScene.EgoRegion, StreetScene.Resolution, StreetScene.SurroundRig(), _ => StreetScene.EgoPose,
            StreetScene.MaxRange, 10, 8, DecayPolicy.Exponential(8, 0.25), noisy ? StreetScene.DepthNoise : DepthNoiseModel.None, seed, 1.0, Horizons, null, estimator);

    private static string Row(string name, FlowRunResult r, double seconds) =>
        $"{name,5} {r.TrailShare,7:P2} {r.Static.IoU,10:F4} {r.EndPointError,8:F3} {r.FlowVoxels,8} {r.EstimatedShare,9:P1} {r.StillWithVelocityShare,8:P2} {r.StillEndPointError,9:F4} " +
        $"{r.Forecasts[0].SoftIoU,8:F3} {r.Forecasts[0].StaticSoftIoU,7:F3} {r.Forecasts[0].Auc,8:F3} {r.Forecasts[0].StaticAuc,7:F3} " +
        $"{r.Forecasts[1].SoftIoU,8:F3} {r.Forecasts[1].StaticSoftIoU,7:F3} {r.Forecasts[1].Auc,8:F3} {r.Forecasts[1].StaticAuc,7:F3} {r.ObserveMilliseconds,10:F1} {r.ForecastMilliseconds,11:F1} {seconds,8:F1}";

    /// <summary>
    /// Where one seed's end-point error comes from: the moving voxels the map holds occupied from 1 s on, by kind (car:
    /// true speed above 4 m/s, else person) and by whether the estimator gave them a velocity, as shares of the seed's
    /// EPE (they sum to it), with the mean error of each kind. `flow explain SEED [0]` (0: no depth noise).
    /// </summary>
    private static int Explain(int seed, bool noisy)
    {
        MovingWorld world = StreetScene.CreateTrafficWorld(seed);
        var sums = new SortedDictionary<string, (double Error, long Voxels)>(StringComparer.Ordinal);
        double total = 0;
        long voxels = 0;
        FlowRunResult r = FlowRun.Run(world, StreetScene.EgoRegion, StreetScene.Resolution, StreetScene.SurroundRig(), _ => StreetScene.EgoPose,
            StreetScene.MaxRange, 10, 8, DecayPolicy.Exponential(8, 0.25), noisy ? StreetScene.DepthNoise : DepthNoiseModel.None, seed, 1.0, Horizons,
            frame =>
            {
                if (frame.Time < 1.0 - 1e-9)
                {
                    return;
                }

                FlowTruth truth = FlowTruth.Voxelize(world, frame.Time, StreetScene.EgoRegion, StreetScene.Resolution);
                foreach ((VoxelKey key, System.Numerics.Vector3 velocity) in truth.Velocities)
                {
                    if (velocity == System.Numerics.Vector3.Zero || frame.Map.GetState(key) != VoxelState.Occupied)
                    {
                        continue;
                    }

                    bool estimated = frame.Flow.TryGetVelocity(key, out System.Numerics.Vector3 estimate);
                    double error = System.Numerics.Vector3.Distance(estimate, velocity);
                    string kind = (velocity.Length() > 4 ? "car" : "person") + (estimated ? " with a velocity" : " without");
                    (double e, long n) = sums.GetValueOrDefault(kind);
                    sums[kind] = (e + error, n + 1);
                    total += error;
                    voxels++;
                }
            },
            null);
        Console.WriteLine($"seed {seed}, depth noise {(noisy ? "street" : "none")}: EPE {r.EndPointError:F3} m/s over {voxels} moving voxels (check {total / Math.Max(1, voxels):F3})");
        foreach ((string kind, (double error, long n)) in sums)
        {
            Console.WriteLine($"  {kind,-24} share of EPE {error / Math.Max(1, voxels):F3}  voxels {n,7}  mean error {error / n:F2} m/s");
        }

        return 0;
    }

    /// <summary>
    /// A seed frame by frame from 1 s on: each mover within 25 m of the ego car (its position, true velocity, the moving
    /// voxels the map holds occupied nearest to it and their mean end-point error), then each track the estimator
    /// published with at least 10 voxels (centroid, velocity, voxels, frames, moving). `flow trace SEED [0]` (0: no depth
    /// noise). For finding which mover and which frames an error comes from.
    /// </summary>
    private static int Trace(int seed, bool noisy)
    {
        MovingWorld world = StreetScene.CreateTrafficWorld(seed);
        var errors = new double[world.Movers.Count];
        var counts = new int[world.Movers.Count];
        FlowRun.Run(world, StreetScene.EgoRegion, StreetScene.Resolution, StreetScene.SurroundRig(), _ => StreetScene.EgoPose,
            StreetScene.MaxRange, 10, 8, DecayPolicy.Exponential(8, 0.25), noisy ? StreetScene.DepthNoise : DepthNoiseModel.None, seed, 1.0, Horizons,
            frame =>
            {
                if (frame.Time < 1.0 - 1e-9)
                {
                    return;
                }

                Array.Clear(errors);
                Array.Clear(counts);
                FlowTruth truth = FlowTruth.Voxelize(world, frame.Time, StreetScene.EgoRegion, StreetScene.Resolution);
                foreach ((VoxelKey key, System.Numerics.Vector3 velocity) in truth.Velocities)
                {
                    if (velocity == System.Numerics.Vector3.Zero || frame.Map.GetState(key) != VoxelState.Occupied)
                    {
                        continue;
                    }

                    frame.Flow.TryGetVelocity(key, out System.Numerics.Vector3 estimate);
                    System.Numerics.Vector3 centre = frame.Map.CenterOf(key);
                    int nearest = 0;
                    for (int m = 1; m < world.Movers.Count; m++)
                    {
                        if (System.Numerics.Vector3.Distance(world.Movers[m].Path.PoseAt(frame.Time).Position, centre)
                            < System.Numerics.Vector3.Distance(world.Movers[nearest].Path.PoseAt(frame.Time).Position, centre))
                        {
                            nearest = m;
                        }
                    }

                    errors[nearest] += System.Numerics.Vector3.Distance(estimate, velocity);
                    counts[nearest]++;
                }

                var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"t={frame.Time:F1}"));
                for (int m = 0; m < world.Movers.Count; m++)
                {
                    System.Numerics.Vector3 p = world.Movers[m].Path.PoseAt(frame.Time).Position;
                    System.Numerics.Vector3 v = world.Movers[m].Path.VelocityAt(frame.Time).Linear;
                    if (System.Numerics.Vector3.Distance(p, StreetScene.EgoPose.Position) <= 25)
                    {
                        line.Append(CultureInfo.InvariantCulture, $" | mover {m} ({p.X:F1}, {p.Y:F1}) v ({v.X:F1}, {v.Y:F1}) voxels {counts[m]} EPE {(counts[m] > 0 ? errors[m] / counts[m] : 0):F2}");
                    }
                }

                Console.WriteLine(line.ToString());
                foreach (FlowTrack t in frame.Flow.Tracks)
                {
                    if (t.Voxels >= 10)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"    track {t.Id} ({t.Position.X:F1}, {t.Position.Y:F1}, {t.Position.Z:F1}) v ({t.Velocity.X:F2}, {t.Velocity.Y:F2}, {t.Velocity.Z:F2}) voxels {t.Voxels} frames {t.Frames}{(t.IsMoving ? " moving" : "")}"));
                    }
                }
            },
            null);
        return 0;
    }

    private static int Tune()
    {
        Console.WriteLine("tuning seeds 1-3, street depth noise (NOISE=0: none): mean flow EPE (m/s) and forecast soft IoU at +1 s for each setting");
        var settings = new (string Name, Func<OccupancyMap, FlowEstimator> Make)[]
        {
            ("defaults", m => new FlowEstimator(m)),
            ("cluster 6", m => new FlowEstimator(m, minClusterVoxels: 6)),
            ("cluster 12", m => new FlowEstimator(m, minClusterVoxels: 12)),
            ("cluster 20", m => new FlowEstimator(m, minClusterVoxels: 20)),
            ("window 2", m => new FlowEstimator(m, window: 2)),
            ("window 0.5", m => new FlowEstimator(m, window: 0.5)),
            ("young 0.8", m => new FlowEstimator(m, youngAge: 0.8)),
            ("minFrames 3", m => new FlowEstimator(m, minFrames: 3)),
        };
        foreach ((string name, Func<OccupancyMap, FlowEstimator> make) in settings)
        {
            double epe = 0, iou = 0, still = 0;
            for (int seed = 1; seed <= 3; seed++)
            {
                FlowRunResult r = RunSeed(seed, noisy: Environment.GetEnvironmentVariable("NOISE") != "0", make);
                epe += r.EndPointError / 3;
                still += r.StillWithVelocityShare / 3;
                iou += r.Forecasts[1].SoftIoU / 3;
            }

            Console.WriteLine($"{name,-14} EPE {epe:F3}  IoU+1 {iou:F3}  still voxels with a velocity {still:P2}");
        }

        return 0;
    }
}
