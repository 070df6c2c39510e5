using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Stereo;

/// <summary>
/// A rectified stereo pair: two pinhole cameras with the same intrinsics and orientation, the right one displaced by
/// <see cref="Baseline"/> metres along the left camera's optical x axis (x right, y down, z forward). A point at depth Z
/// (metres along z) appears in the right image <see cref="Disparity"/> d = fx·B / Z pixels left of where it appears in the
/// left image, so Z = fx·B / d. The left camera is the reference: depth images come out in its optical frame.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class StereoCamera
{
    /// <summary>Creates a rectified pair.</summary>
    /// <param name="intrinsics">Intrinsics shared by both cameras.</param>
    /// <param name="baseline">Distance between the optical centres, metres; positive (right camera to the right).</param>
    /// <exception cref="ArgumentException">The intrinsics are uninitialised or the baseline is not positive and finite.</exception>
    public StereoCamera(PinholeIntrinsics intrinsics, float baseline)
    {
        if (!intrinsics.IsValid)
        {
            ThrowHelper.Argument(nameof(intrinsics), "intrinsics are uninitialised: construct them with a width, height and focal lengths.");
        }

        ThrowHelper.ThrowIfNotPositiveFinite(baseline, nameof(baseline));
        Intrinsics = intrinsics;
        Baseline = baseline;
    }

    /// <summary>
    /// Checks that two calibrated cameras form a rectified pair and makes it: equal intrinsics, equal orientations, and the
    /// right camera's centre on the left camera's positive x axis.
    /// </summary>
    /// <param name="left">Left camera intrinsics.</param>
    /// <param name="leftPose">Left optical frame in the world frame.</param>
    /// <param name="right">Right camera intrinsics.</param>
    /// <param name="rightPose">Right optical frame in the world frame.</param>
    /// <param name="tolerance">Allowed misalignment: radians between orientations, and metres off the x axis per metre of baseline.</param>
    /// <exception cref="ArgumentException">The pair is not rectified; the message says how.</exception>
    public static StereoCamera FromCameraPoses(PinholeIntrinsics left, Pose3 leftPose, PinholeIntrinsics right, Pose3 rightPose, float tolerance = 1e-3f)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(tolerance, nameof(tolerance));
        if (!left.Equals(right))
        {
            ThrowHelper.Argument(nameof(right), string.Create(CultureInfo.InvariantCulture, $"a rectified pair needs equal intrinsics, but left is {left} and right is {right}."));
        }

        if (!leftPose.IsFinite || !rightPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(rightPose), "both camera poses must be finite.");
        }

        float dot = MathF.Min(1f, MathF.Abs(Quaternion.Dot(Quaternion.Normalize(leftPose.Rotation), Quaternion.Normalize(rightPose.Rotation))));
        float angle = 2 * MathF.Acos(dot);
        if (angle > tolerance)
        {
            ThrowHelper.Argument(nameof(rightPose), string.Create(CultureInfo.InvariantCulture, $"the pair is not rectified: the cameras' orientations differ by {angle} radians."));
        }

        Vector3 offset = leftPose.InverseTransform(rightPose.Position);
        if (!(offset.X > 0) || MathF.Sqrt((offset.Y * offset.Y) + (offset.Z * offset.Z)) > tolerance * offset.X)
        {
            ThrowHelper.Argument(nameof(rightPose), string.Create(CultureInfo.InvariantCulture, $"the pair is not rectified: the right camera sits at ({offset.X}, {offset.Y}, {offset.Z}) in the left optical frame, not on its positive x axis."));
        }

        return new StereoCamera(left, offset.X);
    }

    /// <summary>Intrinsics of both cameras.</summary>
    public PinholeIntrinsics Intrinsics { get; }

    /// <summary>Distance between the optical centres, metres.</summary>
    public float Baseline { get; }

    /// <summary>The right camera's optical frame in the world, for the left one's.</summary>
    /// <param name="leftCameraPose">Left optical frame in the world frame.</param>
    public Pose3 RightCameraPose(in Pose3 leftCameraPose) => new(leftCameraPose.Transform(new Vector3(Baseline, 0, 0)), leftCameraPose.Rotation);

    /// <summary>Disparity (pixels) of a point at a depth (metres): fx·B / Z.</summary>
    /// <param name="depth">Depth along the optical axis, metres.</param>
    public float Disparity(float depth) => Intrinsics.Fx * Baseline / depth;

    /// <summary>Depth (metres) of a disparity (pixels): fx·B / d.</summary>
    /// <param name="disparity">Disparity, pixels.</param>
    public float Depth(float disparity) => Intrinsics.Fx * Baseline / disparity;

    /// <summary>Converts a disparity image to a depth image; non-finite or non-positive disparities become NaN (no return).</summary>
    /// <param name="disparity">Disparities, pixels, row-major, Width × Height.</param>
    /// <param name="depth">Receives depths, metres along the left optical axis.</param>
    /// <exception cref="ArgumentException">A buffer does not hold Width × Height values.</exception>
    public void DisparityToDepth(ReadOnlySpan<float> disparity, Span<float> depth) => Convert(disparity, depth, nameof(disparity), nameof(depth));

    /// <summary>Converts a depth image to disparities (for ground truth); non-finite or non-positive depths become NaN.</summary>
    /// <param name="depth">Depths, metres along the left optical axis, row-major, Width × Height.</param>
    /// <param name="disparity">Receives disparities, pixels.</param>
    /// <exception cref="ArgumentException">A buffer does not hold Width × Height values.</exception>
    public void DepthToDisparity(ReadOnlySpan<float> depth, Span<float> disparity) => Convert(depth, disparity, nameof(depth), nameof(disparity));

    private void Convert(ReadOnlySpan<float> input, Span<float> output, string inputName, string outputName)
    {
        int n = Intrinsics.PixelCount;
        string what = string.Create(CultureInfo.InvariantCulture, $"a {Intrinsics.Width}x{Intrinsics.Height} image");
        if (input.Length != n)
        {
            ThrowHelper.BufferSize(inputName, input.Length, n, what);
        }

        if (output.Length != n)
        {
            ThrowHelper.BufferSize(outputName, output.Length, n, what);
        }

        Stereo.Disparity.ToDepth(input, Intrinsics.Fx, Baseline, output); // fx·B / x maps either way
    }
}
