using System;
using System.Buffers.Binary;
using System.IO;
using System.Numerics;
using Occupancy.Files;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// Long rays against liboctomap itself: one VLP-16 scan of the street from the ego car's roof (rays past 40 m, an
/// origin on voxel borders, rays at exactly 45 degrees), written as a one-node scan graph, inserted by OctoMap's
/// insertPointCloud (full and discretize, unlimited range and 30 m) and by our integrator: every voxel classified
/// alike and every log-odds bit identical.
/// </summary>
public sealed class LidarAgreementTests
{
    [Theory]
    [InlineData(-1.0, false)]
    [InlineData(30.0, false)]
    [InlineData(-1.0, true)]
    [InlineData(30.0, true)]
    public void A_street_lidar_scan_integrates_as_octomaps_insertPointCloud(double maxRange, bool discretize)
    {
        string folder = OctoMapFileTests.TemporaryFolder();
        string graph = Path.Combine(folder, "street.graph");
        var pose = new Pose3(StreetScene.EgoPose.Position + new Vector3(0, 0, 1.9f), Quaternion.Identity);
        SpinningLidar lidar = SpinningLidar.Vlp16();
        var points = new Vector3[lidar.MaxPoints];
        int n = lidar.Scan(StreetScene.CreateScene(), pose, points, new Random(7));
        WriteGraph(graph, pose.Position, points.AsSpan(0, n));

        string tree = Path.Combine(folder, "street.ot");
        OctoMapTools.InsertGraph(graph, tree, 0.1, maxRange, discretize);
        OccupancyMap theirs = OctoMapFile.Load(tree);

        var ours = new OccupancyMap(0.1);
        var integrator = new PointCloudIntegrator(ours, maxRange > 0 ? (float)maxRange : float.PositiveInfinity, discretize ? PointCloudMode.Discretized : PointCloudMode.Exact);
        ScanNode node = Assert.Single(ScanGraphFile.Load(graph));
        integrator.IntegrateWorldFrame(node.ToWorld(), node.SensorOrigin);

        (long union, long sameState, long sameBits) = ScanGraphTests.Compare(theirs, ours);
        Assert.True(union > 800_000, $"{union} voxels");
        Assert.True(sameState == union && sameBits == union, $"{union - sameState} of {union} voxels classified otherwise, {union - sameBits} with other log-odds");
        Directory.Delete(folder, true);
    }

    /// <summary>A scan graph of one node (OctoMap's ScanGraph::writeBinary layout): points in the sensor frame, the pose a translation.</summary>
    private static void WriteGraph(string path, Vector3 origin, ReadOnlySpan<Vector3> world)
    {
        using var stream = File.Create(path);
        var b = new byte[8];
        void UInt32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            stream.Write(b, 0, 4);
        }

        void Double(double v)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(b, v);
            stream.Write(b, 0, 8);
        }

        void Vector(Vector3 v)
        {
            UInt32(3);
            Double(v.X);
            Double(v.Y);
            Double(v.Z);
        }

        UInt32(1);
        UInt32((uint)world.Length);
        foreach (Vector3 p in world)
        {
            Vector(p - origin);
        }

        Vector(origin);
        UInt32(4);
        Double(1);
        Double(0);
        Double(0);
        Double(0);
        UInt32(0); // node id
        UInt32(0); // edges
    }
}
