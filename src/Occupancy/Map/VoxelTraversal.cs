using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Occupancy;

/// <summary>
/// Exact voxel traversal of a segment (Amanatides and Woo, 1987, "A Fast Voxel Traversal Algorithm for Ray Tracing"):
/// visits, in order, every voxel the segment passes through, from the voxel holding its start to the voxel holding
/// its end. Set up in voxel units (coordinate × 1/resolution) so that voxel boundaries are exact integers and agree
/// with <see cref="OccupancyMap.TryGetKey"/>'s floor. When the segment crosses an edge or corner exactly, all axes
/// step at once: the segment only touches the side voxels in a set of measure zero, so they are not visited.
/// </summary>
/// <remarks>
/// <para>
/// The segment parameter t runs from 0 to 1 and is kept in 64-bit fixed point (2^40 = 1): the per-step work is then
/// integer compares, masks and adds with a short dependency chain, and no branch depends on which axis steps (that
/// branch is unpredictable on diagonal rays). Measured on the standard room's exact ray casting: 11 ns per voxel with
/// branchy double stepping; see the benchmarks for the current figure. Rounding to 2^-40 of the segment is far below
/// float precision of the inputs.
/// </para>
/// <para>
/// Termination follows OctoMap's <c>computeRayKeys</c>: the walk ends at the end voxel, or in the voxel whose exit
/// lies beyond the segment end should rounding keep the keys from meeting exactly.
/// </para>
/// </remarks>
internal struct VoxelTraversal
{
    /// <summary>Fixed-point scale: t = 1 is 2^40.</summary>
    private const long One = 1L << 40;

    /// <summary>Stands for "this axis never steps": far beyond t = 1, and adding it a few times cannot overflow.</summary>
    private const long Never = 1L << 60;

    public int X;
    public int Y;
    public int Z;
    private readonly int _endX;
    private readonly int _endY;
    private readonly int _endZ;
    private readonly int _stepX;
    private readonly int _stepY;
    private readonly int _stepZ;
    private readonly long _deltaX;
    private readonly long _deltaY;
    private readonly long _deltaZ;
    private long _maxX;
    private long _maxY;
    private long _maxZ;
    private long _entry;
    private bool _last;

    /// <summary>Starts a traversal of the segment from <paramref name="start"/> to <paramref name="end"/> (world metres).</summary>
    /// <param name="start">Segment start; its voxel is <paramref name="startKey"/>.</param>
    /// <param name="end">Segment end; its voxel is <paramref name="endKey"/>.</param>
    /// <param name="inverseResolution">Voxels per metre.</param>
    /// <param name="startKey">floor(start / resolution), as the map computes it.</param>
    /// <param name="endKey">floor(end / resolution), as the map computes it.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VoxelTraversal(Vector3 start, Vector3 end, double inverseResolution, VoxelKey startKey, VoxelKey endKey)
    {
        X = startKey.X;
        Y = startKey.Y;
        Z = startKey.Z;
        _endX = endKey.X;
        _endY = endKey.Y;
        _endZ = endKey.Z;
        Axis(start.X * inverseResolution, end.X * inverseResolution, X, out _stepX, out _maxX, out _deltaX);
        Axis(start.Y * inverseResolution, end.Y * inverseResolution, Y, out _stepY, out _maxY, out _deltaY);
        Axis(start.Z * inverseResolution, end.Z * inverseResolution, Z, out _stepZ, out _maxZ, out _deltaZ);
        _entry = 0;
        _last = (X == _endX && Y == _endY && Z == _endZ) || Math.Min(Math.Min(_maxX, _maxY), _maxZ) > One;
    }

    /// <summary>
    /// Copies the walk's state out, for hot loops that keep it in registers (a struct's fields round-trip through
    /// memory on every step otherwise). The loop must step exactly as <see cref="Step"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Deconstruct(out long maxX, out long maxY, out long maxZ, out long deltaX, out long deltaY, out long deltaZ, out int stepX, out int stepY, out int stepZ, out int endX, out int endY, out int endZ)
    {
        maxX = _maxX;
        maxY = _maxY;
        maxZ = _maxZ;
        deltaX = _deltaX;
        deltaY = _deltaY;
        deltaZ = _deltaZ;
        stepX = _stepX;
        stepY = _stepY;
        stepZ = _stepZ;
        endX = _endX;
        endY = _endY;
        endZ = _endZ;
    }

    /// <summary>t = 1 in the fixed-point units of the walk's state.</summary>
    public const long FixedOne = One;

    /// <summary>Crossing time and its step of an axis that never steps (see <see cref="Never"/>).</summary>
    public const long FixedNever = Never;

    /// <summary>Crossing times at or beyond this (in units of t) are <see cref="FixedNever"/>.</summary>
    public const double FixedLimit = 1 << 20;

    /// <summary>Segment parameter (0 at the start, 1 at the end) at which the walk entered the current voxel.</summary>
    public readonly double EntryT => (double)_entry / One;

    /// <summary>The voxel the walk is in.</summary>
    public readonly VoxelKey Current => new(X, Y, Z);

    /// <summary>True when the current voxel holds the end of the segment: <see cref="Advance"/> will return false.</summary>
    public readonly bool IsLast => _last;

    /// <summary>Steps into the next voxel along the segment; false (and no step) when the current voxel was the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Advance()
    {
        if (_last)
        {
            return false;
        }

        Step();
        return true;
    }

    /// <summary>Steps into the next voxel without checking <see cref="IsLast"/> first; branch-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step()
    {
        long t = Math.Min(Math.Min(_maxX, _maxY), _maxZ);
        _entry = t;
        int ax = _maxX == t ? 1 : 0, ay = _maxY == t ? 1 : 0, az = _maxZ == t ? 1 : 0;
        X += _stepX & -ax;
        Y += _stepY & -ay;
        Z += _stepZ & -az;
        _maxX += _deltaX & -(long)ax;
        _maxY += _deltaY & -(long)ay;
        _maxZ += _deltaZ & -(long)az;
        _last = (((X ^ _endX) | (Y ^ _endY) | (Z ^ _endZ)) == 0) | (Math.Min(Math.Min(_maxX, _maxY), _maxZ) > One);
    }

    /// <summary>Per-axis set-up in voxel units with the segment parameterised by t in [0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axis(double s, double e, int key, out int step, out long tMax, out long tDelta)
    {
        double d = e - s;
        if (d > 0)
        {
            step = 1;
            tMax = ToFixed((key + 1 - s) / d);
            tDelta = ToFixed(1.0 / d);
        }
        else if (d < 0)
        {
            step = -1;
            tMax = ToFixed((key - s) / d);
            tDelta = ToFixed(-1.0 / d);
        }
        else
        {
            step = 0;
            tMax = Never;
            tDelta = Never;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ToFixed(double t) => t >= FixedLimit ? Never : (long)(t * One); // rounded down, so an end exactly on a voxel boundary is still reached
}
