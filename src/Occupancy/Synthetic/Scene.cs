using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Synthetic;

/// <summary>A set of solid primitives that rays can be cast against. World frame, metres, z up.</summary>
public sealed class Scene
{
    private readonly Primitive[] _primitives;

    /// <summary>Creates a scene.</summary>
    /// <param name="primitives">The solids; at least one.</param>
    /// <exception cref="ArgumentException">No primitive is given, or one is null.</exception>
    public Scene(IEnumerable<Primitive> primitives)
    {
        ArgumentNullException.ThrowIfNull(primitives);
        _primitives = [.. primitives];
        if (_primitives.Length == 0)
        {
            throw new ArgumentException("A scene needs at least one primitive.", nameof(primitives));
        }

        foreach (Primitive p in _primitives)
        {
            if (p is null)
            {
                throw new ArgumentException("A scene's primitives must not be null.", nameof(primitives));
            }
        }
    }

    /// <summary>The solids of the scene.</summary>
    public IReadOnlyList<Primitive> Primitives => _primitives;

    /// <summary>The nearest surface along origin + t·direction with t in (0, <paramref name="tMax"/>).</summary>
    /// <param name="origin">Ray origin, metres.</param>
    /// <param name="direction">Ray direction; t is in its units.</param>
    /// <param name="tMax">Largest accepted t.</param>
    /// <param name="t">Hit parameter, when true.</param>
    /// <param name="primitive">Index of the primitive hit, when true.</param>
    public bool Raycast(Vector3 origin, Vector3 direction, float tMax, out float t, out int primitive)
    {
        t = tMax;
        primitive = -1;
        Primitive[] primitives = _primitives;
        for (int i = 0; i < primitives.Length; i++)
        {
            if (primitives[i].Intersect(origin, direction, 0f, t, out float ti))
            {
                t = ti;
                primitive = i;
            }
        }

        return primitive >= 0;
    }

    /// <summary>True when the point lies inside some solid.</summary>
    /// <param name="point">World frame, metres.</param>
    public bool IsOccupied(Vector3 point)
    {
        foreach (Primitive p in _primitives)
        {
            if (p.Contains(point))
            {
                return true;
            }
        }

        return false;
    }
}
