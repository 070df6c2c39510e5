using System;
using System.Globalization;
using System.Threading;

namespace Occupancy;

/// <summary>
/// How a map forgets: known voxels drift back toward unknown as time passes, so that what moved away (a person who
/// walked through, a car that drove on) stops looking occupied even where no ray clears it, and what was seen once long
/// ago fades. <see cref="None"/> keeps everything, as OctoMap does (the default: no policy applied, nothing changes).
/// Apply a policy with <see cref="Apply"/> as time advances, typically once per frame before integrating it (it
/// advances the map's clock to the frame's time, which the bricks the frame observes then carry).
/// </summary>
/// <remarks>
/// <para>
/// Exponential decay scales every known log-odds by 2^(−Δt / half-life); linear decay moves it toward 0 by a fixed
/// rate (log-odds per second, as STVL's voxels expire). A voxel whose magnitude falls below <see cref="ForgetBelow"/>
/// becomes unknown, and a brick left with no known voxel is released. Both decay memorylessly, so a sweep every frame or
/// every second gives the same map for exponential decay (and for linear decay within one step of the forget threshold).
/// </para>
/// <para>
/// In view and out of view may decay at different rates: a brick counts as in view when a timed write observed it since
/// the previous application (the sensor saw it last frame). Time is the map's clock (<see cref="OccupancyMap.Time"/>),
/// in seconds.
/// </para>
/// <para>Threads: immutable; <see cref="Apply"/> is a write of the map and takes its turn like an integration.</para>
/// </remarks>
public sealed class DecayPolicy
{
    private readonly bool _exponential;
    private readonly double _outOfView, _inView;

    private DecayPolicy(bool exponential, double outOfView, double inView, float forgetBelow)
    {
        _exponential = exponential;
        _outOfView = outOfView;
        _inView = inView;
        ForgetBelow = forgetBelow;
    }

    /// <summary>No decay: the map keeps every voxel until a measurement changes it (OctoMap's behaviour).</summary>
    public static DecayPolicy None { get; } = new(true, double.PositiveInfinity, double.PositiveInfinity, 0.05f);

    /// <summary>Whether this policy changes anything (false for <see cref="None"/>).</summary>
    public bool Decays => _exponential ? !(double.IsPositiveInfinity(_outOfView) && double.IsPositiveInfinity(_inView)) : _outOfView > 0 || _inView > 0;

    /// <summary>Log-odds magnitude below which a decayed voxel becomes unknown.</summary>
    public float ForgetBelow { get; }

    /// <summary>Exponential decay toward unknown.</summary>
    /// <param name="halfLife">Seconds for a voxel out of view to lose half its log-odds; positive (infinity: no decay).</param>
    /// <param name="halfLifeInView">Seconds for a voxel in view; null for the same as out of view.</param>
    /// <param name="forgetBelow">Log-odds magnitude below which a voxel becomes unknown; positive, finite (0.05 by default: probability 0.4875 to 0.5125).</param>
    /// <exception cref="ArgumentOutOfRangeException">A half-life is not positive, or the threshold not positive and finite.</exception>
    public static DecayPolicy Exponential(double halfLife, double? halfLifeInView = null, float forgetBelow = 0.05f)
    {
        CheckRate(halfLife, nameof(halfLife), positive: true);
        CheckRate(halfLifeInView ?? halfLife, nameof(halfLifeInView), positive: true);
        CheckForget(forgetBelow);
        return new DecayPolicy(true, halfLife, halfLifeInView ?? halfLife, forgetBelow);
    }

    /// <summary>Linear decay toward unknown, at a fixed rate of log-odds per second.</summary>
    /// <param name="logOddsPerSecond">Rate out of view; zero or positive, finite.</param>
    /// <param name="logOddsPerSecondInView">Rate in view; null for the same as out of view.</param>
    /// <param name="forgetBelow">Log-odds magnitude below which a voxel becomes unknown; positive, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate is negative or not finite, or the threshold not positive and finite.</exception>
    public static DecayPolicy Linear(double logOddsPerSecond, double? logOddsPerSecondInView = null, float forgetBelow = 0.05f)
    {
        CheckRate(logOddsPerSecond, nameof(logOddsPerSecond), positive: false);
        CheckRate(logOddsPerSecondInView ?? logOddsPerSecond, nameof(logOddsPerSecondInView), positive: false);
        CheckForget(forgetBelow);
        return new DecayPolicy(false, logOddsPerSecond, logOddsPerSecondInView ?? logOddsPerSecond, forgetBelow);
    }

    /// <summary>
    /// Decays the map from the time of the previous application (or, the first time, from the map's clock) to
    /// <paramref name="now"/>, and advances the map's clock to it. A write: it takes its turn with integrations.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="now">Seconds; finite and not before the map's <see cref="OccupancyMap.Time"/>.</param>
    /// <returns>What the sweep did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="now"/> is not finite or lies before the map's time.</exception>
    public DecayResult Apply(OccupancyMap map, double now)
    {
        ArgumentNullException.ThrowIfNull(map);
        double clock = map.Time;
        using OccupancyMap.WriteScope write = map.BeginWrite(now);
        double since = double.IsNegativeInfinity(map.DecayedUntil) ? clock : map.DecayedUntil;
        map.DecayedUntil = now;
        if (double.IsNegativeInfinity(since) || !Decays || now <= since)
        {
            return default;
        }

        double elapsed = now - since;
        (float outScale, float outStep) = Factors(_outOfView, elapsed);
        (float inScale, float inStep) = Factors(_inView, elapsed);
        return DecaySweep.Run(map, since, outScale, outStep, inScale, inStep, ForgetBelow);
    }

    private (float Scale, float Step) Factors(double rate, double elapsed) =>
        _exponential ? ((float)Math.Pow(2, -elapsed / rate), 0f) : (1f, (float)(rate * elapsed));

    private static void CheckRate(double value, string name, bool positive)
    {
        bool ok = positive ? value > 0 : value >= 0 && double.IsFinite(value);
        if (!ok)
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be {(positive ? "positive" : "zero or positive and finite")}, but was {value}."));
        }
    }

    private static void CheckForget(float forgetBelow)
    {
        if (!(forgetBelow > 0 && float.IsFinite(forgetBelow)))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(forgetBelow), forgetBelow, string.Create(CultureInfo.InvariantCulture, $"forgetBelow must be positive and finite, but was {forgetBelow}."));
        }
    }
}
