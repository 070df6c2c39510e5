using System;
using System.Globalization;
using System.Numerics;
using Occupancy.Geometry;
using Occupancy.Internal;
using Occupancy.Map;

namespace Occupancy.Synthetic;

/// <summary>
/// A scene voxelised into a dense reference grid: a voxel is occupied where it meets a solid (shares a point with it),
/// with the semantic class of the first primitive that does. Voxel (i, j, k) of the grid is map voxel
/// <see cref="Origin"/> + (i, j, k) at <see cref="Resolution"/>, so it lines up with an <see cref="OccupancyMap"/> of the
/// same resolution. World frame, metres, z up.
/// </summary>
public sealed class GroundTruth
{
    /// <summary>The largest grid, in voxels (64 Mi).</summary>
    public const long MaxVoxels = 64L << 20;

    private readonly byte[] _classes; // 0 free, else SemanticClass + 1

    private GroundTruth(VoxelKey origin, int sx, int sy, int sz, double resolution, byte[] classes)
    {
        Origin = origin;
        SizeX = sx;
        SizeY = sy;
        SizeZ = sz;
        Resolution = resolution;
        _classes = classes;
    }

    /// <summary>Key of grid voxel (0, 0, 0).</summary>
    public VoxelKey Origin { get; }

    /// <summary>Voxels along x.</summary>
    public int SizeX { get; }

    /// <summary>Voxels along y.</summary>
    public int SizeY { get; }

    /// <summary>Voxels along z.</summary>
    public int SizeZ { get; }

    /// <summary>Voxel edge, metres.</summary>
    public double Resolution { get; }

    /// <summary>Voxelises the part of a scene whose voxel centres lie in a region.</summary>
    /// <param name="scene">The scene.</param>
    /// <param name="region">World box, metres.</param>
    /// <param name="resolution">Voxel edge, metres (0.01 to 1).</param>
    /// <exception cref="ArgumentException">The region holds no voxel or more than <see cref="MaxVoxels"/>, or the resolution is out of range.</exception>
    public static GroundTruth Voxelize(Scene scene, Aabb region, double resolution)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var map = new OccupancyMap(resolution); // validates the resolution and gives the same key convention
        (VoxelKey lo, VoxelKey hi) = map.CenterKeyRange(region);
        long sx = (long)hi.X - lo.X + 1, sy = (long)hi.Y - lo.Y + 1, sz = (long)hi.Z - lo.Z + 1;
        if (sx <= 0 || sy <= 0 || sz <= 0 || sx * sy * sz > MaxVoxels)
        {
            ThrowHelper.Argument(nameof(region), string.Create(CultureInfo.InvariantCulture, $"region {region} spans {Math.Max(0, sx)}x{Math.Max(0, sy)}x{Math.Max(0, sz)} voxels; between 1 and {MaxVoxels} are allowed."));
        }

        var classes = new byte[sx * sy * sz];
        System.Threading.Tasks.Parallel.For(0, (int)sz, z =>
        {
            for (int y = 0; y < sy; y++)
            {
                for (int x = 0; x < sx; x++)
                {
                    var min = new Vector3((float)((lo.X + x) * resolution), (float)((lo.Y + y) * resolution), (float)((lo.Z + z) * resolution));
                    var box = new Aabb(min, min + new Vector3((float)resolution));
                    foreach (Primitive p in scene.Primitives)
                    {
                        if (p.Meets(box))
                        {
                            classes[(((z * sy) + y) * sx) + x] = (byte)((byte)p.SemanticClass + 1);
                            break;
                        }
                    }
                }
            }
        });

        return new GroundTruth(lo, (int)sx, (int)sy, (int)sz, resolution, classes);
    }

    /// <summary>True when the voxel meets a solid; false outside the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public bool IsOccupied(VoxelKey key) => TryIndex(key, out int i) && _classes[i] != 0;

    /// <summary>Semantic class of an occupied voxel; null when it is free or outside the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public SemanticClass? ClassOf(VoxelKey key) => TryIndex(key, out int i) && _classes[i] != 0 ? (SemanticClass)(_classes[i] - 1) : null;

    /// <summary>True when the key lies in the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public bool Contains(VoxelKey key) => TryIndex(key, out _);

    private bool TryIndex(VoxelKey k, out int index)
    {
        int x = k.X - Origin.X, y = k.Y - Origin.Y, z = k.Z - Origin.Z;
        if ((uint)x < (uint)SizeX && (uint)y < (uint)SizeY && (uint)z < (uint)SizeZ)
        {
            index = (((z * SizeY) + y) * SizeX) + x;
            return true;
        }

        index = -1;
        return false;
    }
}
