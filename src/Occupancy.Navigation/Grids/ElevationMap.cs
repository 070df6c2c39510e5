using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// Per voxel column, the height of the surface a walking agent would stand on, with multi-level support: a surface is
/// the top of an occupied voxel whose voxel above is free (observed free or, by policy, unknown), and it is standable
/// when the space above it is clear (free or, by policy, unknown) for at least the required clearance. Under a table or
/// a bridge the ground stays standable when the clearance is enough; otherwise the top of the table is the surface. A
/// column with no standable surface is obstructed (+∞) when it holds an observed occupied voxel (a wall seen only from
/// the side: impassable whatever the policy), else unknown (NaN), never zero. Derived layers: step height, slope
/// (local plane fit) and roughness, from the cells with a surface.
/// World frame: metres, z up; cell (0, 0) is the column of the region's lowest corner.
/// </summary>
/// <remarks>Threads: immutable once built, so safe to share between threads.</remarks>
public sealed class ElevationMap : ColumnGrid
{
    /// <summary>The largest map, in cells (16 Mi).</summary>
    public const int MaxCells = 16 << 20;

    private readonly float[] _height;

    private ElevationMap(int x0, int y0, int width, int height, double resolution, float[] elevation)
        : base(x0, y0, width, height, resolution) => _height = elevation;

    /// <summary>Surface heights, metres, row-major (x fastest); NaN where unknown, +∞ where obstructed.</summary>
    public ReadOnlySpan<float> Heights => _height;

    /// <summary>Surface height of cell (x, y), metres; NaN when unknown or outside the map, +∞ when obstructed.</summary>
    public float this[int x, int y] => (uint)x < (uint)Width && (uint)y < (uint)Height ? _height[(y * Width) + x] : float.NaN;

    /// <summary>Builds the elevation map of the columns whose centres lie in the region, from voxels whose centres lie in its height range.</summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box, metres: x and y span the map, z the heights searched.</param>
    /// <param name="clearance">Free height (m) an agent needs above a surface to stand on it (its body height).</param>
    /// <param name="unknownAbove">Whether unknown voxels above an occupied one count as free space (<see cref="UnknownPolicy.TreatAsFree"/>) or not.</param>
    /// <param name="referenceHeight">With several standable surfaces in a column, the one nearest this height (m) is taken; null for the lowest.</param>
    /// <exception cref="ArgumentException">The clearance is not finite and positive, the region is too large or empty, or the policy is Report.</exception>
    public static ElevationMap Build(OccupancyMap map, Aabb region, float clearance, UnknownPolicy unknownAbove = UnknownPolicy.TreatAsOccupied, float? referenceHeight = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ThrowHelper.ThrowIfNotPositiveFinite(clearance, nameof(clearance));
        if (unknownAbove is not (UnknownPolicy.TreatAsFree or UnknownPolicy.TreatAsOccupied))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(unknownAbove), unknownAbove, "unknownAbove must be TreatAsFree or TreatAsOccupied.");
        }

        if (referenceHeight is float reference && !float.IsFinite(reference))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(referenceHeight), reference, "referenceHeight must be finite.");
        }

        (VoxelKey lo, VoxelKey hi) = map.KeyRangeOf(region);
        long w = (long)hi.X - lo.X + 1, h = (long)hi.Y - lo.Y + 1, d = (long)hi.Z - lo.Z + 1;
        if (w <= 0 || h <= 0 || d <= 0 || w * h > MaxCells || w * h * d > DistanceField.MaxVoxels)
        {
            ThrowHelper.Argument(nameof(region), string.Create(CultureInfo.InvariantCulture, $"region {region} spans {Math.Max(0, w)}x{Math.Max(0, h)}x{Math.Max(0, d)} voxels; at most {MaxCells} columns and {DistanceField.MaxVoxels} voxels."));
        }

        // Column states, z fastest: 0 unknown, 1 free, 2 occupied.
        var states = new byte[w * h * d];
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(region))
        {
            long i = ((((v.Key.Y - lo.Y) * w) + (v.Key.X - lo.X)) * d) + (v.Key.Z - lo.Z);
            states[i] = (byte)v.State;
        }

        double r = map.Resolution;
        int needed = (int)Math.Ceiling((clearance / r) - 1e-9);
        var elevation = new float[w * h];
        for (long c = 0; c < w * h; c++)
        {
            ReadOnlySpan<byte> column = states.AsSpan((int)(c * d), (int)d);
            float best = float.NaN;
            for (int z = 0; z < d - 1; z++)
            {
                // A surface: an occupied voxel with a free voxel on top (observed, or unknown for an optimist).
                byte above = column[z + 1];
                if (column[z] != (byte)VoxelState.Occupied || !(above == (byte)VoxelState.Free || (above == (byte)VoxelState.Unknown && unknownAbove == UnknownPolicy.TreatAsFree)))
                {
                    continue;
                }

                int clear = 0;
                for (int k = z + 1; k < d && clear < needed; k++)
                {
                    byte s = column[k];
                    if (s == (byte)VoxelState.Occupied || (s == (byte)VoxelState.Unknown && unknownAbove == UnknownPolicy.TreatAsOccupied))
                    {
                        break;
                    }

                    clear++;
                }

                // Above the region's top the column is taken as clear: the region bounds what was asked about.
                if (clear < needed && z + 1 + clear < d)
                {
                    continue;
                }

                float top = (float)((lo.Z + z + 1) * r);
                if (float.IsNaN(best) || (referenceHeight is float target && MathF.Abs(top - target) < MathF.Abs(best - target)))
                {
                    best = top;
                }
            }

            // Nowhere to stand, but something observed there: an obstacle, whatever is assumed of what was not seen.
            elevation[c] = float.IsNaN(best) && column.Contains((byte)VoxelState.Occupied) ? float.PositiveInfinity : best;
        }

        return new ElevationMap(lo.X, lo.Y, (int)w, (int)h, r, elevation);
    }

    /// <summary>
    /// Step height of every cell: the largest height difference between the cell and a cell with a surface within
    /// <paramref name="footRadius"/> metres (centre to centre). NaN where the cell has no surface (unknown or obstructed).
    /// </summary>
    /// <param name="footRadius">Radius, metres, at least one cell.</param>
    /// <exception cref="ArgumentOutOfRangeException">The radius is not finite and positive.</exception>
    public float[] StepHeights(float footRadius)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(footRadius, nameof(footRadius));
        int reach = (int)Math.Floor(footRadius / Resolution);
        double reach2 = (footRadius / Resolution) * (footRadius / Resolution);
        var step = new float[_height.Length];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                float here = _height[(y * Width) + x];
                float worst = float.NaN;
                if (float.IsFinite(here))
                {
                    worst = 0;
                    for (int dy = -reach; dy <= reach; dy++)
                    {
                        for (int dx = -reach; dx <= reach; dx++)
                        {
                            float there = this[x + dx, y + dy];
                            if ((dx * dx) + (dy * dy) <= reach2 + 1e-9 && float.IsFinite(there))
                            {
                                worst = MathF.Max(worst, MathF.Abs(there - here));
                            }
                        }
                    }
                }

                step[(y * Width) + x] = worst;
            }
        }

        return step;
    }

    /// <summary>
    /// Slope (radians from horizontal) and roughness (standard deviation of the residuals, metres) of a least-squares
    /// plane z = a·x + b·y + c fitted to the cells with a surface within <paramref name="radius"/> metres of each cell. NaN where
    /// the cell is unknown or fewer than three cells support the fit.
    /// </summary>
    /// <param name="radius">Fit radius, metres.</param>
    /// <exception cref="ArgumentOutOfRangeException">The radius is not finite and positive.</exception>
    public (float[] Slope, float[] Roughness) SlopeAndRoughness(float radius)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(radius, nameof(radius));
        int reach = (int)Math.Floor(radius / Resolution);
        double reach2 = (radius / Resolution) * (radius / Resolution);
        var slope = new float[_height.Length];
        var roughness = new float[_height.Length];
        var xs = new List<(double X, double Y, double Z)>();
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                slope[(y * Width) + x] = roughness[(y * Width) + x] = float.NaN;
                if (!float.IsFinite(_height[(y * Width) + x]))
                {
                    continue;
                }

                xs.Clear();
                for (int dy = -reach; dy <= reach; dy++)
                {
                    for (int dx = -reach; dx <= reach; dx++)
                    {
                        float z = this[x + dx, y + dy];
                        if ((dx * dx) + (dy * dy) <= reach2 + 1e-9 && float.IsFinite(z))
                        {
                            xs.Add((dx * Resolution, dy * Resolution, z));
                        }
                    }
                }

                if (xs.Count >= 3 && FitPlane(xs, out double a, out double b, out double c))
                {
                    slope[(y * Width) + x] = (float)Math.Atan(Math.Sqrt((a * a) + (b * b)));
                    double sum = 0;
                    foreach ((double px, double py, double pz) in xs)
                    {
                        double e = pz - ((a * px) + (b * py) + c);
                        sum += e * e;
                    }

                    roughness[(y * Width) + x] = (float)Math.Sqrt(sum / xs.Count);
                }
            }
        }

        return (slope, roughness);
    }

    /// <summary>Least squares z = a·x + b·y + c through the normal equations (3 × 3, Cramer's rule).</summary>
    private static bool FitPlane(List<(double X, double Y, double Z)> points, out double a, out double b, out double c)
    {
        double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0, sxz = 0, syz = 0, sz = 0, n = points.Count;
        foreach ((double x, double y, double z) in points)
        {
            sxx += x * x;
            sxy += x * y;
            syy += y * y;
            sx += x;
            sy += y;
            sxz += x * z;
            syz += y * z;
            sz += z;
        }

        double det = (sxx * ((syy * n) - (sy * sy))) - (sxy * ((sxy * n) - (sy * sx))) + (sx * ((sxy * sy) - (syy * sx)));
        if (Math.Abs(det) < 1e-12)
        {
            a = b = c = 0;
            return false;
        }

        a = ((sxz * ((syy * n) - (sy * sy))) - (sxy * ((syz * n) - (sy * sz))) + (sx * ((syz * sy) - (syy * sz)))) / det;
        b = ((sxx * ((syz * n) - (sz * sy))) - (sxz * ((sxy * n) - (sy * sx))) + (sx * ((sxy * sz) - (syz * sx)))) / det;
        c = ((sxx * ((syy * sz) - (sy * syz))) - (sxy * ((sxy * sz) - (sy * sxz))) + (sx * ((sxy * syz) - (syy * sxz)))) / det;
        return true;
    }
}
