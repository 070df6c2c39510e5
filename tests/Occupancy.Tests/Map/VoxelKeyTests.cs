using System;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Map;

public class VoxelKeyTests
{
    [Theory]
    [InlineData(0.0f, 0)]
    [InlineData(0.01f, 0)]
    [InlineData(-0.01f, -1)]
    [InlineData(0.05f, 1)] // an exact boundary belongs to the voxel above it
    [InlineData(-0.05f, -2)] // the float nearest −0.05 is −0.0500000007, just below the boundary
    [InlineData(0.049999f, 0)]
    [InlineData(-0.050001f, -2)]
    [InlineData(1.0f, 20)]
    [InlineData(-1.0f, -20)]
    public void KeyOf_uses_floor_for_negative_and_boundary_coordinates(float coordinate, int expected)
    {
        var map = new OccupancyMap(0.05);
        Assert.Equal(new VoxelKey(expected, expected, expected), map.KeyOf(new Vector3(coordinate)));
    }

    [Theory]
    [InlineData(0.25f, 1)]
    [InlineData(-0.25f, -1)] // exactly representable: the boundary belongs to the voxel above
    [InlineData(-0.5f, -2)]
    [InlineData(-0.2500001f, -2)]
    [InlineData(0.2499999f, 0)]
    public void Exact_boundaries_belong_to_the_voxel_above(float coordinate, int expected)
    {
        var map = new OccupancyMap(0.25);
        Assert.Equal(new VoxelKey(expected, expected, expected), map.KeyOf(new Vector3(coordinate)));
    }

    [Fact]
    public void KeyOf_agrees_with_double_floor_oracle_on_random_points()
    {
        var random = new Random(7);
        foreach (double res in new[] { 0.01, 0.05, 0.1, 0.3, 1.0 })
        {
            var map = new OccupancyMap(res);
            for (int i = 0; i < 10_000; i++)
            {
                var p = new Vector3((float)((random.NextDouble() - 0.5) * 200), (float)((random.NextDouble() - 0.5) * 200), (float)((random.NextDouble() - 0.5) * 200));
                VoxelKey key = map.KeyOf(p);
                // Independent oracle: the voxel's interval must contain the point (to within float rounding of the bound).
                Assert.InRange((double)p.X, (key.X * res) - 1e-4, ((key.X + 1) * res) + 1e-4);
                Assert.Equal((int)Math.Floor((double)p.Y * (1.0 / res)), key.Y);
                Vector3 c = map.CenterOf(key);
                Assert.Equal(key, map.KeyOf(c));
            }
        }
    }

    [Fact]
    public void Brick_packing_round_trips_negative_and_extreme_coordinates()
    {
        int max = (1 << 20) - 1, min = -(1 << 20);
        foreach ((int x, int y, int z) in new[] { (0, 0, 0), (-1, -1, -1), (max, min, 5), (min, max, -7), (123, -456, 789) })
        {
            Assert.Equal((x, y, z), VoxelKey.UnpackBrick(VoxelKey.PackBrick(x, y, z)));
            Assert.True(VoxelKey.PackBrick(x, y, z) >= 0);
        }
    }

    [Fact]
    public void Points_outside_the_index_range_or_not_finite_have_no_key()
    {
        var map = new OccupancyMap(0.01);
        Assert.False(map.TryGetKey(new Vector3(float.NaN, 0, 0), out _));
        Assert.False(map.TryGetKey(new Vector3(0, float.PositiveInfinity, 0), out _));
        Assert.False(map.TryGetKey(new Vector3(0, 0, 90_000f), out _));
        Assert.True(map.TryGetKey(new Vector3(0, 0, 80_000f), out _));
        ArgumentException e = Assert.Throws<ArgumentException>(() => map.KeyOf(new Vector3(float.NaN)));
        Assert.Equal("point", e.ParamName);
    }
}
