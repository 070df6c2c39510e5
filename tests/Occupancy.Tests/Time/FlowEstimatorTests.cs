using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Time;

/// <summary>
/// The flow estimator against analytic motion: a box sliding past a wall, seen as point clouds from a fixed sensor
/// (exact ray casting carves the free space it moves into). World frame, metres, z up; seconds.
/// </summary>
public class FlowEstimatorTests
{
    private const double Resolution = 0.1;
    private static readonly Vector3 Origin = new(0, 0, 1);
    private static readonly Vector3 BoxSize = new(2, 1, 1.2f);

    [Fact]
    public void A_box_moving_at_three_metres_a_second_is_one_moving_track_with_that_velocity()
    {
        var velocity = new Vector3(3, 0, 0);
        (OccupancyMap map, FlowEstimator flow) = Run(velocity, frames: 21);

        FlowTrack[] moving = flow.Tracks.Where(t => t.IsMoving).ToArray();
        Assert.Single(moving);
        Assert.True(Vector3.Distance(moving[0].Velocity, velocity) < 0.2f, $"velocity {moving[0].Velocity}, true {velocity}");

        // Every voxel of the box's visible face has the box's velocity; no voxel of the wall has any.
        Vector3 centre = BoxCentre(velocity, 2.0);
        int face = 0;
        foreach (Vector3 p in BoxFace(centre))
        {
            Assert.True(flow.TryGetVelocity(map.KeyOf(p), out Vector3 v), $"no velocity at {p}");
            Assert.True(Vector3.Distance(v, velocity) < 0.2f, $"velocity {v} at {p}");
            face++;
        }

        Assert.True(face > 100);
        foreach (Vector3 p in Wall())
        {
            Assert.False(flow.TryGetVelocity(map.KeyOf(p), out _), $"the wall or floor moves at {p}");
        }
    }

    [Fact]
    public void A_moving_track_lends_its_velocity_to_its_box_widened_across_and_one_voxel_up_not_down()
    {
        var velocity = new Vector3(3, 0, 0);
        (OccupancyMap map, FlowEstimator flow) = Run(velocity, frames: 21);
        // The track's box at the last frame is the box of its cluster: the voxels of the face seen then.
        VoxelKey[] face = BoxFace(BoxCentre(velocity, 2.0)).Select(map.KeyOf).ToArray();
        var min = new VoxelKey(face.Min(k => k.X), face.Min(k => k.Y), face.Min(k => k.Z));
        var max = new VoxelKey(face.Max(k => k.X), face.Max(k => k.Y), face.Max(k => k.Z));
        int m = FlowEstimator.BoxMargin, midX = (min.X + max.X) / 2, midZ = (min.Z + max.Z) / 2;
        bool Moves(int x, int y, int z) => flow.TryGetVelocity(new VoxelKey(x, y, z), out Vector3 v) && Vector3.Distance(v, velocity) < 0.2f;

        Assert.True(Moves(max.X + m, min.Y, midZ), "the margin ahead");
        Assert.False(Moves(max.X + m + 1, min.Y, midZ), "past the margin ahead");
        Assert.True(Moves(min.X - m, min.Y, midZ), "the margin behind");
        Assert.False(Moves(min.X - m - 1, min.Y, midZ), "past the margin behind");
        Assert.True(Moves(midX, min.Y - m, midZ), "the margin toward the sensor");
        Assert.False(Moves(midX, min.Y - m - 1, midZ), "past the margin toward the sensor");
        Assert.True(Moves(midX, min.Y, max.Z + 1), "one voxel above (a roof seen at a grazing angle)");
        Assert.False(Moves(midX, min.Y, max.Z + 2), "two voxels above");
        Assert.False(Moves(midX, min.Y, min.Z - 1), "below, where the ground is");
    }

    [Fact]
    public void A_standing_track_lends_its_velocity_to_the_ground_layer_its_feet_share_and_no_lower()
    {
        // A runner 0.4 m wide and 1.6 m tall on the floor (its lowest voxels are the floor's, held occupied before it
        // came): its cluster starts a voxel above the floor, and the floor's voxels under it, widened by a voxel, take
        // its velocity; the box of the wider box in the test above does not reach down.
        var velocity = new Vector3(3, 0, 0);
        var size = new Vector3(0.4f, 0.4f, 1.6f);
        (OccupancyMap map, FlowEstimator flow) = Run(velocity, frames: 21, size: size);
        VoxelKey[] face = BoxFace(BoxCentre(velocity, 2.0), size).Select(map.KeyOf).Where(k => k.Z >= 1).ToArray();
        var min = new VoxelKey(face.Min(k => k.X), face.Min(k => k.Y), face.Min(k => k.Z));
        var max = new VoxelKey(face.Max(k => k.X), face.Max(k => k.Y), face.Max(k => k.Z));
        int midX = (min.X + max.X) / 2;
        bool Moves(int x, int y, int z) => flow.TryGetVelocity(new VoxelKey(x, y, z), out Vector3 v) && Vector3.Distance(v, velocity) < 0.2f;

        Assert.Equal(1, min.Z);
        Assert.True(Moves(midX, min.Y, 1), "the walker's lowest voxels above the floor");
        Assert.True(Moves(midX, min.Y, 0), "the floor's voxel under the walker");
        Assert.True(Moves(max.X + 1, min.Y - 1, 0), "the floor's voxels a voxel around the walker");
        Assert.False(Moves(max.X + 2, min.Y, 0), "two voxels ahead on the floor");
        Assert.False(Moves(midX, min.Y, -1), "under the floor");
    }

    [Fact]
    public void A_walker_coming_into_view_near_another_starts_its_own_track_and_keeps_its_own_velocity()
    {
        // Two walkers (0.4 x 0.4 x 1.6 m) meet: A walks at +2 m/s from the start; B, 0.5 m further from the sensor,
        // walks at −2 m/s and is first seen at 0.8 s, 2.4 m ahead of A (within two metres of A's box along its motion,
        // the reach of a car past its part seen). A walker's track never reaches so far: B is a track of its own, and
        // each walker's voxels take its own velocity.
        var size = new Vector3(0.4f, 0.4f, 1.6f);
        var velocityA = new Vector3(2, 0, 0);
        var velocityB = new Vector3(-2, 0, 0);
        Vector3 CentreA(double t) => new Vector3(-4, 4.5f, 0.8f) + (velocityA * (float)t);
        Vector3 CentreB(double t) => new Vector3(1.6f, 5.0f, 0.8f) + (velocityB * (float)t);
        var map = new OccupancyMap(Resolution);
        var integrator = new PointCloudIntegrator(map);
        var flow = new FlowEstimator(map);
        double last = 1.3;
        for (int k = 0; k <= 13; k++)
        {
            double t = k / 10.0;
            Vector3 a = CentreA(t), b = CentreB(t);
            bool seenB = k >= 8;
            var points = BoxFace(a, size)
                .Concat(seenB ? BoxFace(b, size).Where(p => !Hidden(p, a, size)) : [])
                .Concat(Wall().Where(p => !Hidden(p, a, size) && !(seenB && Hidden(p, b, size))))
                .ToArray();
            flow.Observe(points, t);
            integrator.IntegrateWorldFrame(points, Origin, t);
        }

        Assert.Equal(2, flow.Tracks.Count(t => t.IsMoving));
        foreach ((Vector3 centre, Vector3 velocity) in new[] { (CentreA(last), velocityA), (CentreB(last), velocityB) })
        {
            int faces = 0;
            foreach (Vector3 p in BoxFace(centre, size).Where(p => p.Z >= 0.1f))
            {
                Assert.True(flow.TryGetVelocity(map.KeyOf(p), out Vector3 v), $"no velocity at {p}");
                Assert.True(Vector3.Distance(v, velocity) < 0.3f, $"velocity {v} at {p}, true {velocity}");
                faces++;
            }

            Assert.True(faces > 200, $"{faces} points of the walker's face at {centre}");
        }
    }

    [Fact]
    public void A_vehicle_seen_end_on_lends_its_velocity_to_its_own_earlier_hits_that_it_now_hides()
    {
        // A car (1.8 m wide, 4.5 m long, 1.5 m tall) drives at 3 m/s straight at the sensor from beyond its 7 m range
        // (returns farther away are no returns): only its front is seen. Its front's hits of the last frames stay
        // occupied in the map, hidden by the front as it comes on; the truth there is the car's body. Those of the
        // last 7 frames take the car's velocity, though no surface seen now is there.
        const float Range = 7;
        var velocity = new Vector3(0, -3, 0);
        var size = new Vector3(1.8f, 4.5f, 1.5f);
        Vector3 Centre(double t) => new Vector3(0.3f, 9.5f, 0.8f) + (velocity * (float)t);
        var map = new OccupancyMap(Resolution);
        var integrator = new PointCloudIntegrator(map);
        var flow = new FlowEstimator(map);
        const int Frames = 16;
        for (int k = 0; k < Frames; k++)
        {
            double t = k / 10.0;
            Vector3 c = Centre(t);
            var points = BoxFace(c, size).Concat(Wall().Where(p => !Hidden(p, c, size))).Where(p => Vector3.Distance(p, Origin) <= Range).ToArray();
            flow.Observe(points, t);
            integrator.IntegrateWorldFrame(points, Origin, t);
        }

        FlowTrack car = Assert.Single(flow.Tracks, t => t.IsMoving);
        Assert.True(Vector3.Distance(car.Velocity, velocity) < 0.3f, $"velocity {car.Velocity}");
        double last = (Frames - 1) / 10.0;
        float front = Centre(last).Y - (size.Y / 2), sevenBefore = Centre(last - 0.7).Y - (size.Y / 2);
        int hidden = 0;
        foreach (VoxelInfo voxel in map.EnumerateVoxels(VoxelState.Occupied))
        {
            Vector3 p = map.CenterOf(voxel.Key);
            if (p.Y > front + 0.3f && p.Y < sevenBefore && MathF.Abs(p.X - 0.3f) < 0.8f && p.Z > 0.2f && p.Z < 1.5f)
            {
                Assert.True(flow.TryGetVelocity(voxel.Key, out Vector3 v) && Vector3.Distance(v, velocity) < 0.3f, $"no velocity at the hidden hit {voxel.Key}");
                hidden++;
            }
        }

        Assert.True(hidden > 50, $"{hidden} hits of the last fronts inside the car held occupied");
    }

    [Fact]
    public void A_moving_track_seen_in_a_few_voxels_coasts_and_a_few_voxels_alone_start_nothing()
    {
        var velocity = new Vector3(3, 0, 0);
        // Seen whole for two seconds, then for four frames only a patch of its face (6 to 12 voxels: fewer than a
        // cluster needs to start a track, at least the third of that which keeps a moving one).
        (OccupancyMap map, FlowEstimator flow) = Run(velocity, frames: 25, patchFrom: 21);
        Assert.InRange(flow.KeepVoxels, 5, flow.MinClusterVoxels - 1);
        FlowTrack track = Assert.Single(flow.Tracks, t => t.IsMoving);
        Assert.Equal(2.4, track.LastSeen, 9);
        Assert.InRange(track.Voxels, flow.KeepVoxels, flow.MinClusterVoxels - 1);
        Assert.True(Vector3.Distance(track.Velocity, velocity) < 0.2f, $"velocity {track.Velocity}, true {velocity}");
        foreach (Vector3 p in Patch(BoxCentre(velocity, 2.4)))
        {
            Assert.True(flow.TryGetVelocity(map.KeyOf(p), out Vector3 v) && Vector3.Distance(v, velocity) < 0.2f, $"no velocity near the truth at {p}");
        }

        // The same patch alone from the start is never followed.
        (map, flow) = Run(velocity, frames: 21, patchFrom: 0);
        Assert.Empty(flow.Tracks);
        foreach (VoxelInfo voxel in map.EnumerateVoxels(VoxelState.Occupied))
        {
            Assert.False(flow.TryGetVelocity(voxel.Key, out _));
        }
    }

    [Fact]
    public void A_box_standing_still_moves_nothing()
    {
        (OccupancyMap map, FlowEstimator flow) = Run(Vector3.Zero, frames: 21);
        Assert.DoesNotContain(flow.Tracks, t => t.IsMoving);
        foreach (VoxelInfo voxel in map.EnumerateVoxels(VoxelState.Occupied))
        {
            Assert.False(flow.TryGetVelocity(voxel.Key, out _));
        }
    }

    [Fact]
    public void The_forecast_moves_the_box_to_where_it_will_be_and_the_static_forecast_is_the_map()
    {
        var velocity = new Vector3(3, 0, 0);
        (OccupancyMap map, FlowEstimator flow) = Run(velocity, frames: 21);

        // Horizon zero: every occupied voxel of the map with its probability, nothing else.
        var forecast = new Dictionary<VoxelKey, float>();
        Assert.Equal(0, flow.Forecast(0, forecast));
        var occupied = new Dictionary<VoxelKey, float>();
        foreach (VoxelInfo v in map.EnumerateVoxels(VoxelState.Occupied))
        {
            occupied[v.Key] = 1 / (1 + MathF.Exp(-v.LogOdds));
        }

        Assert.Equal(occupied.Count, forecast.Count);
        foreach ((VoxelKey key, float p) in occupied)
        {
            Assert.Equal(p, forecast[key], 6);
        }

        // One second ahead: the box's visible face where the box will be (3 m on), within a voxel, wherever the map
        // holds the face occupied now (its leading 0.6 m is still free in the map: a free voxel takes three hits to
        // turn occupied, OctoMap's hysteresis).
        int moved = flow.Forecast(1.0, forecast);
        Assert.True(moved > 100, $"{moved} voxels moved");
        Vector3 future = BoxCentre(velocity, 3.0), shift = velocity * 1.0f;
        int held = 0, found = 0;
        foreach (Vector3 p in BoxFace(future))
        {
            if (map.GetState(p - shift) != VoxelState.Occupied)
            {
                continue;
            }

            held++;
            VoxelKey key = map.KeyOf(p);
            bool near = false;
            for (int dx = -1; dx <= 1 && !near; dx++)
            {
                near |= forecast.TryGetValue(key.Offset(dx, 0, 0), out float probability) && probability > 0.5f;
            }

            found += near ? 1 : 0;
        }

        Assert.True(held > 500, $"the map holds only {held} face points occupied");
        Assert.True(found >= 0.98 * held, $"{found} of {held} face points forecast occupied");

        // The static forecast leaves the box where it is now: nothing at the future face's far end.
        flow.Forecast(0, forecast);
        Assert.False(forecast.ContainsKey(map.KeyOf(future + new Vector3(0.9f, -BoxSize.Y / 2, 0))));
    }

    [Fact]
    public void Bad_arguments_name_the_parameter_and_non_finite_returns_are_counted()
    {
        var map = new OccupancyMap(Resolution);
        Assert.Equal("youngAge", Assert.Throws<ArgumentOutOfRangeException>(() => new FlowEstimator(map, youngAge: 0)).ParamName);
        Assert.Equal("window", Assert.Throws<ArgumentOutOfRangeException>(() => new FlowEstimator(map, window: double.NaN)).ParamName);
        Assert.Equal("minClusterVoxels", Assert.Throws<ArgumentOutOfRangeException>(() => new FlowEstimator(map, minClusterVoxels: 0)).ParamName);
        Assert.Equal("gate", Assert.Throws<ArgumentOutOfRangeException>(() => new FlowEstimator(map, gate: -1)).ParamName);
        Assert.Equal("minSpeed", Assert.Throws<ArgumentOutOfRangeException>(() => new FlowEstimator(map, minSpeed: double.PositiveInfinity)).ParamName);
        Assert.Equal("minFrames", Assert.Throws<ArgumentOutOfRangeException>(() => new FlowEstimator(map, minFrames: 1)).ParamName);

        var flow = new FlowEstimator(map);
        flow.Observe([new Vector3(1, 2, 3), new Vector3(float.NaN, 0, 0), new Vector3(0, float.PositiveInfinity, 0)], 1.0);
        Assert.Equal(2, flow.NoReturns);
        Assert.Equal(1, flow.FrameVoxels);
        var later = Assert.Throws<ArgumentOutOfRangeException>(() => flow.Observe([Vector3.One], 1.0));
        Assert.Equal("timestamp", later.ParamName);
        Assert.Contains("1", later.Message, StringComparison.Ordinal);
        Assert.Equal("timestamp", Assert.Throws<ArgumentOutOfRangeException>(() => flow.Observe([Vector3.One], double.NaN)).ParamName);
        Assert.Equal(1.0, flow.Time);
        Assert.Equal("horizon", Assert.Throws<ArgumentOutOfRangeException>(() => flow.Forecast(-1, [])).ParamName);
    }

    // Frames at 10 Hz: the visible returns (the box's face toward the sensor, the wall where the box does not hide
    // it) given to the estimator, then integrated by exact ray casting.
    // From frame patchFrom on only a patch of the face is seen.
    private static (OccupancyMap Map, FlowEstimator Flow) Run(Vector3 velocity, int frames, int patchFrom = int.MaxValue, Vector3? size = null)
    {
        Vector3 box = size ?? BoxSize;
        var map = new OccupancyMap(Resolution);
        var integrator = new PointCloudIntegrator(map);
        var flow = new FlowEstimator(map);
        for (int k = 0; k < frames; k++)
        {
            double t = k / 10.0;
            Vector3 centre = BoxCentre(velocity, t);
            var points = (k >= patchFrom ? Patch(centre) : BoxFace(centre, box)).Concat(Wall().Where(p => !Hidden(p, centre, box))).ToArray();
            flow.Observe(points, t);
            integrator.IntegrateWorldFrame(points, Origin, t);
        }

        return (map, flow);
    }

    private static Vector3 BoxCentre(Vector3 velocity, double t) => new Vector3(-4, 4.5f, 0.8f) + (velocity * (float)t);

    // The box's face toward the sensor (y = centre − half its depth), sampled every 5 cm.
    private static IEnumerable<Vector3> BoxFace(Vector3 centre) => BoxFace(centre, BoxSize);

    private static IEnumerable<Vector3> BoxFace(Vector3 centre, Vector3 size)
    {
        Vector3 half = size / 2;
        for (float x = -half.X + 0.025f; x < half.X; x += 0.05f)
        {
            for (float z = -half.Z + 0.025f; z < half.Z; z += 0.05f)
            {
                yield return new Vector3(centre.X + x, centre.Y - half.Y, centre.Z + z);
            }
        }
    }

    // A patch of the face, 0.3 m wide and 0.2 m tall around its centre: 3 or 4 voxels by 2 or 3.
    private static IEnumerable<Vector3> Patch(Vector3 centre) =>
        BoxFace(centre).Where(p => MathF.Abs(p.X - centre.X) < 0.15f && MathF.Abs(p.Z - centre.Z) < 0.1f);

    // A wall 10 m away along y, 20 m wide, 3 m tall, and the floor before it, sampled every 5 cm (the floor's returns
    // carve the space the box moves into, down to the floor).
    private static IEnumerable<Vector3> Wall()
    {
        for (float x = -10; x < 10; x += 0.05f)
        {
            for (float y = 1.025f; y < 10; y += 0.05f)
            {
                yield return new Vector3(x, y, 0);
            }
        }

        for (float x = -10; x < 10; x += 0.05f)
        {
            for (float z = 0.025f; z < 3; z += 0.05f)
            {
                yield return new Vector3(x, 10, z);
            }
        }
    }

    // True when the ray from the sensor to the point passes through the box (slab test).
    private static bool Hidden(Vector3 point, Vector3 centre, Vector3 size)
    {
        Vector3 lo = centre - (size / 2), hi = centre + (size / 2), d = point - Origin;
        float enter = 0, leave = 1;
        for (int axis = 0; axis < 3; axis++)
        {
            float o = axis == 0 ? Origin.X : axis == 1 ? Origin.Y : Origin.Z, v = axis == 0 ? d.X : axis == 1 ? d.Y : d.Z;
            float a = axis == 0 ? lo.X : axis == 1 ? lo.Y : lo.Z, b = axis == 0 ? hi.X : axis == 1 ? hi.Y : hi.Z;
            if (MathF.Abs(v) < 1e-9f)
            {
                if (o < a || o > b)
                {
                    return false;
                }

                continue;
            }

            float t0 = (a - o) / v, t1 = (b - o) / v;
            enter = MathF.Max(enter, MathF.Min(t0, t1));
            leave = MathF.Min(leave, MathF.Max(t0, t1));
        }

        return enter < leave;
    }
}
