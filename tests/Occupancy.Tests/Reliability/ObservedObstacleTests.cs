using System;
using System.Numerics;
using Occupancy.Navigation;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Reliability;

/// <summary>Observed occupied space blocks an agent under every policy; the policy decides only what was never seen.</summary>
public class ObservedObstacleTests
{
    public static TheoryData<UnknownPolicy> Policies => [UnknownPolicy.TreatAsFree, UnknownPolicy.Report, UnknownPolicy.TreatAsOccupied];

    [Theory]
    [MemberData(nameof(Policies))]
    public void A_wall_seen_only_from_the_side_stops_both_agents(UnknownPolicy policy)
    {
        // Free floor seen everywhere; across it a wall 1 m high whose sides were observed (occupied) but whose top and
        // the space above it never were. Under TreatAsFree such columns were taken as unknown, cost 1: a path went through.
        const double res = 0.05;
        var map = new OccupancyMap(res);
        for (int x = 0; x < 80; x++)
        {
            for (int y = 0; y < 40; y++)
            {
                bool wall = x is 38 or 39;
                map.UpdateVoxel(new VoxelKey(x, y, -1), occupied: true); // the floor
                for (int z = 0; z < 20; z++)
                {
                    map.UpdateVoxel(new VoxelKey(x, y, z), occupied: wall); // wall voxels seen, the space beside them free
                }

                for (int z = 20; z < 30 && !wall; z++)
                {
                    map.UpdateVoxel(new VoxelKey(x, y, z), occupied: false);
                }
            }
        }

        var region = new Aabb(new Vector3(0, 0, -0.1f), new Vector3(4, 2, 1.4f));
        Agent[] agents =
        [
            new WheeledAgent { Footprint = Footprint.Circle(0.2f), Unknown = policy },
            new LeggedAgent { BodyLength = 0.5f, BodyWidth = 0.3f, Unknown = policy },
        ];
        foreach (Agent agent in agents)
        {
            TraversabilityGrid grid = agent.Traversability(map, region);
            Assert.True(grid.TryGetCell(new Vector3(1.95f, 1f, 0.5f), out int wx, out int wy));
            Assert.True(float.IsPositiveInfinity(grid[wx, wy]), $"{agent.GetType().Name} under {policy}: the wall's column costs {grid[wx, wy]}");
            PathResult path = GridPlanner.FindPath(grid, new Vector2(0.5f, 1f), new Vector2(3.5f, 1f));
            Assert.False(path.Found, $"{agent.GetType().Name} under {policy} found a path through the wall");
        }
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Every_passable_column_of_the_standard_room_stands_on_what_was_observed_in_it(UnknownPolicy policy)
    {
        // The room mapped from its 20 frames. A column holding an occupied voxel between 0.1 and 0.45 m (a box's side,
        // seen or not from above) is passable for a wheeled base only where it stands on top of that voxel (a box top,
        // unreachable but flat): never through it, whatever its policy (989 of 1 756 such columns were passable under
        // TreatAsFree, taken as unknown).
        var map = new OccupancyMap(StandardRoom.Resolution);
        var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        for (int i = 0; i < StandardRoom.FrameCount; i++)
        {
            integrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
        }

        var agent = new WheeledAgent { Footprint = Footprint.Circle(0.2f), Unknown = policy };
        var region = new Aabb(new Vector3(-5, -5, -0.1f), new Vector3(5, 5, 1.5f));
        TraversabilityGrid grid = agent.Traversability(map, region);
        ElevationMap ground = ElevationMap.Build(map, region, agent.BodyHeight - agent.GroundClearance, policy == UnknownPolicy.TreatAsFree ? UnknownPolicy.TreatAsFree : UnknownPolicy.TreatAsOccupied);
        int obstacles = 0, passable = 0, through = 0;
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(new Aabb(new Vector3(-4.9f, -4.9f, 0.1f), new Vector3(4.9f, 4.9f, 0.45f)), VoxelState.Occupied))
        {
            Assert.True(grid.TryGetCell(map.CenterOf(v.Key), out int x, out int y));
            obstacles++;
            if (grid.IsPassable(x, y))
            {
                passable++;
                float top = (float)((v.Key.Z + 1) * map.Resolution);
                through += ground[x, y] >= top - 1e-4f ? 0 : 1;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{policy}: {obstacles} obstacle voxels, {passable} in passable columns (on top of them)");
        Assert.True(obstacles > 1000, $"{obstacles} obstacle voxels");
        Assert.Equal(0, through);
    }
}
