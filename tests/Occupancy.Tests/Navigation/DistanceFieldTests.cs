using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;

using Occupancy.Navigation;

namespace Occupancy.Tests.Navigation;

public class DistanceFieldTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(17, 1, 1)]
    [InlineData(13, 11, 1)]
    [InlineData(9, 12, 7)]
    public void Squared_transform_equals_brute_force(int nx, int ny, int nz)
    {
        var random = new Random(nx * 100 + ny * 10 + nz);
        var f = new float[nx * ny * nz];
        var seeds = new List<(int, int, int)>();
        for (int i = 0; i < f.Length; i++)
        {
            bool seed = random.Next(12) == 0;
            f[i] = seed ? 0 : Occupancy.Navigation.ExactDistanceTransform.Far;
            if (seed)
            {
                seeds.Add((i % nx, (i / nx) % ny, i / (nx * ny)));
            }
        }

        Occupancy.Navigation.ExactDistanceTransform.Squared(f, nx, ny, nz);
        for (int i = 0; i < f.Length; i++)
        {
            int x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
            long best = long.MaxValue;
            foreach ((int sx, int sy, int sz) in seeds)
            {
                best = Math.Min(best, ((long)(x - sx) * (x - sx)) + ((long)(y - sy) * (y - sy)) + ((long)(z - sz) * (z - sz)));
            }

            if (seeds.Count == 0)
            {
                Assert.True(f[i] >= Occupancy.Navigation.ExactDistanceTransform.Far / 2);
            }
            else
            {
                Assert.Equal(best, (long)f[i]);
            }
        }
    }

    [Fact]
    public void Distances_equal_brute_force_nearest_occupied_voxel_on_a_random_map()
    {
        var random = new Random(12);
        var map = new OccupancyMap(0.1);
        var occupied = new List<VoxelKey>();
        for (int i = 0; i < 60; i++)
        {
            var key = new VoxelKey(random.Next(-10, 10), random.Next(-10, 10), random.Next(0, 8));
            map.UpdateVoxel(key, occupied: true);
            occupied.Add(key);
        }

        for (int i = 0; i < 300; i++)
        {
            map.UpdateVoxel(new VoxelKey(random.Next(-10, 10), random.Next(-10, 10), random.Next(0, 8)), occupied: false);
        }

        var region = new Aabb(new Vector3(-1.0f, -1.0f, 0f), new Vector3(1.0f, 1.0f, 0.8f));
        DistanceField field = DistanceField.Compute(map, region, UnknownPolicy.TreatAsFree);
        Assert.True(field.HasObstacles);
        Assert.Equal(20, field.SizeX);
        for (int x = 0; x < field.SizeX; x++)
        {
            for (int y = 0; y < field.SizeY; y++)
            {
                for (int z = 0; z < field.SizeZ; z++)
                {
                    VoxelKey k = field.Origin.Offset(x, y, z);
                    double best = double.PositiveInfinity;
                    foreach (VoxelKey o in occupied)
                    {
                        if (map.GetState(o) == VoxelState.Occupied && region.Contains(map.CenterOf(o)))
                        {
                            best = Math.Min(best, Math.Sqrt(((double)(k.X - o.X) * (k.X - o.X)) + ((double)(k.Y - o.Y) * (k.Y - o.Y)) + ((double)(k.Z - o.Z) * (k.Z - o.Z))) * 0.1);
                        }
                    }

                    Assert.Equal(best, field.Distance(k), 5);
                }
            }
        }
    }

    [Fact]
    public void Gradient_points_away_from_a_single_obstacle_and_unknown_policy_adds_obstacles()
    {
        var map = new OccupancyMap(0.1);
        map.UpdateVoxel(new VoxelKey(0, 0, 0), occupied: true);
        map.UpdateVoxel(new VoxelKey(5, 0, 0), occupied: false);
        var region = new Aabb(new Vector3(-1f), new Vector3(1f));
        DistanceField field = DistanceField.Compute(map, region, UnknownPolicy.TreatAsFree);
        Vector3 g = field.Gradient(new Vector3(0.55f, 0.05f, 0.05f));
        Assert.Equal(1f, g.X, 3);
        Assert.Equal(0f, g.Y, 3);
        Assert.Equal(0.5f, field.Distance(new Vector3(0.55f, 0.05f, 0.05f)), 5);
        Assert.True(float.IsNaN(field.Distance(new Vector3(5f, 0, 0))));
        float[] slice = field.Slice(0.05f);
        Assert.Equal(field.SizeX * field.SizeY, slice.Length);
        Assert.Equal(field.Distance(new Vector3(0.55f, 0.05f, 0.05f)), slice[((0 - field.Origin.Y) * field.SizeX) + (5 - field.Origin.X)]);
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => field.Slice(9f)).ParamName);

        // Unknown space as obstacles: every unobserved voxel is at distance 0, the observed free one is not.
        DistanceField conservative = DistanceField.Compute(map, region, UnknownPolicy.TreatAsOccupied);
        Assert.Equal(0f, conservative.Distance(new VoxelKey(3, 3, 3)));
        Assert.Equal(0.1f, conservative.Distance(new VoxelKey(5, 0, 0)), 5);

        Assert.Equal("unknown", Assert.Throws<ArgumentOutOfRangeException>(() => DistanceField.Compute(map, region, UnknownPolicy.Report)).ParamName);
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => DistanceField.Compute(map, new Aabb(new Vector3(0.01f), new Vector3(0.02f)), UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => DistanceField.Compute(map, new Aabb(new Vector3(-100), new Vector3(100)), UnknownPolicy.TreatAsFree)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => field.Distance(new VoxelKey(100, 0, 0)));
    }
}
