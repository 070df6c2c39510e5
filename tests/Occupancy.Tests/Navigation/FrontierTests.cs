using System;
using System.Collections.Generic;
using System.Numerics;
using Occupancy.Navigation;
using Xunit;

namespace Occupancy.Tests.Navigation;

public class FrontierTests
{
    [Fact]
    public void Frontiers_and_clusters_equal_brute_force()
    {
        var random = new Random(77);
        var map = new OccupancyMap(0.1);
        for (int i = 0; i < 150; i++)
        {
            map.UpdateVoxel(new VoxelKey(random.Next(0, 14), random.Next(0, 14), random.Next(0, 4)), occupied: random.Next(5) == 0);
        }

        var region = new Aabb(Vector3.Zero, new Vector3(1.4f, 1.4f, 0.4f));
        IReadOnlyList<FrontierCluster> clusters = Frontiers.Find(map, region);

        // Oracle: every free voxel of the region with an unknown face neighbour, then union-find over the 26-neighbourhood.
        var expected = new List<VoxelKey>();
        for (int x = 0; x < 14; x++)
        {
            for (int y = 0; y < 14; y++)
            {
                for (int z = 0; z < 4; z++)
                {
                    var k = new VoxelKey(x, y, z);
                    if (map.GetState(k) != VoxelState.Free)
                    {
                        continue;
                    }

                    bool next = false;
                    foreach ((int dx, int dy, int dz) in new[] { (1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1) })
                    {
                        next |= map.GetState(k.Offset(dx, dy, dz)) == VoxelState.Unknown;
                    }

                    if (next)
                    {
                        expected.Add(k);
                    }
                }
            }
        }

        var parent = new int[expected.Count];
        for (int i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
        }

        int Root(int i) => parent[i] == i ? i : parent[i] = Root(parent[i]);
        for (int i = 0; i < expected.Count; i++)
        {
            for (int j = i + 1; j < expected.Count; j++)
            {
                VoxelKey a = expected[i], b = expected[j];
                if (Math.Abs(a.X - b.X) <= 1 && Math.Abs(a.Y - b.Y) <= 1 && Math.Abs(a.Z - b.Z) <= 1)
                {
                    parent[Root(i)] = Root(j);
                }
            }
        }

        var groups = new Dictionary<int, HashSet<VoxelKey>>();
        for (int i = 0; i < expected.Count; i++)
        {
            int r = Root(i);
            if (!groups.TryGetValue(r, out HashSet<VoxelKey>? g))
            {
                groups[r] = g = [];
            }

            g.Add(expected[i]);
        }

        Assert.Equal(groups.Count, clusters.Count);
        int total = 0;
        foreach (FrontierCluster c in clusters)
        {
            total += c.Voxels.Count;
            var set = new HashSet<VoxelKey>(c.Voxels);
            Assert.Contains(groups.Values, g => g.SetEquals(set));
        }

        Assert.Equal(expected.Count, total);
        Assert.True(clusters.Count > 1);
        for (int i = 1; i < clusters.Count; i++)
        {
            Assert.True(clusters[i - 1].Voxels.Count >= clusters[i].Voxels.Count);
        }

        Assert.All(Frontiers.Find(map, region, minClusterSize: 5), c => Assert.True(c.Voxels.Count >= 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Frontiers.Find(map, region, 0));
    }
}
