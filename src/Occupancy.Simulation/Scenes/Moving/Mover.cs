using System;

namespace Occupancy.Simulation;

/// <summary>A solid that moves: its shape in its body frame and the trajectory that carries it (world frame, metres, seconds).</summary>
/// <param name="Body">The solid in its body frame (for a walker or a car: x forward, z up, origin on the ground).</param>
/// <param name="Path">Where the body is at each time.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record Mover(Primitive Body, Trajectory Path)
{
    /// <summary>The body placed where it is at a time.</summary>
    /// <param name="time">Seconds.</param>
    public PosedPrimitive At(double time) => new(Body, Path.PoseAt(time));
}
