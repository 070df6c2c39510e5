using System.Diagnostics;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// Ghost trails in the standard room (a person walks across while a depth camera circles at 10 Hz for 12 s) and on the
/// street (a car passes the standing ego car, seen by its four roof cameras): the share
/// of the person's trail still occupied 2 s after they left it, with OctoMap's behaviour (no decay) and with decay,
/// noise-free, with the default depth noise, and with that noise smoothed (<see cref="DepthSmoothing"/>); the static structure's IoU, its known voxels, and the share of the
/// static voxels the no-decay map holds occupied that the decayed map still holds.
/// </summary>
internal static class Ghosts
{
    public static int Run(double halfLife, double halfLifeInView)
    {
        var decay = DecayPolicy.Exponential(halfLife, halfLifeInView);
        Console.WriteLine($"ghost trails at 10 Hz, trail scored 2 s after leaving; decay: exponential, half-life {halfLife} s out of view, {halfLifeInView} s in view");
        Console.WriteLine("room: a person crosses at 1.3 m/s, one camera circles, 12 s; street: a car passes the standing ego car at 10 m/s, its four roof cameras, 9 s");
        Console.WriteLine($"{"scene",-7} {"depth",-10} {"decay",-12} {"trail",8} {"ghosts",12} {"static IoU",11} {"known voxels",13} {"static kept",12} {"seconds",8}");
        MovingWorld room = StandardRoom.CreateCrossingWorld(), street = StreetScene.CreatePassingWorld();
        Table("room", room, StandardRoom.Bounds, StandardRoom.Resolution, (policy, noise, smoothing) => GhostTrailRun.Run(room, StandardRoom.Bounds, StandardRoom.Resolution,
            StandardRoom.Intrinsics, StandardRoom.SweepCameraPose, StandardRoom.MaxRange, 10, 12, policy, noise, smoothing, 7, 2.0), decay);
        Table("street", street, StreetScene.EgoRegion, StreetScene.Resolution, (policy, noise, smoothing) => GhostTrailRun.Run(street, StreetScene.EgoRegion, StreetScene.Resolution,
            StreetScene.SurroundRig(), _ => StreetScene.EgoPose, StreetScene.MaxRange, 10, 9, policy, noise, smoothing, 7, 2.0), decay);
        return 0;
    }

    private static void Table(string name, MovingWorld world, Aabb region, double resolution, Func<DecayPolicy, DepthNoiseModel, DepthSmoothing?, GhostTrailResult> run, DecayPolicy decay)
    {
        GroundTruth truth = GroundTruth.Voxelize(world.StaticScene, region, resolution);
        foreach ((bool noisy, bool smooth) in new[] { (false, false), (true, false), (true, true) })
        {
            GhostTrailResult? baseline = null;
            foreach (DecayPolicy policy in new[] { DecayPolicy.None, decay })
            {
                long start = Stopwatch.GetTimestamp();
                GhostTrailResult r = run(policy, noisy ? new DepthNoiseModel() : DepthNoiseModel.None, smooth ? new DepthSmoothing() : null);
                double kept = 1;
                if (baseline is not null)
                {
                    long held = 0, still = 0;
                    foreach (VoxelInfo v in baseline.Map.EnumerateVoxels(VoxelState.Occupied))
                    {
                        if (truth.IsOccupied(v.Key))
                        {
                            held++;
                            still += r.Map.GetState(v.Key) == VoxelState.Occupied ? 1 : 0;
                        }
                    }

                    kept = (double)still / held;
                }

                baseline ??= r;
                Console.WriteLine($"{name,-7} {(smooth ? "smoothed" : noisy ? "noisy" : "noise-free"),-10} {(policy.Decays ? "exponential" : "none"),-12} {r.TrailShare,8:P2} {$"{r.Ghosts}/{r.Scored}",12} {r.Static.IoU,11:F4} {r.Static.Evaluated,13} {kept,12:P1} {Stopwatch.GetElapsedTime(start).TotalSeconds,8:F1}");
            }
        }
    }
}
