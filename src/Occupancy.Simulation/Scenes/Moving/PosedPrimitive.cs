using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A primitive defined in a body frame, placed in the world by a pose: what a moving body is at one instant.
/// World frame: metres, right-handed, z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class PosedPrimitive : Primitive
{
    private readonly Quaternion _toBody;

    /// <summary>Places a body.</summary>
    /// <param name="body">The solid in its body frame.</param>
    /// <param name="pose">Body frame to world frame; finite.</param>
    /// <exception cref="ArgumentException">The pose is not finite.</exception>
    public PosedPrimitive(Primitive body, Pose3 pose)
        : base((body ?? throw new ArgumentNullException(nameof(body))).SemanticClass)
    {
        if (!pose.IsFinite)
        {
            throw new ArgumentException($"pose must be finite with a non-zero rotation, but was {pose}.", nameof(pose));
        }

        Body = body;
        Pose = pose;
        _toBody = Quaternion.Conjugate(pose.Rotation);
        if (body.Bounds is Aabb b)
        {
            Vector3 min = new(float.PositiveInfinity), max = new(float.NegativeInfinity);
            for (int i = 0; i < 8; i++)
            {
                Vector3 corner = new((i & 1) == 0 ? b.Min.X : b.Max.X, (i & 2) == 0 ? b.Min.Y : b.Max.Y, (i & 4) == 0 ? b.Min.Z : b.Max.Z);
                Vector3 w = pose.Transform(corner);
                min = Vector3.Min(min, w);
                max = Vector3.Max(max, w);
            }

            Bounds = new Aabb(min, max);
        }
    }

    /// <summary>The solid in its body frame.</summary>
    public Primitive Body { get; }

    /// <summary>Body frame to world frame.</summary>
    public Pose3 Pose { get; }

    /// <inheritdoc/>
    public override Aabb? Bounds { get; }

    /// <inheritdoc/>
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t) =>
        Body.Intersect(Vector3.Transform(origin - Pose.Position, _toBody), Vector3.Transform(direction, _toBody), tMin, tMax, out t);

    /// <inheritdoc/>
    public override bool Contains(Vector3 point) => Body.Contains(Vector3.Transform(point - Pose.Position, _toBody));
}
