using System;
using System.Numerics;

namespace Occupancy.Files;

/// <summary>
/// One node of an OctoMap scan graph (.graph): a point cloud in the sensor frame and the pose of the sensor in the world
/// frame (metres, z up). <see cref="ToWorld"/> and <see cref="SensorOrigin"/> transform them exactly as OctoMap's
/// graph2tree does (OctoMap's float quaternion arithmetic), so that a map integrated from them agrees with graph2tree's.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class ScanNode
{
    private readonly Vector3[] _points;
    private readonly OctoMapPose _pose;

    internal ScanNode(uint id, OctoMapPose pose, Vector3[] points)
    {
        Id = id;
        _pose = pose;
        _points = points;
        Pose = new Pose3(pose.Translation, new Quaternion(pose.X, pose.Y, pose.Z, pose.U));
        SensorOrigin = pose.GraphOrigin();
    }

    /// <summary>The node's id as stored.</summary>
    public uint Id { get; }

    /// <summary>The sensor's pose in the world frame (<see cref="Pose3"/> normalises the stored rotation; <see cref="ToWorld"/> uses it as stored, as OctoMap does).</summary>
    public Pose3 Pose { get; }

    /// <summary>The points in the sensor frame, metres; non-finite ones are kept (integrators count them as no return).</summary>
    public ReadOnlyMemory<Vector3> Points => _points;

    /// <summary>The sensor origin in the world frame, as graph2tree computes it from the pose.</summary>
    public Vector3 SensorOrigin { get; }

    /// <summary>The points in the world frame, transformed by <see cref="Pose"/> as graph2tree transforms them.</summary>
    /// <returns>A new array, one point per point of <see cref="Points"/>.</returns>
    public Vector3[] ToWorld()
    {
        var world = new Vector3[_points.Length];
        for (int i = 0; i < world.Length; i++)
        {
            world[i] = _pose.Transform(_points[i]);
        }

        return world;
    }
}
