using System;
using System.Numerics;

namespace Occupancy.Cli;

/// <summary>The box of a map's known voxels, world frame, metres.</summary>
internal static class Bounds
{
    public static Aabb? Of(OccupancyMap map)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue, z1 = int.MinValue;
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            x0 = Math.Min(x0, v.Key.X);
            y0 = Math.Min(y0, v.Key.Y);
            z0 = Math.Min(z0, v.Key.Z);
            x1 = Math.Max(x1, v.Key.X);
            y1 = Math.Max(y1, v.Key.Y);
            z1 = Math.Max(z1, v.Key.Z);
        }

        if (x0 > x1)
        {
            return null;
        }

        double r = map.Resolution;
        return new Aabb(new Vector3((float)(x0 * r), (float)(y0 * r), (float)(z0 * r)), new Vector3((float)((x1 + 1) * r), (float)((y1 + 1) * r), (float)((z1 + 1) * r)));
    }
}
