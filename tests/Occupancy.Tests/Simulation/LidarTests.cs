using System;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Simulation;

public class LidarTests
{
    [Fact]
    public void Returns_lie_on_the_analytic_surfaces_and_build_a_map_through_ray_casting()
    {
        // A LiDAR 1.5 m above the standard room's floor: a beam at elevation e below the horizon meets the floor at 1.5 / tan(−e).
        SpinningLidar lidar = SpinningLidar.Vlp16();
        var pose = new Pose3(new Vector3(2.5f, 0, 1.5f), Quaternion.Identity);
        var points = new Vector3[lidar.MaxPoints];
        int n = new SpinningLidar(lidar.Elevations is float[] e ? e : [.. lidar.Elevations], lidar.HorizontalResolution, 100f).Scan(TestData.Room, pose, points);
        Assert.True(n > lidar.MaxPoints * 0.9, $"{n} returns");
        int onFloor = 0;
        for (int i = 0; i < n; i++)
        {
            Vector3 p = points[i];
            // Every return is on a surface: floor, ceiling, a wall or a box face (within float rounding).
            // The sensor is in free space, so a return on a box lies on its boundary: within 1 mm of the closed box.
            bool surface = MathF.Abs(p.Z) < 1e-3f || MathF.Abs(p.Z - 3) < 1e-3f || MathF.Abs(MathF.Abs(p.X) - 5) < 1e-3f || MathF.Abs(MathF.Abs(p.Y) - 5) < 1e-3f;
            foreach (Primitive primitive in TestData.Room.Primitives)
            {
                if (primitive is AxisAlignedBox box)
                {
                    surface |= new Aabb(box.Box.Min - new Vector3(1e-3f), box.Box.Max + new Vector3(1e-3f)).Contains(p);
                }
            }

            Assert.True(surface, $"return {p} lies on no surface");
            onFloor += MathF.Abs(p.Z) < 1e-3f ? 1 : 0;
        }

        Assert.True(onFloor > 200, $"{onFloor} floor returns"); // only the steepest beams reach the floor inside the walls

        var map = new OccupancyMap(0.05);
        var noisy = new Vector3[lidar.MaxPoints];
        int m = lidar.Scan(TestData.Room, pose, noisy, new Random(5));
        IntegrationStats stats = new PointCloudIntegrator(map, 20f).IntegrateWorldFrame(noisy.AsSpan(0, m), pose.Position);
        Assert.Equal(m, stats.Measurements);
        Assert.Equal(VoxelState.Free, map.GetState(new Vector3(3.2f, 0.02f, 1.48f))); // on the −1° beams, 0.7 m out
        Assert.True(stats.OccupiedUpdates > 1000);
    }

    [Fact]
    public void The_64_beam_preset_has_its_fan_and_its_returns_lie_at_the_analytic_floor_distance()
    {
        SpinningLidar lidar = SpinningLidar.Hdl64();
        Assert.Equal(64, lidar.BeamCount);
        Assert.Equal(2f * MathF.PI / 180, lidar.Elevations[0], 5);
        Assert.Equal(-24.8f * MathF.PI / 180, lidar.Elevations[63], 5);
        Assert.Equal(2118, lidar.AzimuthSteps); // ceil(360 / 0.17)
        Assert.Equal(120f, lidar.MaxRange);

        // Noise-free, 1.5 m above the room's floor: the steepest beam meets the floor 1.5 / tan(24.8°) = 3.25 m out.
        var exact = new SpinningLidar([lidar.Elevations[63]], lidar.HorizontalResolution, lidar.MaxRange);
        var pose = new Pose3(new Vector3(0, 0, 1.5f), Quaternion.Identity);
        var points = new Vector3[exact.MaxPoints];
        int n = exact.Scan(TestData.Room, pose, points);
        int checkedReturns = 0;
        for (int i = 0; i < n; i++)
        {
            if (MathF.Abs(points[i].Z) < 1e-3f)
            {
                float distance = new Vector2(points[i].X, points[i].Y).Length();
                Assert.Equal(1.5f / MathF.Tan(24.8f * MathF.PI / 180), distance, 2);
                checkedReturns++;
            }
        }

        Assert.True(checkedReturns > 1000, $"{checkedReturns} floor returns");
    }

    [Fact]
    public void Bad_configurations_are_named()
    {
        Assert.Equal("elevations", Assert.Throws<ArgumentException>(() => new SpinningLidar([], 0.01f, 10)).ParamName);
        Assert.Equal("elevations", Assert.Throws<ArgumentOutOfRangeException>(() => new SpinningLidar([2f], 0.01f, 10)).ParamName);
        Assert.Equal("horizontalResolution", Assert.Throws<ArgumentOutOfRangeException>(() => new SpinningLidar([0f], 0, 10)).ParamName);
        Assert.Equal("maxRange", Assert.Throws<ArgumentOutOfRangeException>(() => new SpinningLidar([0f], 0.01f, -1)).ParamName);
        Assert.Equal("rangeNoise", Assert.Throws<ArgumentOutOfRangeException>(() => new SpinningLidar([0f], 0.01f, 10, float.NaN)).ParamName);
        var lidar = new SpinningLidar([0f], 0.5f, 10);
        Assert.Equal("points", Assert.Throws<ArgumentException>(() => lidar.Scan(TestData.Room, Pose3.Identity, new Vector3[3])).ParamName);
    }
}
