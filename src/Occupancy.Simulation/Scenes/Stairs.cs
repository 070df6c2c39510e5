using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A solid flight of stairs rising along +x: <see cref="Count"/> steps of <see cref="Rise"/> metres up and
/// <see cref="Run"/> metres deep, <see cref="Width"/> metres wide, the first riser at x0. Each step is solid down to
/// the base; the last tread can extend into a landing. World frame, metres, z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class Stairs : Primitive
{
    private readonly AxisAlignedBox[] _steps;

    /// <summary>Creates a flight of stairs.</summary>
    /// <param name="min">Base corner (x0, y0, z0) at the foot of the first riser, metres.</param>
    /// <param name="width">Extent along y, metres.</param>
    /// <param name="rise">Height of each step, metres.</param>
    /// <param name="run">Depth of each tread, metres.</param>
    /// <param name="count">Number of steps.</param>
    /// <param name="landing">Extra depth of the top tread, metres.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">A size is not positive, the count is below 1, or the corner is not finite.</exception>
    public Stairs(Vector3 min, float width, float rise, float run, int count, float landing = 0, SemanticClass semanticClass = SemanticClass.Ground)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(min, nameof(min));
        ThrowHelper.ThrowIfNotPositiveFinite(width, nameof(width));
        ThrowHelper.ThrowIfNotPositiveFinite(rise, nameof(rise));
        ThrowHelper.ThrowIfNotPositiveFinite(run, nameof(run));
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(landing >= 0) || !float.IsFinite(landing))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(landing), landing, "landing must be finite and not negative.");
        }

        Rise = rise;
        Run = run;
        Count = count;
        Width = width;
        float end = min.X + (count * run) + landing;
        _steps = new AxisAlignedBox[count];
        for (int k = 0; k < count; k++)
        {
            _steps[k] = new AxisAlignedBox(new Aabb(new Vector3(min.X + (k * run), min.Y, min.Z), new Vector3(end, min.Y + width, min.Z + ((k + 1) * rise))), semanticClass);
        }

        Bounds = new Aabb(min, new Vector3(end, min.Y + width, min.Z + (count * rise)));
    }

    /// <summary>Step height, metres.</summary>
    public float Rise { get; }

    /// <summary>Tread depth, metres.</summary>
    public float Run { get; }

    /// <summary>Number of steps.</summary>
    public int Count { get; }

    /// <summary>Width, metres.</summary>
    public float Width { get; }

    /// <inheritdoc />
    public override Aabb? Bounds { get; }

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        t = tMax;
        bool hit = false;
        foreach (AxisAlignedBox step in _steps)
        {
            if (step.Intersect(origin, direction, tMin, t, out float ti))
            {
                t = ti;
                hit = true;
            }
        }

        return hit;
    }

    /// <inheritdoc />
    public override bool Meets(Aabb box)
    {
        foreach (AxisAlignedBox step in _steps)
        {
            if (step.Meets(box))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point)
    {
        foreach (AxisAlignedBox step in _steps)
        {
            if (step.Contains(point))
            {
                return true;
            }
        }

        return false;
    }
}
