using System;
using System.IO;
using System.Numerics;
using Occupancy.Files;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// OctoMap's scan graphs: a graph liboctomap wrote (rotated poses, points in the sensor frame) integrated here agrees
/// with OctoMap's graph2tree run on the same file, with and without a maximum range.
/// </summary>
public sealed class ScanGraphTests
{
    [Theory]
    [InlineData(-1.0)]
    [InlineData(3.0)]
    public void Integrating_a_graph_agrees_with_graph2tree(double maxRange)
    {
        OctoMapTools.RequireTools();
        string graph = Path.Combine(OctoMapTools.Fixtures, "scans.graph");
        string folder = OctoMapFileTests.TemporaryFolder();
        string tree = Path.Combine(folder, "g.bt");
        string[] args = maxRange > 0 ? ["-i", graph, "-o", tree, "-res", "0.1", "-m", "3"] : ["-i", graph, "-o", tree, "-res", "0.1"];
        (int code, string output) = OctoMapTools.Run("/usr/bin/graph2tree", args);
        Assert.True(code == 0, output);
        OccupancyMap theirs = OctoMapFile.Load(tree + ".ot"); // graph2tree's lossless tree, before maximum likelihood

        var ours = new OccupancyMap(0.1);
        var integrator = new PointCloudIntegrator(ours, maxRange > 0 ? (float)maxRange : float.PositiveInfinity, PointCloudMode.Exact);
        var nodes = ScanGraphFile.Load(graph);
        Assert.Equal(4, nodes.Count);
        foreach (ScanNode node in nodes)
        {
            Assert.Equal(90 * 200, node.Points.Length);
            integrator.IntegrateWorldFrame(node.ToWorld(), node.SensorOrigin);
        }

        (long union, long sameState, long sameBits) = Compare(theirs, ours);
        double agreement = (double)sameState / union;
        Assert.True(sameState == union && sameBits == union, $"state agreement {agreement:P4} of {union} voxels ({sameBits} bit-identical)");
        Assert.True(union > 10000, $"{union} voxels");
        Directory.Delete(folder, true);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(3.0)]
    public void Discretized_mode_agrees_with_octomaps_discretize(double maxRange)
    {
        // The oracle is liboctomap itself: insertPointCloud(node, maxrange, lazy_eval false, discretize true).
        string graph = Path.Combine(OctoMapTools.Fixtures, "scans.graph");
        string folder = OctoMapFileTests.TemporaryFolder();
        string tree = Path.Combine(folder, "d.ot");
        OctoMapTools.InsertGraph(graph, tree, 0.1, maxRange, discretize: true);
        OccupancyMap theirs = OctoMapFile.Load(tree);

        var nodes = ScanGraphFile.Load(graph);
        OccupancyMap Build(PointCloudMode mode)
        {
            var map = new OccupancyMap(0.1);
            var integrator = new PointCloudIntegrator(map, maxRange > 0 ? (float)maxRange : float.PositiveInfinity, mode);
            foreach (ScanNode node in nodes)
            {
                integrator.IntegrateWorldFrame(node.ToWorld(), node.SensorOrigin);
            }

            return map;
        }

        (long union, long sameState, long sameBits) = Compare(theirs, Build(PointCloudMode.Discretized));
        double agreement = (double)sameState / union;
        Assert.True(sameState == union && sameBits == union, $"state agreement {agreement:P4} of {union} voxels ({sameBits} bit-identical)");
        Assert.True(union > 10000, $"{union} voxels");

        // Casting to each voxel's first point instead is a different method, and OctoMap's discretize tells them apart.
        (long unionFirst, long sameFirst, _) = Compare(theirs, Build(PointCloudMode.FirstPointPerVoxel));
        Assert.True(sameFirst < unionFirst, "the first-point mode matched OctoMap's discretize exactly: the test cannot tell the modes apart");
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Poses_transform_points_as_octomap_does()
    {
        // The graph's points were made in the world, moved into each sensor frame with liboctomap's inverse pose and
        // written as doubles; back in the world they must land within float rounding of the room's walls and block.
        var nodes = ScanGraphFile.Load(Path.Combine(OctoMapTools.Fixtures, "scans.graph"));
        foreach (ScanNode node in nodes)
        {
            Assert.Equal(node.Pose.Position, node.SensorOrigin, new ToleranceComparer(1e-5f));
            foreach (Vector3 p in node.ToWorld())
            {
                float wall = MathF.Min(MathF.Min(MathF.Min(MathF.Abs(p.X + 2.537f), MathF.Abs(p.X - 2.468f)), MathF.Min(MathF.Abs(p.Y + 2.013f), MathF.Abs(p.Y - 1.982f))), MathF.Min(MathF.Abs(p.Z + 0.021f), MathF.Abs(p.Z - 2.571f)));
                bool onBlock = p.X >= 0.613f - 1e-4f && p.X <= 1.618f + 1e-4f && p.Y >= -0.887f - 1e-4f && p.Y <= 0.113f + 1e-4f && p.Z <= 0.809f + 1e-4f;
                Assert.True(wall < 1e-4f || onBlock, $"{p} is on neither the room's walls nor the block");
            }
        }
    }

    internal static (long Union, long SameState, long SameBits) Compare(OccupancyMap theirs, OccupancyMap ours)
    {
        long union = 0, same = 0, bits = 0;
        foreach (VoxelInfo v in theirs.EnumerateVoxels())
        {
            union++;
            float o = ours.GetLogOdds(v.Key);
            same += ours.GetState(v.Key) == v.State ? 1 : 0;
            bits += BitConverter.SingleToInt32Bits(o) == BitConverter.SingleToInt32Bits(v.LogOdds) ? 1 : 0;
        }

        foreach (VoxelInfo v in ours.EnumerateVoxels())
        {
            union += theirs.GetState(v.Key) == VoxelState.Unknown ? 1 : 0;
        }

        return (union, same, bits);
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.Generic.IEqualityComparer<Vector3>
    {
        public bool Equals(Vector3 a, Vector3 b) => Vector3.Distance(a, b) <= tolerance;

        public int GetHashCode(Vector3 v) => 0;
    }
}
