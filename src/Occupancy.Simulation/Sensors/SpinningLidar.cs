using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A simulated spinning LiDAR: <see cref="BeamCount"/> beams at fixed elevation angles sweeping a full turn in steps of
/// <see cref="HorizontalResolution"/> radians, Gaussian range noise, and a maximum range (beams that hit nothing within it
/// return nothing). Its frame follows REP-103: x forward, y left, z up; elevation angles are from the x–y plane, up
/// positive. Scans come out as world-frame points with the sensor origin, ready for <c>PointCloudIntegrator</c>.
/// </summary>
/// <remarks>Threads: immutable, so safe to share; each <c>Scan</c> call needs its own output buffer and <see cref="System.Random"/>.</remarks>
public sealed class SpinningLidar
{
    private readonly float[] _elevations;

    /// <summary>Creates a LiDAR.</summary>
    /// <param name="elevations">Beam elevation angles, radians (at least one, each within ±π/2).</param>
    /// <param name="horizontalResolution">Azimuth step, radians, above 0 and at most π.</param>
    /// <param name="maxRange">Maximum range, metres.</param>
    /// <param name="rangeNoise">Standard deviation of the range noise, metres (0 for none).</param>
    /// <exception cref="ArgumentException">An angle or value is out of range.</exception>
    public SpinningLidar(ReadOnlySpan<float> elevations, float horizontalResolution, float maxRange, float rangeNoise = 0)
    {
        if (elevations.Length == 0)
        {
            ThrowHelper.Argument(nameof(elevations), "a LiDAR needs at least one beam.");
        }

        foreach (float e in elevations)
        {
            if (!(MathF.Abs(e) <= MathF.PI / 2))
            {
                ThrowHelper.ArgumentOutOfRange(nameof(elevations), e, string.Create(CultureInfo.InvariantCulture, $"beam elevations must lie within ±π/2 radians, but one was {e}."));
            }
        }

        if (!(horizontalResolution > 0 && horizontalResolution <= MathF.PI))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(horizontalResolution), horizontalResolution, "horizontalResolution must lie in (0, π] radians.");
        }

        ThrowHelper.ThrowIfNotPositiveFinite(maxRange, nameof(maxRange));
        if (!(rangeNoise >= 0) || !float.IsFinite(rangeNoise))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(rangeNoise), rangeNoise, "rangeNoise must be finite and not negative.");
        }

        _elevations = elevations.ToArray();
        HorizontalResolution = horizontalResolution;
        MaxRange = maxRange;
        RangeNoise = rangeNoise;
        AzimuthSteps = (int)MathF.Ceiling(2 * MathF.PI / horizontalResolution);
    }

    /// <summary>A 16-beam LiDAR (±15° in 2° steps, 0.2° azimuth, 100 m, 3 cm noise), like a VLP-16.</summary>
    public static SpinningLidar Vlp16()
    {
        var elevations = new float[16];
        for (int i = 0; i < 16; i++)
        {
            elevations[i] = (-15 + (2 * i)) * MathF.PI / 180;
        }

        return new SpinningLidar(elevations, 0.2f * MathF.PI / 180, 100, 0.03f);
    }

    /// <summary>A 64-beam LiDAR (+2° to −24.8° in 64 even steps, 0.17° azimuth, 120 m, 2 cm noise), like an HDL-64E.</summary>
    public static SpinningLidar Hdl64()
    {
        var elevations = new float[64];
        for (int i = 0; i < 64; i++)
        {
            elevations[i] = (2f - (i * 26.8f / 63)) * MathF.PI / 180;
        }

        return new SpinningLidar(elevations, 0.17f * MathF.PI / 180, 120, 0.02f);
    }

    /// <summary>Number of beams.</summary>
    public int BeamCount => _elevations.Length;

    /// <summary>Beam elevations, radians.</summary>
    public IReadOnlyList<float> Elevations => _elevations;

    /// <summary>Azimuth step, radians.</summary>
    public float HorizontalResolution { get; }

    /// <summary>Azimuth steps per turn.</summary>
    public int AzimuthSteps { get; }

    /// <summary>Maximum range, metres.</summary>
    public float MaxRange { get; }

    /// <summary>Range noise σ, metres.</summary>
    public float RangeNoise { get; }

    /// <summary>Most points one scan can return.</summary>
    public int MaxPoints => BeamCount * AzimuthSteps;

    /// <summary>Casts one full turn against a scene and writes the returns as world-frame points.</summary>
    /// <param name="scene">The scene.</param>
    /// <param name="pose">Pose of the LiDAR frame in the world.</param>
    /// <param name="points">Receives the points; at least <see cref="MaxPoints"/> long.</param>
    /// <param name="random">Noise source (seed it to reproduce a scan); unused without noise.</param>
    /// <returns>The number of points written.</returns>
    /// <exception cref="ArgumentException">The buffer is too short or the pose is not finite.</exception>
    public int Scan(Scene scene, Pose3 pose, Span<Vector3> points, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (points.Length < MaxPoints)
        {
            ThrowHelper.BufferSize(nameof(points), points.Length, MaxPoints, "one scan");
        }

        if (!pose.IsFinite)
        {
            ThrowHelper.Argument(nameof(pose), string.Create(CultureInfo.InvariantCulture, $"pose must be finite, but was {pose}."));
        }

        int n = 0;
        for (int a = 0; a < AzimuthSteps; a++)
        {
            (float sinA, float cosA) = MathF.SinCos(a * HorizontalResolution);
            foreach (float e in _elevations)
            {
                (float sinE, float cosE) = MathF.SinCos(e);
                Vector3 direction = pose.Rotate(new Vector3(cosE * cosA, cosE * sinA, sinE));
                if (!scene.Raycast(pose.Position, direction, MaxRange, out float range, out _))
                {
                    continue;
                }

                if (RangeNoise > 0 && random is not null)
                {
                    double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                    range += (float)(RangeNoise * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
                }

                if (range > 0)
                {
                    points[n++] = pose.Position + (direction * range);
                }
            }
        }

        return n;
    }
}
