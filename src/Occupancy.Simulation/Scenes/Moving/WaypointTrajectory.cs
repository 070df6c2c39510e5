using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A walk or a drive along straight legs between waypoints at a constant speed, facing along the leg (yaw about z; the
/// body's x axis points forward). Before <see cref="StartTime"/> the body waits at the first waypoint, after the end
/// at the last one. World frame, metres, z up; seconds.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class WaypointTrajectory : Trajectory
{
    private readonly Vector3[] _points;
    private readonly double[] _arrive; // time at each waypoint

    /// <summary>Creates the trajectory.</summary>
    /// <param name="waypoints">At least two points, consecutive ones distinct; world frame, metres.</param>
    /// <param name="speed">Metres per second; positive and finite.</param>
    /// <param name="startTime">When the body leaves the first waypoint, seconds.</param>
    /// <exception cref="ArgumentException">Fewer than two waypoints, a repeated or non-finite one, or a speed or start time that is not positive/finite.</exception>
    public WaypointTrajectory(IReadOnlyList<Vector3> waypoints, double speed, double startTime = 0)
    {
        ArgumentNullException.ThrowIfNull(waypoints);
        if (waypoints.Count < 2)
        {
            throw new ArgumentException($"A trajectory needs at least two waypoints, but got {waypoints.Count}.", nameof(waypoints));
        }

        if (!(speed > 0 && double.IsFinite(speed)))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, $"speed must be positive and finite, but was {speed}.");
        }

        if (!double.IsFinite(startTime))
        {
            throw new ArgumentOutOfRangeException(nameof(startTime), startTime, $"startTime must be finite, but was {startTime}.");
        }

        _points = [.. waypoints];
        _arrive = new double[_points.Length];
        _arrive[0] = startTime;
        for (int i = 1; i < _points.Length; i++)
        {
            float length = Vector3.Distance(_points[i - 1], _points[i]);
            if (!(length > 0) || !float.IsFinite(length))
            {
                throw new ArgumentException($"Waypoints {i - 1} and {i} must be finite and distinct.", nameof(waypoints));
            }

            _arrive[i] = _arrive[i - 1] + (length / speed);
        }

        Speed = speed;
    }

    /// <summary>Metres per second along the path.</summary>
    public double Speed { get; }

    /// <summary>When the body leaves the first waypoint.</summary>
    public double StartTime => _arrive[0];

    /// <summary>When the body reaches the last waypoint.</summary>
    public double EndTime => _arrive[^1];

    /// <inheritdoc/>
    public override Pose3 PoseAt(double time)
    {
        int leg = Leg(time);
        Vector3 a = _points[leg], b = _points[leg + 1];
        double s = Math.Clamp((time - _arrive[leg]) / (_arrive[leg + 1] - _arrive[leg]), 0, 1);
        Vector3 direction = b - a;
        float yaw = MathF.Atan2(direction.Y, direction.X);
        return new Pose3(Vector3.Lerp(a, b, (float)s), Quaternion.CreateFromAxisAngle(Vector3.UnitZ, yaw));
    }

    /// <inheritdoc/>
    public override (Vector3 Linear, Vector3 Angular) VelocityAt(double time)
    {
        if (time < _arrive[0] || time >= _arrive[^1])
        {
            return (Vector3.Zero, Vector3.Zero);
        }

        int leg = Leg(time);
        return (Vector3.Normalize(_points[leg + 1] - _points[leg]) * (float)Speed, Vector3.Zero);
    }

    private int Leg(double time)
    {
        int leg = 0;
        while (leg < _points.Length - 2 && time >= _arrive[leg + 1])
        {
            leg++;
        }

        return leg;
    }
}
