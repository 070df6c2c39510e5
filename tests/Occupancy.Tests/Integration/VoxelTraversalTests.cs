using System;
using System.Collections.Generic;
using System.Linq;
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

        // Connected, without repeats, from the start voxel to the end voxel. Where the end lies on (within float
        // rounding of) a border of its voxel, OctoMap's termination ends the walk in the voxel before it: its exit
        // time, from the border OctoMap rounds half a voxel to float for, lies a hair past the segment's end.
        VoxelKey endKey = map.KeyOf(end);
        Assert.Equal(map.KeyOf(start), visited[0]);
        bool endsShort = !visited[^1].Equals(endKey);
        if (endsShort)
        {
            Assert.True(OnBorder(end, resolution), $"{name}: the walk ended in {visited[^1]}, not in the end voxel {endKey}, and the end is not on a border");
            VoxelKey l = visited[^1];
            Assert.True(Math.Abs(l.X - endKey.X) + Math.Abs(l.Y - endKey.Y) + Math.Abs(l.Z - endKey.Z) <= 3, $"{name}: the walk ended in {l}, far from {endKey}");
        }

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
            // A walk that ends short misses only voxels the segment touches at its very end.
            Assert.True(visitedSet.Contains(k) || (endsShort && ClippedLength(sx, sy, sz, ex, ey, ez, k) < 1e-5), $"{name}: the dense walk found {k} but the traversal missed it");
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
        var walk = new VoxelTraversal(start, end, map.Resolution, map.KeyOf(start), map.KeyOf(end));
        Assert.Equal(0.0, walk.EntryT);
        Assert.True(walk.Advance());
        Assert.Equal(0.05, walk.EntryT, 6);
        Assert.True(walk.Advance());
        Assert.Equal(0.15, walk.EntryT, 6);
    }

    /// <summary>
    /// Against OctoMap's own algorithm: <see cref="OctoMapRayKeys"/> is a line-by-line port of OctoMap 1.9.7's
    /// <c>computeRayKeys</c> (float direction, double crossing times added step by step). Rays at exactly 45 degrees,
    /// rays to voxel centres (OctoMap's discretize) and from voxel corners cross edges and corners where rounding
    /// decides the order; every one must visit OctoMap's voxels in OctoMap's order. (The race compares whole scans of
    /// the street's LiDAR with OctoMap's own builds, voxel for voxel.)
    /// </summary>
    [Fact]
    public void Visits_the_voxels_of_octomaps_computeRayKeys_in_its_order()
    {
        var random = new Random(2024);
        int rays = 0, differing = 0;
        foreach (double resolution in new[] { 0.05, 0.1, 0.08 })
        {
            var map = new OccupancyMap(resolution);
            Vector3[] origins = [new(40f, -1.3f, 2f), new(0f, 0f, 0f), new(0.025f, 0.075f, 1.9f), map.CenterOf(new VoxelKey(7, -3, 20)), new(-3.3f, 12.7f, 0.45f)];
            foreach (Vector3 origin in origins)
            {
                for (int i = 0; i < 400; i++)
                {
                    float range = 1f + (random.NextSingle() * 40f);
                    // From a voxel corner only random directions: to a diagonal, a centre or a corner the exact
                    // crossing times of two axes can tie at every step, and OctoMap's order is then decided by the
                    // last bit of its double sums, the walk's by its fixed point.
                    Vector3 end = (origin == Vector3.Zero ? 3 : i % 4) switch
                    {
                        // Exactly diagonal in x and y (equal float components), with and without z.
                        0 => origin + new Vector3(range * (i % 8 == 0 ? 1 : -1), range, i % 3 == 0 ? 0 : range * 0.25f),
                        // The centre of the end point's voxel, as OctoMap's discretize casts.
                        1 => map.CenterOf(map.KeyOf(origin + (range * Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f))))),
                        // On a voxel corner.
                        2 => map.CenterOf(map.KeyOf(origin + new Vector3(range, range * 0.5f, -range * 0.25f))) - new Vector3((float)(resolution / 2)),
                        _ => origin + (range * Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f))),
                    };
                    List<VoxelKey> ours = Walk(map, origin, end);
                    ours.RemoveAt(ours.Count - 1); // computeRayKeys leaves out the end voxel
                    List<VoxelKey> octomap = OctoMapRayKeys(resolution, origin, end);
                    rays++;
                    differing += ours.SequenceEqual(octomap) ? 0 : 1;
                    Assert.True(ours.SequenceEqual(octomap), $"{resolution} m, {origin} -> {end}: {ours.Count} voxels against OctoMap's {octomap.Count}, first difference at {FirstDifference(ours, octomap)}: ours {string.Join(" ", ours.Skip(FirstDifference(ours, octomap)).Take(3))}, OctoMap's {string.Join(" ", octomap.Skip(FirstDifference(ours, octomap)).Take(3))}");
                }
            }
        }

        Assert.Equal(6000, rays);
        Assert.Equal(0, differing);
    }

    private static int FirstDifference(List<VoxelKey> a, List<VoxelKey> b)
    {
        int i = 0;
        while (i < a.Count && i < b.Count && a[i].Equals(b[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>OctoMap 1.9.7's <c>OcTreeBaseImpl::computeRayKeys</c>, ported line by line (keys without the 2^15 offset).</summary>
    internal static List<VoxelKey> OctoMapRayKeys(double resolution, Vector3 origin, Vector3 end)
    {
        double factor = 1.0 / resolution;
        int[] keyOrigin = [(int)Math.Floor(factor * origin.X), (int)Math.Floor(factor * origin.Y), (int)Math.Floor(factor * origin.Z)];
        int[] keyEnd = [(int)Math.Floor(factor * end.X), (int)Math.Floor(factor * end.Y), (int)Math.Floor(factor * end.Z)];
        var ray = new List<VoxelKey>();
        if (keyOrigin.SequenceEqual(keyEnd))
        {
            return ray;
        }

        ray.Add(new VoxelKey(keyOrigin[0], keyOrigin[1], keyOrigin[2]));
        float[] direction = [end.X - origin.X, end.Y - origin.Y, end.Z - origin.Z];
        float length = (float)Math.Sqrt((double)((direction[0] * direction[0]) + (direction[1] * direction[1]) + (direction[2] * direction[2])));
        for (int i = 0; i < 3; i++)
        {
            direction[i] /= length;
        }

        float[] o = [origin.X, origin.Y, origin.Z];
        int[] step = new int[3];
        double[] tMax = new double[3], tDelta = new double[3];
        int[] current = (int[])keyOrigin.Clone();
        for (int i = 0; i < 3; i++)
        {
            step[i] = direction[i] > 0.0 ? 1 : direction[i] < 0.0 ? -1 : 0;
            if (step[i] != 0)
            {
                double voxelBorder = (current[i] + 0.5) * resolution;
                voxelBorder += (float)(step[i] * resolution * 0.5);
                tMax[i] = (voxelBorder - o[i]) / direction[i];
                tDelta[i] = resolution / Math.Abs(direction[i]);
            }
            else
            {
                tMax[i] = double.MaxValue;
                tDelta[i] = double.MaxValue;
            }
        }

        while (true)
        {
            int dim = tMax[0] < tMax[1] ? (tMax[0] < tMax[2] ? 0 : 2) : (tMax[1] < tMax[2] ? 1 : 2);
            current[dim] += step[dim];
            tMax[dim] += tDelta[dim];
            if (current.SequenceEqual(keyEnd))
            {
                return ray;
            }

            double distanceFromOrigin = Math.Min(Math.Min(tMax[0], tMax[1]), tMax[2]);
            if (distanceFromOrigin > length)
            {
                return ray;
            }

            ray.Add(new VoxelKey(current[0], current[1], current[2]));
            Assert.True(ray.Count < 1_000_000);
        }
    }

    internal static List<VoxelKey> Walk(OccupancyMap map, Vector3 start, Vector3 end)
    {
        var walk = new VoxelTraversal(start, end, map.Resolution, map.KeyOf(start), map.KeyOf(end));
        var visited = new List<VoxelKey> { walk.Current };
        while (walk.Advance())
        {
            visited.Add(walk.Current);
            Assert.True(visited.Count < 1_000_000);
        }

        return visited;
    }

    /// <summary>Whether a point lies within a millionth of a voxel of a voxel border along some axis.</summary>
    private static bool OnBorder(Vector3 p, double resolution)
    {
        static bool Near(double v) => Math.Abs(v - Math.Round(v)) < 1e-6;
        return Near(p.X / resolution) || Near(p.Y / resolution) || Near(p.Z / resolution);
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
