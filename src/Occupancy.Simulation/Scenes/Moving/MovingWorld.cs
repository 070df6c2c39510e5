using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A scene in time: static solids and movers (people walking, cars driving, doors swinging). <see cref="SceneAt"/> gives
/// the world at one instant for the renderers and simulated sensors, which then see it as they see any scene;
/// <see cref="TryGetVelocity"/> gives the true velocity of any occupied point, for flow ground truth.
/// World frame: metres, right-handed, z up; seconds.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class MovingWorld
{
    private readonly Primitive[] _static;
    private readonly Mover[] _movers;

    /// <summary>Creates the world.</summary>
    /// <param name="staticPrimitives">Solids that do not move; at least one.</param>
    /// <param name="movers">Solids that do.</param>
    /// <exception cref="ArgumentException">No static solid, or a null entry.</exception>
    public MovingWorld(IEnumerable<Primitive> staticPrimitives, IEnumerable<Mover> movers)
    {
        ArgumentNullException.ThrowIfNull(staticPrimitives);
        ArgumentNullException.ThrowIfNull(movers);
        _static = [.. staticPrimitives];
        _movers = [.. movers];
        if (_movers.Any(m => m is null))
        {
            throw new ArgumentException("A world's movers must not be null.", nameof(movers));
        }

        StaticScene = new Scene(_static);
    }

    /// <summary>The solids that do not move, as a scene (its ground truth is the static structure's).</summary>
    public Scene StaticScene { get; }

    /// <summary>The moving solids.</summary>
    public IReadOnlyList<Mover> Movers => _movers;

    /// <summary>The world at one instant: the static solids and every mover where it is then.</summary>
    /// <param name="time">Seconds.</param>
    public Scene SceneAt(double time) => new(_static.Concat(_movers.Select(m => (Primitive)m.At(time))));

    /// <summary>Only the movers at one instant (for their ground truth), or null when there are none.</summary>
    /// <param name="time">Seconds.</param>
    public Scene? MoversAt(double time) => _movers.Length == 0 ? null : new Scene(_movers.Select(m => (Primitive)m.At(time)));

    /// <summary>
    /// The true velocity of a point at a time: that of the first mover whose solid holds it, or zero where only static
    /// solids are; false where nothing is.
    /// </summary>
    /// <param name="point">World frame, metres.</param>
    /// <param name="time">Seconds.</param>
    /// <param name="velocity">Metres per second, world frame.</param>
    public bool TryGetVelocity(Vector3 point, double time, out Vector3 velocity)
    {
        foreach (Mover m in _movers)
        {
            if (m.At(time).Contains(point))
            {
                velocity = m.Path.PointVelocity(point, time);
                return true;
            }
        }

        velocity = Vector3.Zero;
        return _static.Any(p => p.Contains(point));
    }
}
