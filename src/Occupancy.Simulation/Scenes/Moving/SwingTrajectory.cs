using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A swing about a vertical hinge at a constant angular speed, as a door opens: the body's frame sits on the hinge and
/// turns about z from <see cref="FromAngle"/> to <see cref="ToAngle"/> between two times, holding still before and
/// after. World frame, metres, z up; radians; seconds.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class SwingTrajectory : Trajectory
{
    private readonly Vector3 _hinge;

    /// <summary>Creates the swing.</summary>
    /// <param name="hinge">A point on the hinge axis, world frame, metres.</param>
    /// <param name="fromAngle">Yaw before the swing, radians.</param>
    /// <param name="toAngle">Yaw after it, radians.</param>
    /// <param name="startTime">When the swing starts, seconds.</param>
    /// <param name="endTime">When it ends; after <paramref name="startTime"/>.</param>
    /// <exception cref="ArgumentException">A value is not finite, or the swing does not last.</exception>
    public SwingTrajectory(Vector3 hinge, float fromAngle, float toAngle, double startTime, double endTime)
    {
        if (!(float.IsFinite(hinge.X) && float.IsFinite(hinge.Y) && float.IsFinite(hinge.Z) && float.IsFinite(fromAngle) && float.IsFinite(toAngle) && double.IsFinite(startTime)))
        {
            throw new ArgumentException("The hinge, the angles and the start time must be finite.", nameof(hinge));
        }

        if (!(endTime > startTime && double.IsFinite(endTime)))
        {
            throw new ArgumentOutOfRangeException(nameof(endTime), endTime, $"endTime must be finite and after startTime {startTime}, but was {endTime}.");
        }

        _hinge = hinge;
        FromAngle = fromAngle;
        ToAngle = toAngle;
        StartTime = startTime;
        EndTime = endTime;
    }

    /// <summary>Yaw before the swing, radians.</summary>
    public float FromAngle { get; }

    /// <summary>Yaw after the swing, radians.</summary>
    public float ToAngle { get; }

    /// <summary>When the swing starts, seconds.</summary>
    public double StartTime { get; }

    /// <summary>When the swing ends, seconds.</summary>
    public double EndTime { get; }

    /// <inheritdoc/>
    public override Pose3 PoseAt(double time)
    {
        double s = Math.Clamp((time - StartTime) / (EndTime - StartTime), 0, 1);
        float yaw = FromAngle + ((ToAngle - FromAngle) * (float)s);
        return new Pose3(_hinge, Quaternion.CreateFromAxisAngle(Vector3.UnitZ, yaw));
    }

    /// <inheritdoc/>
    public override (Vector3 Linear, Vector3 Angular) VelocityAt(double time) =>
        time < StartTime || time >= EndTime ? (Vector3.Zero, Vector3.Zero) : (Vector3.Zero, Vector3.UnitZ * (float)((ToAngle - FromAngle) / (EndTime - StartTime)));
}
