using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Integration;

/// <summary>
/// The traversal against an independent oracle: a dense walk that samples the segment every 1/4000 of a voxel and
/// takes the floor of each sample. The oracle can miss a voxel the segment only clips for less than one sample
/// spacing; such voxels are allowed in the traversal only when the analytic clipped length confirms the clip is that short.
/// </summary>
public class VoxelTraversalTests
{
    private const int SamplesPerVoxel = 4000;

    public static TheoryData<string, double, float[]> Cases()
    {
        var data = new TheoryData<string, double, float[]>
        {
            { "axis +x", 0.1, [0.05f, 0.05f, 0.05f, 2.05f, 0.05f, 0.05f] },
            { "axis -y", 0.1, [0.33f, 0.07f, -0.2f, 0.33f, -1.93f, -0.2f] },
            { "axis +z from boundary", 0.1, [0.25f, 0.25f, 0f, 0.25f, 0.25f, 1f] },
            { "diagonal through corners", 0.1, [0.05f, 0.05f, 0.05f, 1.05f, 1.05f, 1.05f] },
            { "diagonal from corner, negative", 0.25, [0f, 0f, 0f, -2f, -2f, -2f] },
            { "planar diagonal through edges", 0.5, [0.25f, 0.25f, 0.1f, 3.25f, -2.75f, 0.1f] },
            { "same voxel", 0.1, [0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f] },
            { "negative coordinates", 0.05, [-1.23f, -0.51f, -2.07f, -0.02f, -3.3f, -0.001f] },
            { "ends on a boundary", 0.1, [-0.3f, 0.4f, 0.2f, 0.5f, 0.1f, -0.4f] },
            { "long shallow", 0.05, [-4f, -0.0123f, 1.1f, 4.7f, 0.0311f, 1.13f] },
        };
        var random = new Random(12345);
        double[] resolutions = [0.05, 0.1, 0.37];
        for (int i = 0; i < 120; i++)
        {
            float[] c = new float[6];
            for (int j = 0; j < 6; j++)
            {
                c[j] = (float)((random.NextDouble() - 0.5) * (i < 60 ? 2 : 8));
            }

            data.Add($"random {i}", resolutions[i % 3], c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Visits_exactly_the_voxels_a_dense_walk_finds(string name, double resolution, float[] c)
    {
        var start = new Vector3(c[0], c[1], c[2]);
        var end = new Vector3(c[3], c[4], c[5]);
        var map = new OccupancyMap(resolution);
        List<VoxelKey> visited = Walk(map, start, end);

        // Connected, without repeats, from the start voxel to the end voxel.
        Assert.Equal(map.KeyOf(start), visited[0]);
        Assert.Equal(map.KeyOf(end), visited[^1]);
        Assert.Equal(visited.Count, new HashSet<VoxelKey>(visited).Count);
        for (int i = 1; i < visited.Count; i++)
        {
            VoxelKey a = visited[i - 1], b = visited[i];
            Assert.True(Math.Abs(a.X - b.X) <= 1 && Math.Abs(a.Y - b.Y) <= 1 && Math.Abs(a.Z - b.Z) <= 1, $"{name}: jump {a} -> {b}");
        }

        double inv = 1.0 / resolution;
        double sx = start.X * inv, sy = start.Y * inv, sz = start.Z * inv;
        double ex = end.X * inv, ey = end.Y * inv, ez = end.Z * inv;
        double lengthVoxels = Math.Sqrt(((ex - sx) * (ex - sx)) + ((ey - sy) * (ey - sy)) + ((ez - sz) * (ez - sz)));
        int samples = Math.Max(2, (int)Math.Ceiling(lengthVoxels * SamplesPerVoxel));
        var oracle = new HashSet<VoxelKey>();
        for (int i = 0; i <= samples; i++)
        {
            double t = (double)i / samples;
            oracle.Add(new VoxelKey((int)Math.Floor(sx + (t * (ex - sx))), (int)Math.Floor(sy + (t * (ey - sy))), (int)Math.Floor(sz + (t * (ez - sz)))));
        }

        var visitedSet = new HashSet<VoxelKey>(visited);
        foreach (VoxelKey k in oracle)
        {
            Assert.True(visitedSet.Contains(k), $"{name}: the dense walk found {k} but the traversal missed it");
        }

        double spacing = lengthVoxels / samples;
        foreach (VoxelKey k in visited)
        {
            if (!oracle.Contains(k))
            {
                double clipped = ClippedLength(sx, sy, sz, ex, ey, ez, k);
                Assert.True(clipped < 2 * spacing, $"{name}: traversal visited {k}, which the segment crosses for {clipped} voxels, but the dense walk never sampled it");
            }
        }
    }

    [Fact]
    public void Entry_parameter_is_where_the_segment_crosses_into_each_voxel()
    {
        var map = new OccupancyMap(0.1);
        var start = new Vector3(0.05f, 0.05f, 0.05f);
        var end = new Vector3(1.05f, 0.05f, 0.05f);
        var walk = new VoxelTraversal(start, end, map.InverseResolution, map.KeyOf(start), map.KeyOf(end));
        Assert.Equal(0.0, walk.EntryT);
        Assert.True(walk.Advance());
        Assert.Equal(0.05, walk.EntryT, 6);
        Assert.True(walk.Advance());
        Assert.Equal(0.15, walk.EntryT, 6);
    }

    internal static List<VoxelKey> Walk(OccupancyMap map, Vector3 start, Vector3 end)
    {
        var walk = new VoxelTraversal(start, end, map.InverseResolution, map.KeyOf(start), map.KeyOf(end));
        var visited = new List<VoxelKey> { walk.Current };
        while (walk.Advance())
        {
            visited.Add(walk.Current);
            Assert.True(visited.Count < 1_000_000);
        }

        return visited;
    }

    /// <summary>Length (in voxels) of the part of the segment inside voxel k, by slab clipping in double.</summary>
    private static double ClippedLength(double sx, double sy, double sz, double ex, double ey, double ez, VoxelKey k)
    {
        double t0 = 0, t1 = 1;
        Clip(sx, ex, k.X, ref t0, ref t1);
        Clip(sy, ey, k.Y, ref t0, ref t1);
        Clip(sz, ez, k.Z, ref t0, ref t1);
        double length = Math.Sqrt(((ex - sx) * (ex - sx)) + ((ey - sy) * (ey - sy)) + ((ez - sz) * (ez - sz)));
        return Math.Max(0, t1 - t0) * length;
    }

    private static void Clip(double s, double e, int k, ref double t0, ref double t1)
    {
        double d = e - s;
        if (d == 0)
        {
            if (s < k || s >= k + 1)
            {
                t1 = -1;
            }

            return;
        }

        double a = (k - s) / d, b = (k + 1 - s) / d;
        t0 = Math.Max(t0, Math.Min(a, b));
        t1 = Math.Min(t1, Math.Max(a, b));
    }
}
