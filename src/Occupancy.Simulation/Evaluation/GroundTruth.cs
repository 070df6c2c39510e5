using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A scene voxelised into a dense reference grid: a voxel is occupied where it meets a solid (shares a point with it),
/// with the semantic class of the first primitive that does. Voxel (i, j, k) of the grid is map voxel
/// <see cref="VoxelGrid.Origin"/> + (i, j, k) at <see cref="VoxelGrid.Resolution"/>, so it lines up with an <see cref="OccupancyMap"/> of the
/// same resolution. World frame, metres, z up.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
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
        // Primitive by primitive over the voxels its bounds cover, last to first so that the first one that meets a
        // voxel gives its class: the cost is the primitives' volume, not the grid's volume times their number.
        for (int pi = scene.Primitives.Count - 1; pi >= 0; pi--)
        {
            Primitive p = scene.Primitives[pi];
            byte label = (byte)((byte)p.SemanticClass + 1);
            int x0 = 0, y0 = 0, z0 = 0, x1 = sx - 1, y1 = sy - 1, z1 = sz - 1;
            if (p.Bounds is Aabb b)
            {
                VoxelKey kmin = map.KeyOf(b.Min), kmax = map.KeyOf(b.Max);
                x0 = Math.Max(x0, kmin.X - lo.X - 1);
                y0 = Math.Max(y0, kmin.Y - lo.Y - 1);
                z0 = Math.Max(z0, kmin.Z - lo.Z - 1);
                x1 = Math.Min(x1, kmax.X - lo.X + 1);
                y1 = Math.Min(y1, kmax.Y - lo.Y + 1);
                z1 = Math.Min(z1, kmax.Z - lo.Z + 1);
            }

            if (x0 > x1 || y0 > y1 || z0 > z1)
            {
                continue;
            }

            System.Threading.Tasks.Parallel.For(z0, z1 + 1, z =>
            {
                for (int y = y0; y <= y1; y++)
                {
                    for (int x = x0; x <= x1; x++)
                    {
                        var min = new Vector3((float)((lo.X + x) * resolution), (float)((lo.Y + y) * resolution), (float)((lo.Z + z) * resolution));
                        if (p.Meets(new Aabb(min, min + new Vector3((float)resolution))))
                        {
                            classes[(((z * sy) + y) * sx) + x] = label;
                        }
                    }
                }
            });
        }

        return new GroundTruth(lo, sx, sy, sz, resolution, classes);
    }

    /// <summary>True when the voxel meets a solid; false outside the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public bool IsOccupied(VoxelKey key) => TryIndex(key, out int i) && _classes[i] != 0;

    /// <summary>Every occupied voxel of the grid.</summary>
    public IEnumerable<VoxelKey> OccupiedKeys()
    {
        for (int i = 0; i < _classes.Length; i++)
        {
            if (_classes[i] != 0)
            {
                yield return new VoxelKey(Origin.X + (i % SizeX), Origin.Y + ((i / SizeX) % SizeY), Origin.Z + (i / (SizeX * SizeY)));
            }
        }
    }

    /// <summary>Semantic class of an occupied voxel; null when it is free or outside the grid.</summary>
    /// <param name="key">A map voxel.</param>
    public SemanticClass? ClassOf(VoxelKey key) => TryIndex(key, out int i) && _classes[i] != 0 ? (SemanticClass)(_classes[i] - 1) : null;

}
