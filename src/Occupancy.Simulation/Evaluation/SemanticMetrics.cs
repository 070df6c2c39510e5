using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// Semantic occupancy accuracy in the Occ3D sense: a confusion matrix over the voxels the map observed (its known voxels
/// inside the truth's grid, the visibility mask) between the predicted label (free where the map says free, else the
/// voxel's class in the <see cref="SemanticLayer"/>, or <see cref="SemanticClass.Unlabelled"/> when neither it nor a neighbour has one) and the
/// true label (free, or the class of the solid the voxel meets). An occupied voxel takes its class from
/// <see cref="SemanticLayer.ClassNear"/>: its own, or a labelled neighbour's. IoU of a class = TP / (TP + FP + FN); the mIoU is their
/// mean over the non-free classes that occur in the truth or the prediction.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class SemanticMetrics
{
    /// <summary>Rows and columns of the confusion matrix: 0 is free, c + 1 is class c.</summary>
    public const int Labels = 257;

    private readonly long[] _confusion; // [truth * Labels + predicted]

    private SemanticMetrics(long[] confusion) => _confusion = confusion;

    /// <summary>Voxels counted: observed by the map and inside the truth's grid.</summary>
    public long Evaluated { get; private set; }

    /// <summary>Voxels of true label <paramref name="truth"/> predicted as <paramref name="predicted"/> (0 free, c + 1 class c).</summary>
    /// <param name="truth">True label index.</param>
    /// <param name="predicted">Predicted label index.</param>
    public long Count(int truth, int predicted) => _confusion[(truth * Labels) + predicted];

    /// <summary>IoU of one class; NaN when it occurs in neither the truth nor the prediction.</summary>
    /// <param name="semanticClass">The class.</param>
    public double IoU(SemanticClass semanticClass)
    {
        int c = (int)semanticClass + 1;
        long tp = Count(c, c), fp = 0, fn = 0;
        for (int k = 0; k < Labels; k++)
        {
            if (k != c)
            {
                fp += Count(k, c);
                fn += Count(c, k);
            }
        }

        return tp + fp + fn == 0 ? double.NaN : (double)tp / (tp + fp + fn);
    }

    /// <summary>Mean IoU over the non-free classes present in the truth or the prediction.</summary>
    public double MeanIoU
    {
        get
        {
            double sum = 0;
            int n = 0;
            for (int c = 0; c < 256; c++)
            {
                if (c == (int)SemanticClass.Unlabelled && !TruthHas(c))
                {
                    continue;
                }

                double iou = IoU((SemanticClass)c);
                if (!double.IsNaN(iou))
                {
                    sum += iou;
                    n++;
                }
            }

            return n == 0 ? double.NaN : sum / n;
        }
    }

    /// <summary>Observed occupied voxels that neither carry a label nor have a labelled neighbour.</summary>
    public long UnlabelledOccupied
    {
        get
        {
            long n = 0;
            for (int t = 0; t < Labels; t++)
            {
                n += Count(t, (int)SemanticClass.Unlabelled + 1);
            }

            return n;
        }
    }

    private bool TruthHas(int semanticClass)
    {
        for (int p = 0; p < Labels; p++)
        {
            if (Count(semanticClass + 1, p) > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Compares a map and its labels with the truth over the map's observed voxels.</summary>
    /// <param name="map">The map; its resolution must equal the truth's.</param>
    /// <param name="labels">The map's semantic layer (may be empty: every occupied voxel is then unlabelled).</param>
    /// <param name="truth">Ground truth with classes, from <see cref="GroundTruth.Voxelize"/>.</param>
    /// <exception cref="ArgumentException">The resolutions differ, or the labels belong to another map.</exception>
    public static SemanticMetrics Compare(OccupancyMap map, SemanticLayer labels, GroundTruth truth)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(truth);
        if (!ReferenceEquals(labels.Map, map))
        {
            throw new ArgumentException("the semantic layer belongs to another map.", nameof(labels));
        }

        if (Math.Abs(map.Resolution - truth.Resolution) > 1e-12)
        {
            throw new ArgumentException($"the map's resolution {map.Resolution} differs from the truth's {truth.Resolution}.", nameof(truth));
        }

        var confusion = new long[Labels * Labels];
        long evaluated = 0;
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            if (!truth.Contains(v.Key))
            {
                continue;
            }

            evaluated++;
            int real = truth.ClassOf(v.Key) is SemanticClass c ? (int)c + 1 : 0;
            int predicted = v.State == VoxelState.Occupied ? (int)(labels.ClassNear(v.Key) ?? SemanticClass.Unlabelled) + 1 : 0;
            confusion[(real * Labels) + predicted]++;
        }

        return new SemanticMetrics(confusion) { Evaluated = evaluated };
    }
}
