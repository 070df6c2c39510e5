using System;
using System.Collections.Generic;

namespace Occupancy.Simulation;

/// <summary>
/// Occupancy forecast scores as in the Waymo Open Dataset occupancy-and-flow challenge, on a bird's-eye grid of the
/// map's voxel columns: soft IoU (Σ p·g / Σ (p + g − p·g)) and AUC (the area under the precision-recall curve, as
/// average precision) of forecast probabilities p against where the movers truly are at the forecast's time (g = 1
/// in a column with a mover's voxel in the height band). A column's probability is the highest of the forecast's
/// voxels in the band. Columns where the static structure stands within the band, and their neighbours, are left out:
/// the score is of the movers' space. Both sums and the curve pool every frame added. Voxel keys and resolution are
/// the map's; world frame, metres, z up.
/// </summary>
/// <remarks>Threads: one accumulator serves one thread.</remarks>
public sealed class ForecastScore
{
    private readonly GroundTruth _static;
    private readonly bool[] _excluded;
    private readonly float[] _predicted;
    private readonly bool[] _true;
    private readonly int _zLow;
    private readonly int _zHigh;
    private readonly List<(float P, bool G)> _samples = [];
    private double _intersection;
    private double _union;

    /// <summary>Creates an accumulator over the columns of a static truth's grid.</summary>
    /// <param name="staticTruth">Ground truth of the static structure; its grid is the scored area.</param>
    /// <param name="bandLow">Lowest voxel centre height counted, metres (default 0.3: above the road and the curb).</param>
    /// <param name="bandHigh">Highest voxel centre height counted, metres (default 3).</param>
    /// <exception cref="ArgumentOutOfRangeException">The band is empty or not finite.</exception>
    public ForecastScore(GroundTruth staticTruth, double bandLow = 0.3, double bandHigh = 3.0)
    {
        ArgumentNullException.ThrowIfNull(staticTruth);
        if (!(bandLow < bandHigh && double.IsFinite(bandLow) && double.IsFinite(bandHigh)))
        {
            throw new ArgumentOutOfRangeException(nameof(bandHigh), bandHigh, $"the band must be finite with bandLow ({bandLow}) below bandHigh ({bandHigh}).");
        }

        _static = staticTruth;
        double r = staticTruth.Resolution;
        _zLow = (int)Math.Ceiling((bandLow / r) - 0.5);
        _zHigh = (int)Math.Floor((bandHigh / r) - 0.5);
        int sx = staticTruth.SizeX, sy = staticTruth.SizeY;
        _excluded = new bool[sx * sy];
        _predicted = new float[sx * sy];
        _true = new bool[sx * sy];
        VoxelKey o = staticTruth.Origin;
        for (int y = 0; y < sy; y++)
        {
            for (int x = 0; x < sx; x++)
            {
                for (int z = _zLow; z <= _zHigh; z++)
                {
                    if (staticTruth.IsOccupied(new VoxelKey(o.X + x, o.Y + y, z)))
                    {
                        for (int dy = Math.Max(0, y - 1); dy <= Math.Min(sy - 1, y + 1); dy++)
                        {
                            for (int dx = Math.Max(0, x - 1); dx <= Math.Min(sx - 1, x + 1); dx++)
                            {
                                _excluded[(dy * sx) + dx] = true;
                            }
                        }

                        break;
                    }
                }
            }
        }
    }

    /// <summary>Frames added.</summary>
    public int Frames { get; private set; }

    /// <summary>Columns a mover truly stood in, over the frames added.</summary>
    public long TrueColumns { get; private set; }

    /// <summary>Soft IoU over the frames added; NaN before any column is occupied in either.</summary>
    public double SoftIoU => _union == 0 ? double.NaN : _intersection / _union;

    /// <summary>Area under the precision-recall curve (average precision); NaN before a mover is seen.</summary>
    public double Auc
    {
        get
        {
            long positives = 0;
            foreach ((float _, bool g) in _samples)
            {
                positives += g ? 1 : 0;
            }

            if (positives == 0)
            {
                return double.NaN;
            }

            var sorted = _samples.ToArray();
            Array.Sort(sorted, static (a, b) => b.P.CompareTo(a.P));
            double ap = 0, recall = 0;
            long tp = 0, n = 0;
            for (int i = 0; i < sorted.Length && sorted[i].P > 0;)
            {
                float p = sorted[i].P;
                for (; i < sorted.Length && sorted[i].P == p; i++)
                {
                    tp += sorted[i].G ? 1 : 0;
                    n++;
                }

                double r = (double)tp / positives;
                ap += (r - recall) * ((double)tp / n);
                recall = r;
            }

            return ap;
        }
    }

    /// <summary>Scores one forecast.</summary>
    /// <param name="forecast">Forecast probabilities of occupancy per voxel (as <see cref="FlowEstimator.Forecast"/> fills them).</param>
    /// <param name="future">Truth at the forecast's time: every voxel a mover meets.</param>
    /// <exception cref="ArgumentException">The truth's resolution differs from the static truth's.</exception>
    public void Add(IReadOnlyDictionary<VoxelKey, float> forecast, FlowTruth future)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(future);
        if (Math.Abs(future.Resolution - _static.Resolution) > 1e-12)
        {
            throw new ArgumentException($"the truth's resolution {future.Resolution} differs from the static truth's {_static.Resolution}.", nameof(future));
        }

        Array.Clear(_predicted);
        Array.Clear(_true);
        foreach (KeyValuePair<VoxelKey, float> entry in forecast)
        {
            if (TryColumn(entry.Key, out int c))
            {
                _predicted[c] = Math.Max(_predicted[c], entry.Value);
            }
        }

        foreach (VoxelKey key in future.Velocities.Keys)
        {
            if (TryColumn(key, out int c))
            {
                _true[c] = true;
            }
        }

        for (int c = 0; c < _predicted.Length; c++)
        {
            if (_excluded[c])
            {
                continue;
            }

            float p = _predicted[c];
            bool g = _true[c];
            if (p > 0 || g)
            {
                double gv = g ? 1 : 0;
                _intersection += p * gv;
                _union += p + gv - (p * gv);
                _samples.Add((p, g));
                TrueColumns += g ? 1 : 0;
            }
        }

        Frames++;
    }

    private bool TryColumn(VoxelKey key, out int column)
    {
        int x = key.X - _static.Origin.X, y = key.Y - _static.Origin.Y;
        if (key.Z < _zLow || key.Z > _zHigh || (uint)x >= (uint)_static.SizeX || (uint)y >= (uint)_static.SizeY)
        {
            column = -1;
            return false;
        }

        column = (y * _static.SizeX) + x;
        return true;
    }
}
