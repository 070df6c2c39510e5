using System;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// The inverse sensor model in log-odds, the same as OctoMap's so that maps can be compared voxel for voxel:
/// a hit adds logit(<see cref="HitProbability"/>), a miss adds logit(<see cref="MissProbability"/>), the result is
/// clamped to [logit(<see cref="ClampMinProbability"/>), logit(<see cref="ClampMaxProbability"/>)], and a voxel is
/// occupied when its log-odds is at least logit(<see cref="OccupiedProbability"/>).
/// Log-odds are computed as <c>(float)Math.Log(p / (1 - p))</c>, exactly as OctoMap does, so values match bit for bit.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class SensorModel
{
    /// <summary>OctoMap's defaults: hit 0.7, miss 0.4, clamping 0.1192 / 0.971, occupied at 0.5.</summary>
    public static SensorModel Default { get; } = new();

    /// <summary>
    /// Creates a sensor model; every probability must lie strictly between 0 and 1, in the order
    /// clampMin ≤ miss &lt; occupied &lt; hit ≤ clampMax.
    /// </summary>
    /// <param name="hitProbability">Probability that a voxel is occupied given a hit in it; above <paramref name="occupiedProbability"/>.</param>
    /// <param name="missProbability">Probability that a voxel is occupied given a ray through it; below <paramref name="occupiedProbability"/>.</param>
    /// <param name="clampMinProbability">Lower clamp, at most <paramref name="missProbability"/>.</param>
    /// <param name="clampMaxProbability">Upper clamp, at least <paramref name="hitProbability"/>.</param>
    /// <param name="occupiedProbability">Threshold at or above which a voxel counts as occupied.</param>
    /// <exception cref="ArgumentOutOfRangeException">A probability is outside its range or the order above is broken.</exception>
    public SensorModel(double hitProbability = 0.7, double missProbability = 0.4, double clampMinProbability = 0.1192, double clampMaxProbability = 0.971, double occupiedProbability = 0.5)
    {
        CheckProbability(hitProbability, nameof(hitProbability));
        CheckProbability(missProbability, nameof(missProbability));
        CheckProbability(clampMinProbability, nameof(clampMinProbability));
        CheckProbability(clampMaxProbability, nameof(clampMaxProbability));
        CheckProbability(occupiedProbability, nameof(occupiedProbability));
        // In this order, so that one hit in an unknown voxel makes it occupied, one miss makes it free, and the clamps
        // never turn a miss into occupied or a hit into free (clamps inside the steps once did: clampMin at 0.5 made
        // one miss occupied).
        if (!(missProbability < occupiedProbability))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(missProbability), missProbability, string.Create(CultureInfo.InvariantCulture, $"missProbability must be below occupiedProbability ({occupiedProbability}), but was {missProbability}."));
        }

        if (!(hitProbability > occupiedProbability))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(hitProbability), hitProbability, string.Create(CultureInfo.InvariantCulture, $"hitProbability must be above occupiedProbability ({occupiedProbability}), but was {hitProbability}."));
        }

        if (!(clampMinProbability <= missProbability))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(clampMinProbability), clampMinProbability, string.Create(CultureInfo.InvariantCulture, $"clampMinProbability must be at most missProbability ({missProbability}), but was {clampMinProbability}."));
        }

        if (!(clampMaxProbability >= hitProbability))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(clampMaxProbability), clampMaxProbability, string.Create(CultureInfo.InvariantCulture, $"clampMaxProbability must be at least hitProbability ({hitProbability}), but was {clampMaxProbability}."));
        }

        HitProbability = hitProbability;
        MissProbability = missProbability;
        ClampMinProbability = clampMinProbability;
        ClampMaxProbability = clampMaxProbability;
        OccupiedProbability = occupiedProbability;
        HitLogOdds = LogOdds(hitProbability);
        MissLogOdds = LogOdds(missProbability);
        ClampMinLogOdds = LogOdds(clampMinProbability);
        ClampMaxLogOdds = LogOdds(clampMaxProbability);
        OccupiedLogOdds = LogOdds(occupiedProbability);
    }

    /// <summary>Probability of occupancy given a hit.</summary>
    public double HitProbability { get; }

    /// <summary>Probability of occupancy given a miss (a ray through the voxel).</summary>
    public double MissProbability { get; }

    /// <summary>Lower clamping probability.</summary>
    public double ClampMinProbability { get; }

    /// <summary>Upper clamping probability.</summary>
    public double ClampMaxProbability { get; }

    /// <summary>Occupied threshold probability.</summary>
    public double OccupiedProbability { get; }

    /// <summary>Log-odds added for a hit (0.847 by default).</summary>
    public float HitLogOdds { get; }

    /// <summary>Log-odds added for a miss (−0.405 by default).</summary>
    public float MissLogOdds { get; }

    /// <summary>Lower log-odds clamp (−1.999 by default).</summary>
    public float ClampMinLogOdds { get; }

    /// <summary>Upper log-odds clamp (3.511 by default).</summary>
    public float ClampMaxLogOdds { get; }

    /// <summary>Log-odds at or above which a voxel is occupied (0 by default).</summary>
    public float OccupiedLogOdds { get; }

    /// <summary>The state a log-odds stands for: unknown for NaN, occupied at or above <see cref="OccupiedLogOdds"/>, free below.</summary>
    /// <param name="logOdds">A voxel's log-odds (NaN when unknown).</param>
    public VoxelState Classify(float logOdds) =>
        float.IsNaN(logOdds) ? VoxelState.Unknown : logOdds >= OccupiedLogOdds ? VoxelState.Occupied : VoxelState.Free;

    /// <summary>logit(p) = ln(p / (1 − p)) rounded to float, as OctoMap computes it.</summary>
    public static float LogOdds(double probability) => (float)Math.Log(probability / (1 - probability));

    /// <summary>The probability for a log-odds value: 1 − 1 / (1 + e^l).</summary>
    public static double Probability(float logOdds) => 1.0 - (1.0 / (1.0 + Math.Exp(logOdds)));

    private static void CheckProbability(double p, string name)
    {
        if (!(p > 0 && p < 1))
        {
            ThrowHelper.ArgumentOutOfRange(name, p, string.Create(CultureInfo.InvariantCulture, $"{name} must lie strictly between 0 and 1, but was {p}."));
        }
    }
}
