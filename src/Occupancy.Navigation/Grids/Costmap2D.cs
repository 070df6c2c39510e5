using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// A 2D costmap of the map's columns in a height band, with the values Nav2 users know: 0 free, 1 to 252 inflation
/// cost decaying exponentially with distance, 253 inscribed (certain collision for the footprint's inscribed circle),
/// 254 lethal, 255 unknown. One cell per voxel column; cell (0, 0) is the column of the region's lowest corner, x east
/// and y north (world frame, metres, z up).
/// </summary>
/// <remarks>Threads: immutable once built, so safe to share between threads.</remarks>
public sealed class Costmap2D : ColumnGrid
{
    /// <summary>Free space.</summary>
    public const byte Free = 0;

    /// <summary>Within the inscribed radius of a lethal cell.</summary>
    public const byte Inscribed = 253;

    /// <summary>An obstacle column.</summary>
    public const byte Lethal = 254;

    /// <summary>Never observed in the band.</summary>
    public const byte Unknown = 255;

    /// <summary>The largest costmap, in cells (16 Mi).</summary>
    public const int MaxCells = 16 << 20;

    private readonly byte[] _cost;

    private Costmap2D(int x0, int y0, int width, int height, double resolution, byte[] cost)
        : base(x0, y0, width, height, resolution) => _cost = cost;

    /// <summary>All cells, row-major (x fastest, row 0 at the lowest y).</summary>
    public ReadOnlySpan<byte> Cells => _cost;

    /// <summary>Cost of cell (x, y).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The cell lies outside the costmap.</exception>
    public byte this[int x, int y]
    {
        get
        {
            if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            {
                ThrowHelper.ArgumentOutOfRange(nameof(x), (x, y), string.Create(CultureInfo.InvariantCulture, $"cell ({x}, {y}) lies outside the {Width}x{Height} costmap."));
            }

            return _cost[(y * Width) + x];
        }
    }

    /// <summary>
    /// Builds the costmap of the columns whose centres lie in the x–y extent of <paramref name="region"/>, from the voxels
    /// with centres between the options' obstacle heights.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box; only its x and y extent is used, metres.</param>
    /// <param name="options">Height band, lethal rule, inflation and unknown policy.</param>
    /// <exception cref="ArgumentException">The region holds no column centre or more than <see cref="MaxCells"/>.</exception>
    public static Costmap2D Build(OccupancyMap map, Aabb region, CostmapOptions options)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.MaxObstacleHeight >= options.MinObstacleHeight))
        {
            ThrowHelper.Argument(nameof(options), string.Create(CultureInfo.InvariantCulture, $"options.MaxObstacleHeight ({options.MaxObstacleHeight} m) must be at least options.MinObstacleHeight ({options.MinObstacleHeight} m)."));
        }

        var band = new Aabb(new Vector3(region.Min.X, region.Min.Y, options.MinObstacleHeight), new Vector3(region.Max.X, region.Max.Y, options.MaxObstacleHeight));
        (VoxelKey lo, VoxelKey hi) = map.KeyRangeOf(band);
        long width = (long)hi.X - lo.X + 1, height = (long)hi.Y - lo.Y + 1;
        if (width <= 0 || height <= 0 || width * height > MaxCells)
        {
            ThrowHelper.Argument(nameof(region), string.Create(CultureInfo.InvariantCulture, $"region {region} spans {Math.Max(0, width)}x{Math.Max(0, height)} columns; it must hold between 1 and {MaxCells}."));
        }

        int w = (int)width, h = (int)height;
        var occupied = new int[w * h];
        var known = new bool[w * h];
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(band))
        {
            int i = ((v.Key.Y - lo.Y) * w) + (v.Key.X - lo.X);
            known[i] = true;
            occupied[i] += v.State == VoxelState.Occupied ? 1 : 0;
        }

        // Lethal seeds for the distance transform; unknown columns are lethal only under TreatAsOccupied.
        var cost = new byte[w * h];
        var f = new float[w * h];
        for (int i = 0; i < f.Length; i++)
        {
            bool lethal = occupied[i] >= options.MinOccupiedVoxels || (!known[i] && options.Unknown == UnknownPolicy.TreatAsOccupied);
            f[i] = lethal ? 0 : ExactDistanceTransform.Far;
        }

        ExactDistanceTransform.Squared(f, w, h, 1);
        double r = map.Resolution;
        for (int i = 0; i < f.Length; i++)
        {
            if (!known[i] && options.Unknown == UnknownPolicy.Report)
            {
                cost[i] = Unknown;
                continue;
            }

            cost[i] = f[i] >= ExactDistanceTransform.Far / 2 ? Free : CostAt(Math.Sqrt(f[i]) * r, f[i] == 0, options);
        }

        return new Costmap2D(lo.X, lo.Y, w, h, r, cost);
    }

    /// <summary>
    /// Tests a footprint at a pose against the costmap over its whole filled area: every cell whose square overlaps the
    /// footprint with positive area counts (not only the cells under its outline). World frame, metres, radians.
    /// </summary>
    /// <param name="footprint">The robot's outline.</param>
    /// <param name="position">Reference point in the world (x, y), metres.</param>
    /// <param name="yaw">Heading, radians counter-clockwise from world x.</param>
    /// <returns>The highest cost under the footprint, whether it is in collision (a lethal cell), and whether it covers unknown cells or leaves the costmap.</returns>
    /// <exception cref="ArgumentException">The position or yaw is not finite.</exception>
    public FootprintCost CheckFootprint(Footprint footprint, Vector2 position, float yaw)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        if (!float.IsFinite(position.X) || !float.IsFinite(position.Y))
        {
            ThrowHelper.Argument(nameof(position), string.Create(CultureInfo.InvariantCulture, $"position must be finite, but was {position}."));
        }

        if (!float.IsFinite(yaw))
        {
            ThrowHelper.Argument(nameof(yaw), string.Create(CultureInfo.InvariantCulture, $"yaw must be finite, but was {yaw}."));
        }

        byte max = 0;
        bool unknown = false, outside = false;
        foreach ((int x, int y) in CellsUnder(footprint, position, yaw))
        {
            if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            {
                outside = true;
                continue;
            }

            byte c = _cost[(y * Width) + x];
            if (c == Unknown)
            {
                unknown = true;
            }
            else
            {
                max = Math.Max(max, c);
            }
        }

        return new FootprintCost(max, max == Lethal, unknown || outside);
    }

    /// <summary>Cells (possibly outside the costmap) whose squares overlap the footprint at a pose with positive area.</summary>
    internal System.Collections.Generic.IEnumerable<(int X, int Y)> CellsUnder(Footprint footprint, Vector2 position, float yaw)
    {
        float reach = footprint.IsCircle ? footprint.CircumscribedRadius / MathF.Cos(MathF.PI / 64) : footprint.CircumscribedRadius;
        double r = Resolution;
        int x0 = (int)Math.Floor((position.X - reach) / r) - OriginX, x1 = (int)Math.Floor((position.X + reach) / r) - OriginX;
        int y0 = (int)Math.Floor((position.Y - reach) / r) - OriginY, y1 = (int)Math.Floor((position.Y + reach) / r) - OriginY;
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                var min = new Vector2((float)((OriginX + x) * r), (float)((OriginY + y) * r));
                if (footprint.OverlapArea(position, yaw, min, (float)r) > 1e-9 * r * r)
                {
                    yield return (x, y);
                }
            }
        }
    }

    /// <summary>Nav2's inflation cost for a cell at <paramref name="distance"/> metres from the nearest lethal cell.</summary>
    internal static byte CostAt(double distance, bool lethal, CostmapOptions options)
    {
        if (lethal)
        {
            return Lethal;
        }

        if (distance <= options.InscribedRadius)
        {
            return Inscribed;
        }

        if (distance > options.InflationRadius)
        {
            return Free;
        }

        double factor = Math.Exp(-options.CostScalingFactor * (distance - options.InscribedRadius));
        return (byte)((Inscribed - 1) * factor);
    }
}
