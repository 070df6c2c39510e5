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
/// <see cref="VoxelGrid.Origin"/> + (i, j, k) at <see cref="VoxelGrid.Resolution"/>, so it lines up with an <see cref="OccupancyMap"/> of the
/// same resolution. World frame, metres, z up.
/// </summary>
public sealed class GroundTruth : VoxelGrid
{
    /// <summary>The largest grid, in voxels (64 Mi).</summary>
    public const long MaxVoxels = 64L << 20;

    private readonly byte[] _classes; // 0 free, else SemanticClass + 1

    private GroundTruth(VoxelKey origin, int sx, int sy, int sz, double resolution, byte[] classes)
        : base(origin, sx, sy, sz, resolution) => _classes = classes;

    /// <summary>Voxelises the part of a scene whose voxel centres lie in a region.</summary>
    /// <param name="scene">The scene.</param>
    /// <param name="region">World box, metres.</param>
    /// <param name="resolution">Voxel edge, metres (0.01 to 1).</param>
    /// <exception cref="ArgumentException">The region holds no voxel or more than <see cref="MaxVoxels"/>, or the resolution is out of range.</exception>
    public static GroundTruth Voxelize(Scene scene, Aabb region, double resolution)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var map = new OccupancyMap(resolution); // validates the resolution and gives the same key convention
        (VoxelKey lo, int sx, int sy, int sz) = Extent(map, region, MaxVoxels);
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

        return new GroundTruth(lo, sx, sy, sz, resolution, classes);
    }

    /// <summary>True when the voxel meets a solid; false outside the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public bool IsOccupied(VoxelKey key) => TryIndex(key, out int i) && _classes[i] != 0;

    /// <summary>Semantic class of an occupied voxel; null when it is free or outside the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public SemanticClass? ClassOf(VoxelKey key) => TryIndex(key, out int i) && _classes[i] != 0 ? (SemanticClass)(_classes[i] - 1) : null;

}
