using System;

namespace Occupancy.Simulation;

/// <summary>
/// Accuracy of an estimated disparity image against a ground-truth one, both for the same (left) view, in pixels.
/// Only pixels where the truth is valid (finite and greater than zero) count; of those, the estimate is valid where it
/// is finite and not negative. Errors are |d − d_gt| over the pixels where both are valid.
/// </summary>
/// <param name="Evaluated">Pixels where the truth is valid.</param>
/// <param name="Valid">Of those, pixels where the estimate is valid too.</param>
/// <param name="EndPointError">Mean |d − d_gt| over the <paramref name="Valid"/> pixels, pixels; NaN when there are none.</param>
/// <param name="BadOver1">Share (0 to 1) of the <paramref name="Valid"/> pixels with |d − d_gt| &gt; 1 px; NaN when there are none.</param>
/// <param name="BadOver3">Share (0 to 1) of the <paramref name="Valid"/> pixels with |d − d_gt| &gt; 3 px; NaN when there are none.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct DisparityMetrics(int Evaluated, int Valid, double EndPointError, double BadOver1, double BadOver3)
{
    /// <summary>Valid / Evaluated: the share of truth-valid pixels that got an estimate; NaN when nothing was evaluated.</summary>
    public double Density => (double)Valid / Evaluated;

    /// <summary>Compares an estimate with the truth, pixel by pixel.</summary>
    /// <param name="estimate">Estimated disparities, pixels; NaN (or any non-finite or negative value) where invalid.</param>
    /// <param name="truth">True disparities, pixels; NaN, infinite or ≤ 0 where unknown (those pixels are skipped).</param>
    /// <exception cref="ArgumentException">The two images differ in length.</exception>
    public static DisparityMetrics Compare(ReadOnlySpan<float> estimate, ReadOnlySpan<float> truth)
    {
        if (estimate.Length != truth.Length)
        {
            ThrowHelper.BufferSize(nameof(estimate), estimate.Length, truth.Length, "the truth image");
        }

        int evaluated = 0, valid = 0, over1 = 0, over3 = 0;
        double sum = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            float t = truth[i];
            if (!(t > 0f && t <= float.MaxValue))
            {
                continue;
            }

            evaluated++;
            float e = estimate[i];
            if (!(e >= 0f && e <= float.MaxValue))
            {
                continue;
            }

            valid++;
            double error = Math.Abs((double)e - t);
            sum += error;
            over1 += error > 1 ? 1 : 0;
            over3 += error > 3 ? 1 : 0;
        }

        return valid == 0
            ? new DisparityMetrics(evaluated, 0, double.NaN, double.NaN, double.NaN)
            : new DisparityMetrics(evaluated, valid, sum / valid, (double)over1 / valid, (double)over3 / valid);
    }
}
