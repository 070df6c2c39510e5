using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Occupancy;

/// <summary>
/// A rigid transform: a rotation followed by a translation, mapping points from a body frame (a sensor, a camera,
/// a robot base) into the world frame. World frame: right-handed, metres, z up (ROS REP-103). For a camera the body
/// frame is the optical frame: z forward, x right, y down.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly struct Pose3 : IEquatable<Pose3>
{
    /// <summary>Creates a pose from a position (metres, world frame) and an orientation (body to world).</summary>
    /// <param name="position">Origin of the body frame in the world frame, metres.</param>
    /// <param name="rotation">Rotation from the body frame to the world frame; normalised here.</param>
    public Pose3(Vector3 position, Quaternion rotation)
    {
        Position = position;
        bool usable = float.IsFinite(rotation.X) && float.IsFinite(rotation.Y) && float.IsFinite(rotation.Z) && float.IsFinite(rotation.W) && rotation != default;
        // Any finite, non-zero scale is normalised (even one whose squared length overflows float); others are kept as
        // they are, and IsFinite refuses them.
        Rotation = usable ? Normalization.Unit(rotation) : rotation;
    }

    /// <summary>The identity pose: body frame equals world frame.</summary>
    public static Pose3 Identity => new(Vector3.Zero, Quaternion.Identity);

    /// <summary>Origin of the body frame in the world frame, metres.</summary>
    public Vector3 Position { get; }

    /// <summary>Rotation from the body frame to the world frame (unit quaternion).</summary>
    public Quaternion Rotation { get; }

    /// <summary>True when position and rotation are finite and the rotation has non-zero length.</summary>
    public bool IsFinite =>
        float.IsFinite(Position.X) && float.IsFinite(Position.Y) && float.IsFinite(Position.Z) &&
        float.IsFinite(Rotation.X) && float.IsFinite(Rotation.Y) && float.IsFinite(Rotation.Z) && float.IsFinite(Rotation.W) &&
        Rotation.LengthSquared() > 0.5f;

    /// <summary>Maps a point from the body frame to the world frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 Transform(Vector3 pointInBody) => Vector3.Transform(pointInBody, Rotation) + Position;

    /// <summary>Maps a point from the world frame to the body frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 InverseTransform(Vector3 pointInWorld) => Vector3.Transform(pointInWorld - Position, Quaternion.Conjugate(Rotation));

    /// <summary>Rotates a direction from the body frame to the world frame (no translation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector3 Rotate(Vector3 directionInBody) => Vector3.Transform(directionInBody, Rotation);

    /// <summary>
    /// The pose of a frame given relative to this one, in this pose's parent frame: for a body pose in the world and a
    /// camera's mounting on the body, <c>body.Compose(mounting)</c> is the camera's pose in the world.
    /// </summary>
    /// <param name="child">Pose of the child frame in this frame.</param>
    public Pose3 Compose(Pose3 child) => new(Transform(child.Position), Quaternion.Normalize(Rotation * child.Rotation));

    /// <summary>
    /// The pose of a camera at <paramref name="eye"/> looking at <paramref name="target"/>, in the optical convention:
    /// body z forward (towards the target), x right, y down, with world <paramref name="up"/> appearing upwards in the image.
    /// </summary>
    /// <param name="eye">Camera position, metres, world frame.</param>
    /// <param name="target">A point the camera looks at, metres, world frame.</param>
    /// <param name="up">World direction that appears as "up" in the image, usually (0, 0, 1).</param>
    /// <exception cref="ArgumentException">The inputs are not finite, eye equals target, or up is parallel to the view.</exception>
    public static Pose3 LookAt(Vector3 eye, Vector3 target, Vector3 up)
    {
        ThrowHelper.ThrowIfNotFinite(eye, nameof(eye));
        ThrowHelper.ThrowIfNotFinite(target, nameof(target));
        ThrowHelper.ThrowIfNotFinite(up, nameof(up));
        Vector3 forward = target - eye;
        if (forward.LengthSquared() < 1e-12f)
        {
            ThrowHelper.Argument(nameof(target), "target must differ from eye.");
        }

        forward = Vector3.Normalize(forward);
        Vector3 right = Vector3.Cross(forward, up);
        if (right.LengthSquared() < 1e-12f)
        {
            ThrowHelper.Argument(nameof(up), string.Create(CultureInfo.InvariantCulture, $"up ({up.X}, {up.Y}, {up.Z}) must not be parallel to the viewing direction."));
        }

        right = Vector3.Normalize(right);
        Vector3 down = Vector3.Cross(forward, right);
        // Columns of the body-to-world rotation are the body axes expressed in the world frame.
        var m = new Matrix4x4(
            right.X, right.Y, right.Z, 0,
            down.X, down.Y, down.Z, 0,
            forward.X, forward.Y, forward.Z, 0,
            0, 0, 0, 1);
        return new Pose3(eye, Quaternion.CreateFromRotationMatrix(m));
    }

    /// <inheritdoc />
    public bool Equals(Pose3 other) => Position.Equals(other.Position) && Rotation.Equals(other.Rotation);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Pose3 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Position, Rotation);

    /// <summary>Equality of position and rotation components.</summary>
    public static bool operator ==(Pose3 left, Pose3 right) => left.Equals(right);

    /// <summary>Inequality of position or rotation components.</summary>
    public static bool operator !=(Pose3 left, Pose3 right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Pose3(position: {Position}, rotation: {Rotation})");
}
