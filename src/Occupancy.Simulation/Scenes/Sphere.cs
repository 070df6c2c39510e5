using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>A solid ball. World frame, metres.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class Sphere : Primitive
{
    /// <summary>Creates a ball.</summary>
    /// <param name="center">Centre, metres.</param>
    /// <param name="radius">Radius, metres.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">The centre is not finite or the radius not positive.</exception>
    public Sphere(Vector3 center, float radius, SemanticClass semanticClass = SemanticClass.Unlabelled)
        : base(semanticClass)
    {
        ThrowHelper.ThrowIfNotFinite(center, nameof(center));
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        Center = center;
        Radius = radius;
    }

    /// <summary>Centre, metres.</summary>
    public Vector3 Center { get; }

    /// <summary>Radius, metres.</summary>
    public float Radius { get; }

    /// <inheritdoc />
    public override Aabb? Bounds => new Aabb(Center - new Vector3(Radius), Center + new Vector3(Radius));

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        Vector3 oc = origin - Center;
        float a = Vector3.Dot(direction, direction), b = Vector3.Dot(oc, direction), c = Vector3.Dot(oc, oc) - (Radius * Radius);
        float discriminant = (b * b) - (a * c);
        t = 0;
        if (c < 0 || discriminant < 0)
        {
            return false; // inside, or missed
        }

        t = (-b - MathF.Sqrt(discriminant)) / a;
        return t > tMin && t < tMax;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point) => Vector3.DistanceSquared(point, Center) <= Radius * Radius;

    /// <inheritdoc />
    public override bool Meets(Aabb box) => Vector3.DistanceSquared(Vector3.Clamp(Center, box.Min, box.Max), Center) <= Radius * Radius;
}
