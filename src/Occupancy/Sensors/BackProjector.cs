using System.Numerics;
using System.Runtime.CompilerServices;
using Occupancy.Geometry;

namespace Occupancy.Sensors;

/// <summary>
/// Pixel plus depth to world point for one camera pose: p = t + R·(d·(u − cx)/fx, d·(v − cy)/fy, d), with R's columns
/// and the operation order fixed, so that every back-projection in the library (point clouds, endpoint marking) lands
/// the same pixel in the same voxel.
/// </summary>
internal readonly struct BackProjector
{
    private readonly Vector3 _axisX, _axisY, _axisZ, _position;
    private readonly float _cx, _cy, _fx, _fy;

    /// <summary>The optical x axis in the world frame (first column of R).</summary>
    public Vector3 AxisX => _axisX;

    /// <summary>The optical y axis in the world frame.</summary>
    public Vector3 AxisY => _axisY;

    /// <summary>The optical z axis in the world frame.</summary>
    public Vector3 AxisZ => _axisZ;

    /// <summary>The camera position in the world frame.</summary>
    public Vector3 Position => _position;

    /// <summary>(u − cx) / fx: the optical x of pixel column u at depth 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ColumnSlope(int u) => (u - _cx) / _fx;

    /// <summary>(v − cy) / fy: the optical y of pixel row v at depth 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float RowSlope(int v) => (v - _cy) / _fy;

    public BackProjector(in PinholeIntrinsics k, in Pose3 pose)
    {
        _axisX = pose.Rotate(Vector3.UnitX);
        _axisY = pose.Rotate(Vector3.UnitY);
        _axisZ = pose.Rotate(Vector3.UnitZ);
        _position = pose.Position;
        _cx = k.Cx;
        _cy = k.Cy;
        _fx = k.Fx;
        _fy = k.Fy;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 PixelToWorld(int u, int v, float depth)
    {
        float x = depth * ColumnSlope(u);
        float y = depth * RowSlope(v);
        float z = depth;
        return new Vector3(
            (_axisX.X * x) + (_axisY.X * y) + (_axisZ.X * z) + _position.X,
            (_axisX.Y * x) + (_axisY.Y * y) + (_axisZ.Y * z) + _position.Y,
            (_axisX.Z * x) + (_axisY.Z * y) + (_axisZ.Z * z) + _position.Z);
    }
}
