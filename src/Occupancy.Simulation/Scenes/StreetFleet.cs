using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A fleet on the street (<see cref="StreetScene"/>): agents driving along the road at <see cref="Speed"/>, half in
/// the right-hand lane toward +x and half in the left-hand lane toward −x, spread evenly along it, each with one
/// forward depth camera 1.6 m up, pitched 6° down. What several agents mapping the same street see, for merging tests
/// and samples. World frame: metres, z up; body frame x forward, y left, z up; optical frame z forward, x right, y down.
/// </summary>
/// <remarks>Threads: immutable; <see cref="Render"/> may run on many threads at once.</remarks>
public sealed class StreetFleet
{
    /// <summary>Driving speed, metres per second.</summary>
    public const float Speed = 8f;

    private const float Start = 4f, End = 76f;

    /// <summary>A fleet on the street.</summary>
    /// <param name="agents">Agents, 1 to 64.</param>
    /// <param name="seed">Seed of the street's layout.</param>
    /// <param name="camera">Each agent's camera; 320×240, fx = fy = 200 (77° across) when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="agents"/> lies outside 1 to 64.</exception>
    public StreetFleet(int agents, int seed = StreetScene.DefaultSeed, PinholeIntrinsics? camera = null)
    {
        if (agents < 1 || agents > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(agents), agents, string.Create(CultureInfo.InvariantCulture, $"agents must be between 1 and 64, but was {agents}."));
        }

        Count = agents;
        Scene = StreetScene.CreateScene(seed);
        Camera = camera ?? new PinholeIntrinsics(320, 240, 200, 200, 159.5f, 119.5f);
    }

    /// <summary>Agents.</summary>
    public int Count { get; }

    /// <summary>The street.</summary>
    public Scene Scene { get; }

    /// <summary>Every agent's camera.</summary>
    public PinholeIntrinsics Camera { get; }

    /// <summary>
    /// Where an agent's body is at a time: it drives its lane from x = 4 m to x = 76 m and turns back into the other
    /// lane at the end, starting at its share of the loop.
    /// </summary>
    /// <param name="agent">The agent, 0 to <see cref="Count"/> − 1.</param>
    /// <param name="time">Seconds from the start.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="agent"/> is not an agent, or <paramref name="time"/> is not finite.</exception>
    public Pose3 BodyPose(int agent, double time)
    {
        if (agent < 0 || agent >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(agent), agent, string.Create(CultureInfo.InvariantCulture, $"agent must be between 0 and {Count - 1}, but was {agent}."));
        }

        if (!double.IsFinite(time))
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "time must be finite.");
        }

        const float length = End - Start, loop = 2 * length;
        double s = ((agent * (double)loop / Count) + (Speed * time)) % loop;
        if (s < 0)
        {
            s += loop;
        }

        // Even distances along the loop: the right-hand lane toward +x, then the left-hand lane toward −x.
        return s < length
            ? new Pose3(new Vector3(Start + (float)s, -1.75f, StreetScene.RoadHeight), Quaternion.Identity)
            : new Pose3(new Vector3(End - (float)(s - length), 1.75f, StreetScene.RoadHeight), Quaternion.CreateFromAxisAngle(Vector3.UnitZ, MathF.PI));
    }

    /// <summary>The pose of an agent's camera's optical frame at a time.</summary>
    /// <param name="agent">The agent.</param>
    /// <param name="time">Seconds from the start.</param>
    public Pose3 CameraPose(int agent, double time)
    {
        Pose3 body = BodyPose(agent, time);
        Vector3 eye = body.Transform(new Vector3(1.9f, 0, 1.6f));
        Vector3 forward = body.Transform(new Vector3(2.9f, 0, 1.6f - MathF.Tan(6 * MathF.PI / 180))) - eye;
        return Pose3.LookAt(eye, eye + forward, Vector3.UnitZ);
    }

    /// <summary>Renders what an agent's camera sees at a time (noise-free depth, metres; NaN beyond <paramref name="maxDepth"/>).</summary>
    /// <param name="agent">The agent.</param>
    /// <param name="time">Seconds from the start.</param>
    /// <param name="depth">Receives the camera's Width × Height depths, row-major.</param>
    /// <param name="maxDepth">Metres.</param>
    public void Render(int agent, double time, Span<float> depth, float maxDepth = StreetScene.MaxRange) =>
        DepthRenderer.Render(Scene, Camera, CameraPose(agent, time), depth, maxDepth);
}
