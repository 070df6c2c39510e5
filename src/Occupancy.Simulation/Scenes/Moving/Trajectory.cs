using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// Where a moving body is at a time: its pose (body frame to world frame) and its velocity. World frame: metres,
/// right-handed, z up; time in seconds.
/// </summary>
/// <remarks>Threads: implementations are immutable, so safe to share between threads.</remarks>
public abstract class Trajectory
{
    /// <summary>The body's pose at a time.</summary>
    /// <param name="time">Seconds.</param>
    public abstract Pose3 PoseAt(double time);

    /// <summary>The body's velocity at a time: of its origin (metres per second) and its rotation (radians per second, about the world axes).</summary>
    /// <param name="time">Seconds.</param>
    public abstract (Vector3 Linear, Vector3 Angular) VelocityAt(double time);

    /// <summary>The velocity of a point of the body at a time: v = linear + angular × (point − origin).</summary>
    /// <param name="point">A point of the body, world frame, at <paramref name="time"/>.</param>
    /// <param name="time">Seconds.</param>
    public Vector3 PointVelocity(Vector3 point, double time)
    {
        (Vector3 linear, Vector3 angular) = VelocityAt(time);
        return linear + Vector3.Cross(angular, point - PoseAt(time).Position);
    }
}
