using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// The terrain course for wheeled and legged agents, in four zones side by side along y (world frame, metres, z up):
/// <list type="bullet">
/// <item><see cref="StairsZone"/>: a platform 0.60 m high for x ≥ 8, reached by stairs of four 0.15 m risers (0.30 m treads,
/// y from 1.0 to 2.2) or by a 10° ramp round the side (y from 2.8 to 4, x from 4.6 to 8); elsewhere its edge is a cliff.</item>
/// <item><see cref="DoorwayZone"/>: a 2 m wall at x from 5.9 to 6.1 with a 0.6 m doorway (y from 5.7 to 6.3).</item>
/// <item><see cref="OverhangZone"/>: a table-like slab, 0.10 m thick with its underside 0.55 m up, across x from 5.5 to 6.5.</item>
/// <item><see cref="StepZone"/>: rough ground (seeded bumps of 2 to 4 cm), a 0.20 m gap in the ground at x from 4.0 to 4.2,
/// and a 0.25 m step up for x ≥ 8.</item>
/// </list>
/// Walls 3 m high enclose the course. A 320×240 depth camera (fx = fy = 262.5) looks down at each zone from both sides at 2.2 m, and from 0.3 m along the
/// overhang zone, so the map can be built from simulated sensing. Mapped at 0.05 m with a 5 m range.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class TerrainCourse
{
    /// <summary>Seed of the rough ground.</summary>
    public const int DefaultSeed = 4242;

    /// <summary>Map resolution, metres.</summary>
    public const double Resolution = 0.05;

    /// <summary>Sensor range, metres.</summary>
    public const float MaxRange = 5f;

    /// <summary>The camera: 320×240, fx = fy = 262.5, cx = 159.5, cy = 119.5.</summary>
    public static PinholeIntrinsics Intrinsics { get; } = new(320, 240, 262.5f, 262.5f, 159.5f, 119.5f);

    /// <summary>The stairs-and-ramp zone.</summary>
    public static Aabb StairsZone { get; } = new(new Vector3(0, 0, -0.3f), new Vector3(12.5f, 4, 2.5f));

    /// <summary>The doorway zone.</summary>
    public static Aabb DoorwayZone { get; } = new(new Vector3(0, 4.5f, -0.3f), new Vector3(12.5f, 6.5f, 2.5f));

    /// <summary>The overhang zone.</summary>
    public static Aabb OverhangZone { get; } = new(new Vector3(0, 7, -0.3f), new Vector3(12.5f, 9, 2.5f));

    /// <summary>The rough ground, gap and 25 cm step zone.</summary>
    public static Aabb StepZone { get; } = new(new Vector3(0, -3, -0.3f), new Vector3(12.5f, -1, 2.5f));

    /// <summary>
    /// Height of the ground, metres: half a voxel, so that no surface of the course lies on a voxel boundary and sensed
    /// heights cannot round to either side of one. Every height in the description is above this ground.
    /// </summary>
    public const float GroundHeight = 0.025f;

    private const float G = GroundHeight;

    /// <summary>Builds the course.</summary>
    /// <param name="seed">Seed of the rough ground's bumps.</param>
    public static Scene CreateScene(int seed = DefaultSeed)
    {
        static AxisAlignedBox Box(float x0, float y0, float z0, float x1, float y1, float z1, SemanticClass c) =>
            new(new Aabb(new Vector3(x0, y0, z0), new Vector3(x1, y1, z1)), c);

        var primitives = new List<Primitive>
        {
            // Ground slabs, with the gap of the step zone between the last two.
            Box(-1, -1, -0.5f, 13.5f, 9.5f, G, SemanticClass.Ground),
            Box(-1, -3.5f, -0.5f, 4.0f, -1, G, SemanticClass.Ground),
            Box(4.2f, -3.5f, -0.5f, 13.5f, -1, G, SemanticClass.Ground),

            // Boundary walls, 3 m high: every ray ends on something, so free space is cleared even where it looks out
            // of the course (a return beyond the range still clears up to the range).
            Box(-1.2f, -3.7f, 0, -1, 9.7f, 3, SemanticClass.Wall),
            Box(13.5f, -3.7f, 0, 13.7f, 9.7f, 3, SemanticClass.Wall),
            Box(-1, -3.7f, 0, 13.5f, -3.5f, 3, SemanticClass.Wall),
            Box(-1, 9.5f, 0, 13.5f, 9.7f, 3, SemanticClass.Wall),

            // Stairs zone: platform, stairs, ramp.
            Box(8, 0, G, 12.5f, 4, G + 0.6f, SemanticClass.Ground),
            new Stairs(new Vector3(6.8f, 1.0f, G), width: 1.2f, rise: 0.15f, run: 0.3f, count: 4),
            new Ramp(new Vector3(4.6f, 2.8f, G), length: 3.4f, width: 1.2f, height: 0.6f),

            // Doorway zone: a wall with a 0.6 m door.
            Box(5.9f, 4.5f, 0, 6.1f, 5.7f, 2, SemanticClass.Wall),
            Box(5.9f, 6.3f, 0, 6.1f, 6.5f, 2, SemanticClass.Wall),

            // Overhang zone: a slab with its underside 0.55 m above the ground.
            Box(5.5f, 7, G + 0.55f, 6.5f, 9, G + 0.65f, SemanticClass.Furniture),

            // Step zone: a 25 cm step.
            Box(8, -3.5f, G, 13.5f, -0.5f, G + 0.25f, SemanticClass.Ground), // wider than the zone: no edge inside it
        };

        // Rough ground: bumps of 2 to 4 cm before the gap.
        var random = new Random(seed);
        for (int i = 0; i < 25; i++)
        {
            float x = 1 + (random.NextSingle() * 2.6f), y = -3 + (random.NextSingle() * 1.8f);
            float sx = 0.1f + (random.NextSingle() * 0.2f), sy = 0.1f + (random.NextSingle() * 0.2f), h = 0.02f + (random.NextSingle() * 0.02f);
            primitives.Add(Box(x, y, G, x + sx, y + sy, G + h, SemanticClass.Ground));
        }

        return new Scene(primitives);
    }

    /// <summary>Camera poses (optical frame to world) that together observe every zone.</summary>
    public static IReadOnlyList<Pose3> CameraPoses()
    {
        var poses = new List<Pose3>();
        foreach (float centre in new[] { 2f, 5.5f, 8f, -2f })
        {
            for (float x = 0; x <= 12.01f; x += 1.5f)
            {
                poses.Add(Pose3.LookAt(new Vector3(x, centre - 2.2f, 2.2f), new Vector3(x + 0.8f, centre, 0), Vector3.UnitZ));
                poses.Add(Pose3.LookAt(new Vector3(x, centre + 2.2f, 2.2f), new Vector3(x + 0.8f, centre, 0), Vector3.UnitZ));
            }
        }

        // Low views along the overhang zone, from both ends, to see the ground under the slab.
        foreach (float y in new[] { 7.5f, 8f, 8.5f })
        {
            poses.Add(Pose3.LookAt(new Vector3(3.5f, y, 0.3f), new Vector3(7, y, 0.2f), Vector3.UnitZ));
            poses.Add(Pose3.LookAt(new Vector3(8.5f, y, 0.3f), new Vector3(5, y, 0.2f), Vector3.UnitZ));
            // Closer and steeper, so that the floor under the slab is sampled densely enough to leave no column unseen.
            poses.Add(Pose3.LookAt(new Vector3(4.6f, y, 0.35f), new Vector3(6.4f, y, 0), Vector3.UnitZ));
            poses.Add(Pose3.LookAt(new Vector3(7.4f, y, 0.35f), new Vector3(5.6f, y, 0), Vector3.UnitZ));
        }

        return poses;
    }
}
