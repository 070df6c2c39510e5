using System;
using System.Globalization;

namespace Occupancy.Simulation;

/// <summary>
/// What a real depth camera does to a perfect depth image: Gaussian range noise whose standard deviation grows with
/// the square of depth (σ(z) = σ0 + k·z²), dropouts, a minimum and maximum range (outside them: no return), and the
/// disparity quantisation of structured-light and stereo cameras (depth = f·B / d with d rounded to a sub-pixel step).
/// Depth in metres along the optical axis; no return is NaN. Seeded, so a noisy frame can be reproduced.
/// </summary>
/// <remarks>Threads: immutable, so safe to share; each <c>Apply</c> call needs its own <see cref="System.Random"/>.</remarks>
public sealed class DepthNoiseModel
{
    /// <summary>Creates a noise model; defaults are close to a Kinect-class structured-light camera.</summary>
    /// <param name="sigmaBase">σ0, metres.</param>
    /// <param name="sigmaQuadratic">k in σ(z) = σ0 + k·z², 1/m.</param>
    /// <param name="dropoutProbability">Chance that a pixel returns nothing, 0 to 1.</param>
    /// <param name="minRange">Nearest measurable depth, metres.</param>
    /// <param name="maxRange">Farthest measurable depth, metres.</param>
    /// <param name="baseline">Projector–camera (or stereo) baseline for disparity quantisation, metres; 0 for none.</param>
    /// <param name="subpixel">Disparity step, pixels (1/8 for most structured-light cameras).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative, not finite, or the ranges are inverted.</exception>
    public DepthNoiseModel(float sigmaBase = 0.0012f, float sigmaQuadratic = 0.0019f, float dropoutProbability = 0.01f, float minRange = 0.3f, float maxRange = 8f, float baseline = 0.075f, float subpixel = 0.125f)
    {
        Check(sigmaBase, nameof(sigmaBase));
        Check(sigmaQuadratic, nameof(sigmaQuadratic));
        Check(minRange, nameof(minRange));
        Check(baseline, nameof(baseline));
        Check(subpixel, nameof(subpixel));
        if (!(dropoutProbability >= 0 && dropoutProbability <= 1))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(dropoutProbability), dropoutProbability, "dropoutProbability must lie between 0 and 1.");
        }

        if (!(maxRange > minRange) || !float.IsFinite(maxRange))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(maxRange), maxRange, string.Create(CultureInfo.InvariantCulture, $"maxRange must be finite and above minRange ({minRange})."));
        }

        if (baseline > 0 && subpixel <= 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(subpixel), subpixel, "subpixel must be positive when a baseline is given.");
        }

        SigmaBase = sigmaBase;
        SigmaQuadratic = sigmaQuadratic;
        DropoutProbability = dropoutProbability;
        MinRange = minRange;
        MaxRange = maxRange;
        Baseline = baseline;
        Subpixel = subpixel;
    }

    /// <summary>No noise at all: every return kept exactly.</summary>
    public static DepthNoiseModel None { get; } = new(0, 0, 0, 0, float.MaxValue, 0, 0);

    /// <summary>σ0, metres.</summary>
    public float SigmaBase { get; }

    /// <summary>Quadratic growth of σ, 1/m.</summary>
    public float SigmaQuadratic { get; }

    /// <summary>Chance of a dropout per pixel.</summary>
    public float DropoutProbability { get; }

    /// <summary>Nearest depth, metres.</summary>
    public float MinRange { get; }

    /// <summary>Farthest depth, metres.</summary>
    public float MaxRange { get; }

    /// <summary>Baseline, metres (0: no quantisation).</summary>
    public float Baseline { get; }

    /// <summary>Disparity step, pixels.</summary>
    public float Subpixel { get; }

    /// <summary>Applies the model in place.</summary>
    /// <param name="depth">Depth image, metres, NaN for no return.</param>
    /// <param name="intrinsics">The camera (its fx sets the disparity scale).</param>
    /// <param name="random">Source of noise; seed it to reproduce a frame.</param>
    /// <exception cref="ArgumentException">The image size does not match the intrinsics.</exception>
    public void Apply(Span<float> depth, in PinholeIntrinsics intrinsics, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (depth.Length != intrinsics.PixelCount || !intrinsics.IsValid)
        {
            ThrowHelper.BufferSize(nameof(depth), depth.Length, intrinsics.PixelCount, "the intrinsics");
        }

        float fb = intrinsics.Fx * Baseline;
        for (int i = 0; i < depth.Length; i++)
        {
            float z = depth[i];
            if (!(z > 0) || !float.IsFinite(z) || z < MinRange || z > MaxRange || random.NextSingle() < DropoutProbability)
            {
                depth[i] = float.NaN;
                continue;
            }

            float sigma = SigmaBase + (SigmaQuadratic * z * z);
            if (sigma > 0)
            {
                // Box–Muller.
                double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                z += (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }

            if (fb > 0 && z > 0)
            {
                float disparity = MathF.Round(fb / z / Subpixel) * Subpixel;
                z = disparity > 0 ? fb / disparity : float.NaN;
            }

            depth[i] = z > 0 ? z : float.NaN;
        }
    }

    private static void Check(float value, string name)
    {
        if (!(value >= 0) || !float.IsFinite(value))
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite and not negative, but was {value}."));
        }
    }
}
