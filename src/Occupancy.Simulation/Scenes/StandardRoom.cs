using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// The standard room that the sample, the benchmarks and the tests share: 10 m × 10 m × 3 m (x and y from −5 to 5 m,
/// z from 0 to 3 m) with floor, ceiling and four walls, 20 seeded boxes standing on the floor, and a 640×480 camera
/// (fx = fy = 525, cx = 319.5, cy = 239.5) at 20 poses around a circle of 2.5 m radius, looking alternately out to the
/// walls and in across the room. Mapped at 0.05 m with a 5 m maximum range. World frame: metres, z up.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class StandardRoom
{
    /// <summary>Seed of the standard box layout.</summary>
    public const int DefaultSeed = 20261125;

    /// <summary>Room extent along x and y, metres.</summary>
    public const float Size = 10f;

    /// <summary>Room height, metres.</summary>
    public const float Height = 3f;

    /// <summary>Map resolution, metres.</summary>
    public const double Resolution = 0.05;

    /// <summary>Maximum sensor range, metres.</summary>
    public const float MaxRange = 5f;

    /// <summary>Number of camera poses.</summary>
    public const int FrameCount = 20;

    /// <summary>Number of boxes.</summary>
    public const int BoxCount = 20;

    /// <summary>Radius of the camera path around the room centre, metres.</summary>
    public const float PathRadius = 2.5f;

    /// <summary>The room's camera: 640×480, fx = fy = 525, cx = 319.5, cy = 239.5.</summary>
    public static PinholeIntrinsics Intrinsics { get; } = new(640, 480, 525f, 525f, 319.5f, 239.5f);

    /// <summary>The room's extent as a box.</summary>
    public static Aabb Bounds { get; } = new(new Vector3(-Size / 2, -Size / 2, 0), new Vector3(Size / 2, Size / 2, Height));

    /// <summary>Builds the room with its seeded boxes.</summary>
    /// <param name="seed">Seed of the box layout; <see cref="DefaultSeed"/> gives the standard room.</param>
    public static Scene CreateScene(int seed = DefaultSeed)
    {
        const float half = Size / 2;
        var primitives = new List<Primitive>
        {
            new HalfSpace(Vector3.Zero, Vector3.UnitZ, SemanticClass.Ground),
            new HalfSpace(new Vector3(0, 0, Height), -Vector3.UnitZ, SemanticClass.Ceiling),
            new HalfSpace(new Vector3(-half, 0, 0), Vector3.UnitX, SemanticClass.Wall),
            new HalfSpace(new Vector3(half, 0, 0), -Vector3.UnitX, SemanticClass.Wall),
            new HalfSpace(new Vector3(0, -half, 0), Vector3.UnitY, SemanticClass.Wall),
            new HalfSpace(new Vector3(0, half, 0), -Vector3.UnitY, SemanticClass.Wall),
        };

        // System.Random with a seed is the same sequence on every .NET version and platform.
        var random = new Random(seed);
        int placed = 0;
        for (int attempt = 0; placed < BoxCount && attempt < 10_000; attempt++)
        {
            float sx = 0.3f + (0.9f * random.NextSingle());
            float sy = 0.3f + (0.9f * random.NextSingle());
            float sz = 0.3f + (1.7f * random.NextSingle());
            float cx = (random.NextSingle() * 2 - 1) * (half - 0.2f - (sx / 2));
            float cy = (random.NextSingle() * 2 - 1) * (half - 0.2f - (sy / 2));
            // Keep the camera path clear: the footprint must stay 0.6 m away from the circle.
            float radial = MathF.Sqrt((cx * cx) + (cy * cy));
            float reach = 0.5f * MathF.Sqrt((sx * sx) + (sy * sy));
            if (MathF.Abs(radial - PathRadius) < reach + 0.6f)
            {
                continue;
            }

            primitives.Add(new AxisAlignedBox(new Aabb(new Vector3(cx - (sx / 2), cy - (sy / 2), 0), new Vector3(cx + (sx / 2), cy + (sy / 2), sz))));
            placed++;
        }

        return new Scene(primitives);
    }

    /// <summary>
    /// The room with a person walking across it: a capsule 1.65 m tall and 0.5 m wide (class Pedestrian) that walks
    /// from (−4, −0.5) to (4, 0.5) at 1.3 m/s, leaving at t = 1 s and arriving at about 7.2 s.
    /// </summary>
    /// <param name="seed">Seed of the room's furniture.</param>
    public static MovingWorld CreateCrossingWorld(int seed = DefaultSeed)
    {
        var walker = new Mover(
            new Capsule(new Vector3(0, 0, 0.3f), new Vector3(0, 0, 1.45f), 0.25f, SemanticClass.Pedestrian),
            new WaypointTrajectory([new Vector3(-4, -0.5f, 0), new Vector3(4, 0.5f, 0)], 1.3, 1.0));
        return new MovingWorld(CreateScene(seed).Primitives, [walker]);
    }

    /// <summary>
    /// A camera that walks the standard path's circle continuously, one turn in 12 s, at 1.3 m height, looking in
    /// across the room (the odd frames' view, turned 0.35 rad off the radius, tilted down 0.3), for moving-world runs.
    /// </summary>
    /// <param name="time">Seconds.</param>
    public static Pose3 SweepCameraPose(double time)
    {
        float angle = (float)(2 * Math.PI * time / 12.0);
        var eye = new Vector3(PathRadius * MathF.Cos(angle), PathRadius * MathF.Sin(angle), 1.3f);
        float heading = angle + MathF.PI + 0.35f;
        return Pose3.LookAt(eye, eye + new Vector3(MathF.Cos(heading), MathF.Sin(heading), -0.3f), Vector3.UnitZ);
    }

    /// <summary>Pose of the camera's optical frame for one frame of the standard path.</summary>
    /// <param name="frame">0 to <see cref="FrameCount"/> − 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The frame is out of range.</exception>
    public static Pose3 CameraPose(int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, FrameCount);
        float angle = 2 * MathF.PI * frame / FrameCount;
        var eye = new Vector3(PathRadius * MathF.Cos(angle), PathRadius * MathF.Sin(angle), 1.3f + (0.2f * MathF.Sin(3 * angle)));
        // Even frames look out towards the walls, odd frames in across the room, each turned a little off the radius.
        float heading = angle + (frame % 2 == 0 ? 0.35f : MathF.PI + 0.35f);
        var forward = new Vector3(MathF.Cos(heading), MathF.Sin(heading), -0.3f);
        return Pose3.LookAt(eye, eye + forward, Vector3.UnitZ);
    }

    /// <summary>All <see cref="FrameCount"/> camera poses.</summary>
    public static IReadOnlyList<Pose3> CameraPoses()
    {
        var poses = new Pose3[FrameCount];
        for (int i = 0; i < poses.Length; i++)
        {
            poses[i] = CameraPose(i);
        }

        return poses;
    }

    /// <summary>Renders the noise-free depth images of all <see cref="FrameCount"/> frames (640 × 480 each, metres, NaN where nothing is seen).</summary>
    /// <param name="scene">The room (from <see cref="CreateScene"/>).</param>
    public static float[][] RenderAllDepth(Scene scene)
    {
        var frames = new float[FrameCount][];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = new float[Intrinsics.PixelCount];
            RenderDepth(scene, i, frames[i]);
        }

        return frames;
    }

    /// <summary>Renders the noise-free depth image of one frame.</summary>
    /// <param name="scene">The room (from <see cref="CreateScene"/>).</param>
    /// <param name="frame">0 to <see cref="FrameCount"/> − 1.</param>
    /// <param name="depth">Receives 640 × 480 depths in metres; NaN where nothing is seen.</param>
    public static void RenderDepth(Scene scene, int frame, Span<float> depth) =>
        DepthRenderer.Render(scene, Intrinsics, CameraPose(frame), depth);
}
