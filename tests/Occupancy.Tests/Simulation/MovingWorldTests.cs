using System;
using System.Linq;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Simulation;

/// <summary>Moving worlds against analytic motion, and ghost trails with and without decay.</summary>
public class MovingWorldTests
{
    [Fact]
    public void A_walker_is_where_its_speed_puts_it_and_faces_along_its_leg()
    {
        var path = new WaypointTrajectory([new Vector3(0, 0, 0), new Vector3(4, 0, 0), new Vector3(4, 3, 0)], speed: 2, startTime: 1);
        Assert.Equal(4.5, path.EndTime, 12);
        Assert.Equal(Vector3.Zero, path.PoseAt(0).Position);                       // waits before the start
        Assert.Equal(new Vector3(2, 0, 0), path.PoseAt(2).Position);               // 1 s at 2 m/s
        Assert.Equal(new Vector3(4, 2, 0), path.PoseAt(4).Position);               // 2 s on leg 1, 1 s on leg 2
        Assert.Equal(new Vector3(4, 3, 0), path.PoseAt(9).Position);               // stays at the end
        Assert.Equal(new Vector3(2, 0, 0), path.VelocityAt(2).Linear);
        Assert.Equal(new Vector3(0, 2, 0), path.VelocityAt(4).Linear);
        Assert.Equal(Vector3.Zero, path.VelocityAt(0.5).Linear);
        Vector3 forward = path.PoseAt(4).Rotate(Vector3.UnitX);                    // body x along the leg
        Assert.True(Vector3.Distance(forward, Vector3.UnitY) < 1e-6f, $"{forward}");
        Assert.Equal("speed", Assert.Throws<ArgumentOutOfRangeException>(() => new WaypointTrajectory([Vector3.Zero, Vector3.UnitX], 0)).ParamName);
        Assert.Equal("waypoints", Assert.Throws<ArgumentException>(() => new WaypointTrajectory([Vector3.Zero, Vector3.Zero], 1)).ParamName);
    }

    [Fact]
    public void A_swinging_door_moves_its_edge_at_radius_times_angular_speed()
    {
        // A 0.9 m door on a hinge at the origin opens a quarter turn in 2 s.
        var door = new Mover(new AxisAlignedBox(new Aabb(new Vector3(0, -0.02f, 0), new Vector3(0.9f, 0.02f, 2))), new SwingTrajectory(Vector3.Zero, 0, MathF.PI / 2, 1, 3));
        var world = new MovingWorld([new HalfSpace(Vector3.Zero, Vector3.UnitZ, SemanticClass.Ground)], [door]);
        Assert.True(world.SceneAt(0).Raycast(new Vector3(0.5f, -1, 1), Vector3.UnitY, 5, out float closed, out _));
        Assert.Equal(0.98f, closed, 4);                                              // the closed door's face at y = -0.02
        Assert.False(world.SceneAt(3).Raycast(new Vector3(0.5f, -1, 1), Vector3.UnitY, 5, out _, out _)); // open: the ray passes
        Assert.True(world.SceneAt(3).Raycast(new Vector3(-1, 0.5f, 1), Vector3.UnitX, 5, out float open, out _));
        Assert.Equal(0.98f, open, 4);                                                // now across the x axis

        // Mid-swing, the edge (0.85 m out) moves at 0.85 · (pi/2 / 2 s), perpendicular to the door.
        Pose3 mid = door.Path.PoseAt(2);
        Vector3 edge = mid.Transform(new Vector3(0.85f, 0, 1));
        Assert.True(world.TryGetVelocity(edge, 2, out Vector3 v));
        Assert.Equal(0.85f * MathF.PI / 4, v.Length(), 4);
        Assert.Equal(0, Vector3.Dot(v, mid.Rotate(Vector3.UnitX)), 4);
        Assert.True(world.TryGetVelocity(new Vector3(3, 3, -1), 2, out Vector3 ground));  // static: zero
        Assert.Equal(Vector3.Zero, ground);
        Assert.False(world.TryGetVelocity(new Vector3(3, 3, 1), 2, out _));           // empty space
    }

    [Fact]
    public void Flow_ground_truth_gives_every_moving_voxel_its_rigid_velocity()
    {
        // The passing car at t = 3 s: every voxel it meets moves at (-10, 0, 0) m/s; the static street is not in it.
        MovingWorld street = StreetScene.CreatePassingWorld();
        FlowTruth car = FlowTruth.Voxelize(street, 3, StreetScene.Region, StreetScene.Resolution);
        GroundTruth occupied = GroundTruth.Voxelize(street.MoversAt(3)!, StreetScene.Region, StreetScene.Resolution);
        Assert.Equal(occupied.OccupiedKeys().Count(), car.Velocities.Count);
        Assert.True(car.Velocities.Count > 200, $"{car.Velocities.Count} car voxels");
        Assert.All(car.Velocities.Values, v => Assert.Equal(new Vector3(-10, 0, 0), v));

        // A door mid-swing: each voxel's speed is the angular speed times its centre's distance from the hinge.
        var door = new Mover(new AxisAlignedBox(new Aabb(new Vector3(0, -0.05f, 0), new Vector3(0.9f, 0.05f, 2))), new SwingTrajectory(new Vector3(1, 1, 0), 0, MathF.PI / 2, 0, 2));
        var world = new MovingWorld([new HalfSpace(Vector3.Zero, Vector3.UnitZ, SemanticClass.Ground)], [door]);
        FlowTruth swing = FlowTruth.Voxelize(world, 1, new Aabb(new Vector3(-1, -1, 0), new Vector3(3, 3, 2)), 0.05);
        Assert.NotEmpty(swing.Velocities);
        foreach ((VoxelKey key, Vector3 v) in swing.Velocities)
        {
            var centre = new Vector3((key.X + 0.5f) * 0.05f, (key.Y + 0.5f) * 0.05f, (key.Z + 0.5f) * 0.05f);
            float lever = new Vector2(centre.X - 1, centre.Y - 1).Length();
            Assert.Equal(lever * MathF.PI / 4, v.Length(), 4);
        }
    }

    [Fact]
    public void A_posed_primitive_is_its_body_moved_and_turned()
    {
        var body = new AxisAlignedBox(new Aabb(new Vector3(0, 0, 0), new Vector3(2, 1, 1)));
        var posed = new PosedPrimitive(body, new Pose3(new Vector3(10, 0, 0), Quaternion.CreateFromAxisAngle(Vector3.UnitZ, MathF.PI / 2)));
        Assert.True(posed.Contains(new Vector3(9.5f, 1.5f, 0.5f)));                    // body (1.5, 0.5) turned 90 degrees
        Assert.False(posed.Contains(new Vector3(11.5f, 0.5f, 0.5f)));
        Aabb b = posed.Bounds!.Value;
        Assert.True(Vector3.Distance(new Vector3(9, 0, 0), b.Min) < 1e-5f, $"{b.Min}");
        Assert.True(Vector3.Distance(new Vector3(10, 2, 1), b.Max) < 1e-5f, $"{b.Max}");
        Assert.True(posed.Intersect(new Vector3(9.5f, -5, 0.5f), Vector3.UnitY, 0, 100, out float t));
        Assert.Equal(5, t, 4);
    }

    [Fact]
    public void Decay_clears_the_trail_of_a_person_crossing_the_room_and_keeps_the_static_structure()
    {
        // The room at 10 Hz, 12 s, noise-free: a person crosses while the camera circles. OctoMap's behaviour (no decay)
        // leaves ghosts; exponential decay (8 s out of view, 0.25 s in view) must leave at most 1% of the trail occupied
        // 2 s after the person left it, with the static structure's IoU at least 0.95.
        // A scenario of a hundred rendered frames: run on the leg with vector hardware (its kernels are proven identical to
        // the scalar ones on every leg by the identity tests), which keeps the scalar legs within CI's time.
        Assert.SkipUnless(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "a long scenario: run on the default leg");
        MovingWorld world = StandardRoom.CreateCrossingWorld();
        GhostTrailResult Run(DecayPolicy policy) => GhostTrailRun.Run(world, StandardRoom.Bounds, StandardRoom.Resolution, StandardRoom.Intrinsics,
            StandardRoom.SweepCameraPose, StandardRoom.MaxRange, 10, 12, policy, DepthNoiseModel.None, null, 7, 2.0);
        GhostTrailResult none = Run(DecayPolicy.None);
        GhostTrailResult decay = Run(DecayPolicy.Exponential(8, 0.25));
        TestContext.Current.TestOutputHelper?.WriteLine($"no decay: trail {none.TrailShare:P2} ({none.Ghosts}/{none.Scored}), static IoU {none.Static.IoU:F4}; decay: trail {decay.TrailShare:P2} ({decay.Ghosts}/{decay.Scored}), static IoU {decay.Static.IoU:F4}");
        Assert.True(none.Scored > 100 && decay.Scored > 100, "the person's trail was not seen");
        Assert.True(none.TrailShare > 0.015, $"without decay the trail share is only {none.TrailShare:P2}: the scene shows no ghosts to clear");
        Assert.True(decay.TrailShare <= 0.01, $"trail {decay.TrailShare:P2} with decay");
        Assert.True(decay.Static.IoU >= 0.95, $"static IoU {decay.Static.IoU:F4} with decay");
    }

    [Fact]
    public void With_a_noisy_camera_smoothing_keeps_the_static_structure_while_decay_clears_the_trail()
    {
        // The same run with a Kinect-class camera's noise (DepthNoiseModel's defaults): unsmoothed, nearly every voxel in
        // front of a surface holds a stray return a frame and surfaces thicken (IoU about 0.80, OctoMap's insert behaves
        // alike); each frame smoothed with DepthSmoothing's defaults (five sigma of that camera), the static structure
        // keeps IoU >= 0.9 and decay still leaves at most 1% of the trail 2 s after the person left it.
        Assert.SkipUnless(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "a long scenario: run on the default leg");
        MovingWorld world = StandardRoom.CreateCrossingWorld();
        GhostTrailResult Run(DepthSmoothing? smoothing) => GhostTrailRun.Run(world, StandardRoom.Bounds, StandardRoom.Resolution, StandardRoom.Intrinsics,
            StandardRoom.SweepCameraPose, StandardRoom.MaxRange, 10, 12, DecayPolicy.Exponential(8, 0.25), new DepthNoiseModel(), smoothing, 7, 2.0);
        GhostTrailResult raw = Run(null);
        GhostTrailResult smoothed = Run(new DepthSmoothing());
        TestContext.Current.TestOutputHelper?.WriteLine($"raw: trail {raw.TrailShare:P2} ({raw.Ghosts}/{raw.Scored}), static IoU {raw.Static.IoU:F4}; smoothed: trail {smoothed.TrailShare:P2} ({smoothed.Ghosts}/{smoothed.Scored}), static IoU {smoothed.Static.IoU:F4}");
        Assert.True(raw.Static.IoU < 0.85, $"unsmoothed static IoU {raw.Static.IoU:F4}: the noise no longer thickens surfaces, so this test shows nothing");
        Assert.True(smoothed.Scored > 100, "the person's trail was not seen");
        Assert.True(smoothed.TrailShare <= 0.01, $"trail {smoothed.TrailShare:P2} with decay and smoothing");
        Assert.True(smoothed.Static.IoU >= 0.9, $"static IoU {smoothed.Static.IoU:F4} with smoothing");
    }
}
