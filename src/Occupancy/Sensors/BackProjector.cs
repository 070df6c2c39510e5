using System.Numerics;
using System.Runtime.CompilerServices;

namespace Occupancy;

/// <summary>
/// Pixel plus depth to world point for one camera pose: p = t + d·r, where r = R·((u − cx)/fx, (v − cy)/fy, 1) is the
/// pixel's ray at unit optical depth, with R's columns and the operation order fixed, so that every back-projection in
/// the library (point clouds, endpoint marking) lands the same pixel in the same voxel. The ray is summed as
/// R₀·su + (R₁·sv + R₂), so the part that depends on the row alone is computed once a row (<see cref="RowRay"/>):
/// the endpoint kernel's back-projection is two multiplies and two adds an axis.
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

    /// <summary>R₁·sv + R₂ for row slope <paramref name="rowSlope"/>: the part of a pixel's ray its row fixes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 RowRay(float rowSlope) => new(
        (_axisY.X * rowSlope) + _axisZ.X,
        (_axisY.Y * rowSlope) + _axisZ.Y,
        (_axisY.Z * rowSlope) + _axisZ.Z);

    /// <summary>The world point of pixel (<paramref name="u"/>, <paramref name="v"/>) at optical depth <paramref name="depth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 PixelToWorld(int u, int v, float depth) => PixelToWorld(ColumnSlope(u), RowRay(RowSlope(v)), depth);

    /// <summary>t + d·(R₀·su + rowRay), axis by axis in this order: the one back-projection every path uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 PixelToWorld(float columnSlope, Vector3 rowRay, float depth) => new(
        (depth * ((_axisX.X * columnSlope) + rowRay.X)) + _position.X,
        (depth * ((_axisX.Y * columnSlope) + rowRay.Y)) + _position.Y,
        (depth * ((_axisX.Z * columnSlope) + rowRay.Z)) + _position.Z);
}
