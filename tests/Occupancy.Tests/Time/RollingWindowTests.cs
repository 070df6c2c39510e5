using System;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Time;

/// <summary>The rolling window on a 1 km drive: memory under the budget throughout, and near the car the map of an unbounded run.</summary>
public class RollingWindowTests
{
    [Fact]
    public void A_one_kilometre_drive_stays_under_the_budget_and_answers_near_the_car_as_an_unbounded_map()
    {
        // The long street, the front roof camera, one frame every 10 m from x = 10 to 1,010 m.
        // A scenario of a hundred rendered frames: run on the leg with vector hardware (its kernels are proven identical to
        // the scalar ones on every leg by the identity tests), which keeps the scalar legs within CI's time.
        Assert.SkipUnless(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, "a long scenario: run on the default leg");
        Scene street = StreetScene.CreateLongScene(13);
        RigCamera front = StreetScene.SurroundRig().Cameras[0];
        var bounded = new OccupancyMap(StreetScene.Resolution);
        var unbounded = new OccupancyMap(StreetScene.Resolution);
        var window = new RollingWindow(bounded, 8L << 20);
        var intoBounded = new DepthImageIntegrator(bounded, StreetScene.MaxRange);
        var intoUnbounded = new DepthImageIntegrator(unbounded, StreetScene.MaxRange);
        var depth = new float[front.Intrinsics.PixelCount];
        long mostBytes = 0;
        Pose3 body = default;
        for (int k = 0; k <= 100; k++)
        {
            body = new Pose3(new Vector3(10 + (10 * k), -1.3f, StreetScene.RoadHeight), Quaternion.Identity);
            Pose3 camera = body.Compose(front.Mounting);
            DepthRenderer.Render(street, front.Intrinsics, camera, depth);
            intoBounded.Integrate(depth, front.Intrinsics, camera);
            intoUnbounded.Integrate(depth, front.Intrinsics, camera);
            window.Evict(body.Position);
            mostBytes = Math.Max(mostBytes, bounded.MemoryBytes);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"bounded {bounded.MemoryBytes} B at most {mostBytes} B, {bounded.BrickCount} bricks, {window.EvictedBricks} evicted; unbounded {unbounded.MemoryBytes} B, {unbounded.BrickCount} bricks");
        Assert.True(window.EvictedBricks > unbounded.BrickCount / 2, $"only {window.EvictedBricks} bricks evicted: the window was not exercised");
        Assert.True(mostBytes <= window.MemoryBudgetBytes, $"{mostBytes} bytes over the {window.MemoryBudgetBytes} budget");
        Assert.True(unbounded.MemoryBytes > 2 * window.MemoryBudgetBytes);

        // Within 25 m of the car (beyond the 20 m range it sees), every voxel as the unbounded map has it.
        float r = 25;
        var near = new Aabb(body.Position - new Vector3(r), body.Position + new Vector3(r));
        long compared = 0;
        foreach (VoxelInfo v in unbounded.EnumerateVoxelsIn(near))
        {
            Assert.Equal(v.LogOdds, bounded.GetLogOdds(v.Key));
            compared++;
        }

        foreach (VoxelInfo v in bounded.EnumerateVoxelsIn(near))
        {
            Assert.Equal(v.LogOdds, unbounded.GetLogOdds(v.Key));
        }

        Assert.True(compared > 10_000, $"only {compared} voxels near the car");
        Assert.Equal("memoryBudgetBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new RollingWindow(bounded, 1000)).ParamName);
        Assert.Equal("agentPosition", Assert.Throws<ArgumentException>(() => window.Evict(new Vector3(float.NaN, 0, 0))).ParamName);
    }
}
