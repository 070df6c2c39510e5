using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>A connected group of frontier voxels: free voxels next to unknown space, where exploration should go.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class FrontierCluster
{
    internal FrontierCluster(List<VoxelKey> voxels, Vector3 centroid)
    {
        Voxels = voxels;
        Centroid = centroid;
    }

    /// <summary>The cluster's voxels.</summary>
    public IReadOnlyList<VoxelKey> Voxels { get; }

    /// <summary>Mean of the voxel centres, world frame, metres.</summary>
    public Vector3 Centroid { get; }
}

/// <summary>Frontier detection for exploration.</summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class Frontiers
{
    /// <summary>
    /// The frontier voxels whose centres lie in a region (free, with at least one of their six face neighbours never
    /// observed), grouped into clusters of face-, edge- or corner-touching voxels, largest first.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box, metres.</param>
    /// <param name="minClusterSize">Smaller clusters are dropped (noise).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minClusterSize"/> is less than 1.</exception>
    public static IReadOnlyList<FrontierCluster> Find(OccupancyMap map, Aabb region, int minClusterSize = 1)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(minClusterSize, 1);
        var frontier = new HashSet<VoxelKey>();
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(region, VoxelState.Free))
        {
            VoxelKey k = v.Key;
            if (map.GetState(k.Offset(1, 0, 0)) == VoxelState.Unknown || map.GetState(k.Offset(-1, 0, 0)) == VoxelState.Unknown ||
                map.GetState(k.Offset(0, 1, 0)) == VoxelState.Unknown || map.GetState(k.Offset(0, -1, 0)) == VoxelState.Unknown ||
                map.GetState(k.Offset(0, 0, 1)) == VoxelState.Unknown || map.GetState(k.Offset(0, 0, -1)) == VoxelState.Unknown)
            {
                frontier.Add(k);
            }
        }

        var clusters = new List<FrontierCluster>();
        var seen = new HashSet<VoxelKey>();
        var queue = new Queue<VoxelKey>();
        foreach (VoxelKey start in frontier)
        {
            if (!seen.Add(start))
            {
                continue;
            }

            var members = new List<VoxelKey>();
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                VoxelKey k = queue.Dequeue();
                members.Add(k);
                for (int dz = -1; dz <= 1; dz++)
                {
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            VoxelKey n = k.Offset(dx, dy, dz);
                            if (frontier.Contains(n) && seen.Add(n))
                            {
                                queue.Enqueue(n);
                            }
                        }
                    }
                }
            }

            if (members.Count >= minClusterSize)
            {
                Vector3 sum = Vector3.Zero;
                foreach (VoxelKey k in members)
                {
                    sum += map.CenterOf(k);
                }

                members.Sort((a, b) => a.X != b.X ? a.X.CompareTo(b.X) : a.Y != b.Y ? a.Y.CompareTo(b.Y) : a.Z.CompareTo(b.Z));
                clusters.Add(new FrontierCluster(members, sum / members.Count));
            }
        }

        clusters.Sort((a, b) => b.Voxels.Count.CompareTo(a.Voxels.Count));
        return clusters;
    }
}
