using System;
using System.Globalization;

namespace Occupancy.Orleans;

/// <summary>
/// How the fleet's map is cut into regions: cubes of 2^shift bricks on each axis (shift 3: 8 × 8 × 8 bricks, 64 voxels
/// a side, 12.8 m at 0.2 m voxels), each owned by one <see cref="IMapRegionGrain"/>.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class FleetRegions
{
    /// <summary>The largest shift: regions of 2^10 bricks a side.</summary>
    public const int MaxShift = 10;

    private const int Bits = 21;
    private const long Mask = (1L << Bits) - 1;

    /// <summary>The region holding a brick, as region coordinates (the brick's coordinates shifted right, rounding down).</summary>
    /// <param name="brick">The brick.</param>
    /// <param name="shift">Bricks per region side, as a power of two (0 to <see cref="MaxShift"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shift"/> lies outside 0 to <see cref="MaxShift"/>.</exception>
    public static (int X, int Y, int Z) RegionOf(BrickKey brick, int shift)
    {
        CheckShift(shift);
        return (brick.X >> shift, brick.Y >> shift, brick.Z >> shift);
    }

    /// <summary>The grain key of a region: its coordinates, 21 bits each (two's complement), packed into one long.</summary>
    /// <param name="x">Region coordinate along world x.</param>
    /// <param name="y">Region coordinate along world y.</param>
    /// <param name="z">Region coordinate along world z.</param>
    public static long KeyOf(int x, int y, int z) => ((x & Mask) << (2 * Bits)) | ((y & Mask) << Bits) | (z & Mask);

    /// <summary>The region coordinates of a grain key made by <see cref="KeyOf"/>.</summary>
    /// <param name="key">The grain key.</param>
    public static (int X, int Y, int Z) CoordinatesOf(long key) =>
        (SignExtend(key >> (2 * Bits)), SignExtend(key >> Bits), SignExtend(key));

    internal static void CheckShift(int shift)
    {
        if (shift < 0 || shift > MaxShift)
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, string.Create(CultureInfo.InvariantCulture, $"shift must be between 0 and {MaxShift}, but was {shift}."));
        }
    }

    private static int SignExtend(long v) => (int)((v & Mask) << (64 - Bits) >> (64 - Bits));
}
