using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// The street, for a car: an 80 m stretch of road along world x (x from 0 to 80), in the world frame (metres, z up):
/// <list type="bullet">
/// <item>Road surface at z = <see cref="RoadHeight"/>, y from −6 to 6: two 3.5 m lanes with a 2.5 m parking lane on each side.</item>
/// <item>Curbs 0.2 m high and sidewalks (y from 6 to 9 and from −9 to −6), with poles every 16 m, seeded pedestrians
/// (a capsule body and a ball head) and trees (trunk and crown) on them.</item>
/// <item>Building fronts of seeded heights (6 to 14 m) in 10 m segments behind both sidewalks, some with a porch.</item>
/// <item>Seeded parked cars in both parking lanes: a lower body (oriented box, a slight seeded yaw) and a cabin (a
/// triangle mesh).</item>
/// </list>
/// The ego car stands in the right-hand lane at <see cref="EgoPose"/> (0.45 m left of the lane's centre, so that the
/// parked cars are at least 1.7 m from its right cameras: within 128 pixels of disparity); <see cref="SurroundRig"/> puts a stereo pair
/// (<see cref="StereoBaseline"/> apart) on each side of its roof. Mapped at <see cref="Resolution"/> (heights chosen so
/// that no horizontal surface lies on a voxel boundary).
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class StreetScene
{
    /// <summary>Seed of the street's layout.</summary>
    public const int DefaultSeed = 2026;

    /// <summary>Map resolution, metres (Occ3D-nuScenes uses 0.4 m; half of it).</summary>
    public const double Resolution = 0.2;

    /// <summary>Height of the road surface, metres: half a voxel.</summary>
    public const float RoadHeight = 0.1f;

    /// <summary>Height of the sidewalks' top, metres (a 0.2 m curb).</summary>
    public const float SidewalkHeight = 0.3f;

    /// <summary>Distance between the cameras of each stereo pair, metres.</summary>
    public const float StereoBaseline = 0.5f;

    /// <summary>Range the car's map is built to, metres.</summary>
    public const float MaxRange = 20f;

    /// <summary>
    /// Depth noise of a car's depth sensing out to its range (the default <see cref="DepthNoiseModel"/> is an indoor
    /// structured-light camera that sees nothing past 8 m): σ(z) = 0.02 m + 0.0002·z² (2 cm near, 10 cm at 20 m),
    /// 1% dropouts, 0.3 to 40 m, no disparity quantisation.
    /// </summary>
    public static DepthNoiseModel DepthNoise { get; } = new(0.02f, 0.0002f, 0.01f, 0.3f, 40f, 0f);

    /// <summary>Everything the street holds up to 6 m high.</summary>
    public static Aabb Region { get; } = new(new Vector3(0, -11, -0.4f), new Vector3(80, 11, 6));

    /// <summary>Pose of the ego car's body frame (x forward, y left, z up; origin on the road under the car's centre).</summary>
    public static Pose3 EgoPose { get; } = new(new Vector3(40, -1.3f, RoadHeight), Quaternion.Identity);

    /// <summary>The region within 20 m (along the road) of the ego car: where the car's map is scored.</summary>
    public static Aabb EgoRegion { get; } = new(new Vector3(20, -11, -0.4f), new Vector3(60, 11, 6));

    /// <summary>Intrinsics of every camera of the surround rig: 640×480, fx = fy = 400 (77° across), centred.</summary>
    public static PinholeIntrinsics CameraIntrinsics { get; } = new(640, 480, 400, 400, 319.5f, 239.5f);

    /// <summary>
    /// The left (reference) cameras of four stereo pairs on the ego car's roof, 1.6 m up, looking forward, left,
    /// backward and right, pitched 6° down; each pair's right camera is <see cref="StereoBaseline"/> along the left
    /// camera's optical x axis.
    /// </summary>
    public static CameraRig SurroundRig()
    {
        const float h = 1.6f, half = StereoBaseline / 2;
        float drop = MathF.Tan(6 * MathF.PI / 180);
        RigCamera Camera(string name, Vector3 centre, Vector3 forward)
        {
            // Optical x is forward × up: the left camera sits half a baseline to the other side.
            Vector3 right = Vector3.Normalize(Vector3.Cross(forward, Vector3.UnitZ));
            Vector3 eye = centre - (right * half);
            return new RigCamera(name, CameraIntrinsics, Pose3.LookAt(eye, eye + forward - new Vector3(0, 0, drop), Vector3.UnitZ));
        }

        return new CameraRig(
        [
            Camera("front", new Vector3(1.9f, 0, h), Vector3.UnitX),
            Camera("left", new Vector3(0, 0.85f, h), Vector3.UnitY),
            Camera("rear", new Vector3(-1.9f, 0, h), -Vector3.UnitX),
            Camera("right", new Vector3(0, -0.85f, h), -Vector3.UnitY),
        ]);
    }

    /// <summary>
    /// The street with a car passing the ego car in the opposite lane: a box 4.5 m long, 1.8 m wide and 1.25 m tall
    /// (0.25 m clearance; class Vehicle) driving from x = 75 m to x = 5 m along y = 1.7 m at 10 m/s, leaving at t = 0.5 s.
    /// </summary>
    /// <param name="seed">Seed of the street's layout.</param>
    public static MovingWorld CreatePassingWorld(int seed = DefaultSeed)
    {
        var car = new Mover(
            new AxisAlignedBox(new Aabb(new Vector3(-2.25f, -0.9f, 0.25f), new Vector3(2.25f, 0.9f, 1.5f)), SemanticClass.Vehicle),
            new WaypointTrajectory([new Vector3(75, 1.7f, RoadHeight), new Vector3(5, 1.7f, RoadHeight)], 10, 0.5));
        return new MovingWorld(CreateScene(seed).Primitives, [car]);
    }

    /// <summary>
    /// The street (layout from <paramref name="seed"/>) with traffic drawn from the same seed, around the standing ego
    /// car: two or three cars (boxes 4.2-4.8 m long, 1.8 m wide, 1.25 m tall, class Vehicle) one after another in the
    /// opposite lane at 6-13 m/s, none within 2 m of the one ahead of it (a faster one keeps the leader's speed), the
    /// first entering the ego car's 20 m range within about two seconds; two or three people (capsules 0.5 m wide,
    /// 1.45 m tall, class Pedestrian) walking 12 m along the sidewalks at 1.0-1.7 m/s; and one person crossing the road
    /// at 1.1-1.6 m/s ahead of or behind the ego car, when the opposite lane is clear.
    /// </summary>
    /// <param name="seed">Seed of the layout and the traffic.</param>
    public static MovingWorld CreateTrafficWorld(int seed = DefaultSeed)
    {
        var random = new Random(unchecked((seed * 7919) + 17));
        float U(float lo, float hi) => lo + (random.NextSingle() * (hi - lo));
        var movers = new List<Mover>();
        var cars = new List<(WaypointTrajectory Path, float Length)>();
        int count = 2 + random.Next(2);
        float start = U(0, 1);
        for (int i = 0; i < count; i++)
        {
            float length = U(4.2f, 4.8f), y = 1.7f + U(-0.25f, 0.25f), x0 = 62 + U(0, 6), carSpeed = U(6, 13);
            var path = new WaypointTrajectory([new Vector3(x0, y, RoadHeight), new Vector3(-20, y, RoadHeight)], carSpeed, start);
            if (cars.Count > 0 && TooClose(cars[^1], path, length))
            {
                // One lane, no overtaking: a car that would come within 2 m of the one ahead of it before that one has
                // left the street keeps the leader's speed, and starts later if it is still too close.
                (WaypointTrajectory leader, _) = cars[^1];
                path = new WaypointTrajectory([new Vector3(x0, y, RoadHeight), new Vector3(-20, y, RoadHeight)], leader.Speed, start);
                while (TooClose(cars[^1], path, length))
                {
                    start += 0.1f;
                    path = new WaypointTrajectory([new Vector3(x0, y, RoadHeight), new Vector3(-20, y, RoadHeight)], leader.Speed, start);
                }
            }

            cars.Add((path, length));
            movers.Add(new Mover(new AxisAlignedBox(new Aabb(new Vector3(-length / 2, -0.9f, 0.25f), new Vector3(length / 2, 0.9f, 1.5f)), SemanticClass.Vehicle), path));
            start += U(1.5f, 3f);
        }

        static Mover Walker(Vector3 from, Vector3 to, double speed, double start) => new(
            new Capsule(new Vector3(0, 0, 0.25f), new Vector3(0, 0, 1.45f), 0.25f, SemanticClass.Pedestrian),
            new WaypointTrajectory([from, to], speed, start));

        int walkers = 2 + random.Next(2);
        for (int i = 0; i < walkers; i++)
        {
            float side = random.Next(2) == 0 ? 1 : -1, y = side * U(6.6f, 7.6f), x0 = U(28, 52), dir = random.Next(2) == 0 ? 1 : -1;
            movers.Add(Walker(new Vector3(x0, y, SidewalkHeight), new Vector3(x0 + (12 * dir), y, SidewalkHeight), U(1.0f, 1.7f), U(0, 1)));
        }

        // The crossing person waits until the lane is clear: no car within 2 m of the crossing while they are in it.
        float xc = random.Next(2) == 0 ? U(45, 55) : U(25, 35), from = random.Next(2) == 0 ? -7.5f : 7.5f, speed = U(1.1f, 1.6f);
        double leave = U(0, 2);
        while (leave < 60 && !LaneClear(cars, xc, from, speed, leave))
        {
            leave += 0.1; // the last car has left the street by a minute
        }

        movers.Add(Walker(new Vector3(xc, from, RoadHeight), new Vector3(xc, -from, RoadHeight), speed, leave));
        return new MovingWorld(CreateScene(seed).Primitives, movers);
    }

    /// <summary>True when a car on <paramref name="path"/> comes within 2 m of the car ahead while both drive (from its start until the leader leaves the street).</summary>
    private static bool TooClose((WaypointTrajectory Path, float Length) leader, WaypointTrajectory path, float length)
    {
        for (double t = path.StartTime; t <= leader.Path.EndTime + 1e-9; t += 0.05)
        {
            if (path.PoseAt(t).Position.X - leader.Path.PoseAt(t).Position.X < ((leader.Length + length) / 2) + 2)
            {
                return true;
            }
        }

        return false;
    }

    private static bool LaneClear(List<(WaypointTrajectory Path, float Length)> cars, float x, float from, float speed, double leave)
    {
        // In the opposite lane (y 0.3 to 3.3 m, the car's width, the person's and a margin) from t0 to t1.
        double t0 = leave + (Math.Min(Math.Abs(from - 0.3f), Math.Abs(from - 3.3f)) / speed), t1 = leave + (Math.Max(Math.Abs(from - 0.3f), Math.Abs(from - 3.3f)) / speed);
        foreach ((WaypointTrajectory path, float length) in cars)
        {
            for (double t = t0; t <= t1 + 1e-9; t += 0.05)
            {
                if (Math.Abs(path.PoseAt(t).Position.X - x) < (length / 2) + 2)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// A long street: <paramref name="segments"/> copies of the 80 m street one after another along x (each with its own
    /// layout, seeds <paramref name="seed"/> + k), one road surface under all of them: 1,040 m for 13 segments.
    /// </summary>
    /// <param name="segments">Copies; 1 to 1,000.</param>
    /// <param name="seed">Seed of the first segment's layout.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="segments"/> is out of range.</exception>
    public static Scene CreateLongScene(int segments, int seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segments, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(segments, 1000);
        var primitives = new List<Primitive>();
        for (int k = 0; k < segments; k++)
        {
            var shift = new Pose3(new Vector3(80f * k, 0, 0), Quaternion.Identity);
            foreach (Primitive p in CreateScene(seed + k).Primitives)
            {
                if (p.Bounds is null)
                {
                    if (k == 0)
                    {
                        primitives.Add(p); // the road surface, once
                    }
                }
                else
                {
                    primitives.Add(k == 0 ? p : new PosedPrimitive(p, shift));
                }
            }
        }

        return new Scene(primitives);
    }

    /// <summary>Builds the street.</summary>
    /// <param name="seed">Seed of the cars, pedestrians, trees and building heights.</param>
    public static Scene CreateScene(int seed = DefaultSeed)
    {
        var random = new Random(seed);
        static AxisAlignedBox Box(float x0, float y0, float z0, float x1, float y1, float z1, SemanticClass c) =>
            new(new Aabb(new Vector3(x0, y0, z0), new Vector3(x1, y1, z1)), c);

        var primitives = new List<Primitive>
        {
            new HalfSpace(new Vector3(0, 0, RoadHeight), Vector3.UnitZ, SemanticClass.Ground),
            Box(-1, 6, -0.5f, 81, 9.5f, SidewalkHeight, SemanticClass.Sidewalk),
            Box(-1, -9.5f, -0.5f, 81, -6, SidewalkHeight, SemanticClass.Sidewalk),
        };

        // Building fronts in 10 m segments, both sides; some with a porch box.
        for (float x = -1; x < 81; x += 10)
        {
            foreach (int side in new[] { 1, -1 })
            {
                float height = 6 + (random.NextSingle() * 8);
                float y0 = side > 0 ? 9 : -11, y1 = side > 0 ? 11 : -9;
                primitives.Add(Box(x, y0, 0, MathF.Min(x + 10, 81), y1, height, SemanticClass.Wall));
                if (random.NextSingle() < 0.4f)
                {
                    float px = x + 2 + (random.NextSingle() * 5);
                    primitives.Add(Box(px, side > 0 ? 8.3f : -9, SidewalkHeight - 0.2f, px + 2, side > 0 ? 9 : -8.3f, 2.9f, SemanticClass.Wall));
                }
            }
        }

        // Parked cars in both parking lanes, with gaps.
        foreach (int side in new[] { 1, -1 })
        {
            float x = 1 + (random.NextSingle() * 3);
            while (x < 76)
            {
                if (random.NextSingle() < 0.8f)
                {
                    float length = 4.0f + (random.NextSingle() * 0.8f);
                    float yaw = (random.NextSingle() - 0.5f) * 0.08f;
                    AddCar(primitives, new Vector3(x + (length / 2), side * 4.75f, RoadHeight), length, yaw);
                    x += length;
                }

                x += 1.2f + (random.NextSingle() * 3);
            }
        }

        // Poles every 16 m, trees and pedestrians on the sidewalks.
        for (float x = 4; x < 80; x += 16)
        {
            primitives.Add(new Cylinder(new Vector3(x, 6.4f, SidewalkHeight), 0.08f, 5f, SemanticClass.Pole));
            primitives.Add(new Cylinder(new Vector3(x + 8, -6.4f, SidewalkHeight), 0.08f, 5f, SemanticClass.Pole));
        }

        for (int i = 0; i < 8; i++)
        {
            float x = 3 + (random.NextSingle() * 74);
            float y = (i % 2 == 0 ? 1 : -1) * 6.9f;
            primitives.Add(new Cylinder(new Vector3(x, y, SidewalkHeight), 0.15f, 2.6f, SemanticClass.Vegetation));
            primitives.Add(new Sphere(new Vector3(x, y, SidewalkHeight + 3.7f), 1.3f, SemanticClass.Vegetation));
        }

        for (int i = 0; i < 14; i++)
        {
            float x = 2 + (random.NextSingle() * 76);
            float y = (i % 2 == 0 ? 1 : -1) * (7.2f + (random.NextSingle() * 1.4f));
            float height = 1.55f + (random.NextSingle() * 0.3f);
            primitives.Add(new Capsule(new Vector3(x, y, SidewalkHeight + 0.25f), new Vector3(x, y, SidewalkHeight + height - 0.45f), 0.22f, SemanticClass.Pedestrian));
            primitives.Add(new Sphere(new Vector3(x, y, SidewalkHeight + height - 0.12f), 0.12f, SemanticClass.Pedestrian));
        }

        return new Scene(primitives);
    }

    private static void AddCar(List<Primitive> primitives, Vector3 groundCentre, float length, float yaw)
    {
        const float Width = 1.8f;
        var body = new Pose3(groundCentre, Quaternion.CreateFromAxisAngle(Vector3.UnitZ, yaw));
        // Lower body from 0.2 m to 0.95 m above the road.
        primitives.Add(new OrientedBox(body.Transform(new Vector3(0, 0, 0.575f)), new Vector3(length / 2, Width / 2, 0.375f), body.Rotation, SemanticClass.Vehicle));
        // Cabin: a trapezoid side profile (x, z in the car's frame) extruded across its width, then placed.
        float l = length / 2;
        Vector2[] profile = [new(-l + 0.5f, 0.95f), new(l - 1.1f, 0.95f), new(l - 1.6f, 1.45f), new(-l + 0.9f, 1.45f)];
        primitives.Add(TriangleMesh.ExtrudedProfile(profile, -0.8f, 0.8f, SemanticClass.Vehicle).Transformed(body));
    }
}
