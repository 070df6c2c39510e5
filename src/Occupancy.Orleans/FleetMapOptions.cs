using System;

namespace Occupancy.Orleans;

/// <summary>How a <see cref="FleetMapClient"/> cuts, sends and reads the fleet's map.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record FleetMapOptions
{
    /// <summary>Voxel edge of the fleet's map, metres: every agent's map has it.</summary>
    public required double Resolution { get; init; }

    /// <summary>The sensor model maps assembled from the fleet are read with (clamps, occupancy threshold); the default model when null.</summary>
    public SensorModel? SensorModel { get; init; }

    /// <summary>Bricks per region side as a power of two (3: 8 × 8 × 8 bricks a region). Every client of a fleet uses the same.</summary>
    public int RegionShift { get; init; } = 3;

    /// <summary>Tries of each region call before a push gives up (a silo's death takes seconds to detect).</summary>
    public int MaxAttempts { get; init; } = 60;

    /// <summary>The wait after a failed try; it doubles with each failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between tries.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
