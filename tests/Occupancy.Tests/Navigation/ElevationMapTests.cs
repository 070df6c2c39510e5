using System;
using System.Numerics;
using Occupancy.Navigation;
using Xunit;

namespace Occupancy.Tests.Navigation;

public class ElevationMapTests
{
    /// <summary>Marks column (x, y) occupied from z = −2 up to <paramref name="topVoxel"/> and free above it up to z = 39.</summary>
    private static void Column(OccupancyMap map, int x, int y, int topVoxel, int freeUpTo = 39)
    {
        for (int z = -2; z <= freeUpTo; z++)
        {
            bool occupied = z <= topVoxel;
            map.UpdateVoxel(new VoxelKey(x, y, z), occupied);
            map.UpdateVoxel(new VoxelKey(x, y, z), occupied);
        }
    }

    [Fact]
    public void Stairs_give_their_true_heights_and_step_heights()
    {
        // Stairs along x at 5 cm: each step 6 voxels (0.30 m) deep and 3 voxels (0.15 m) high, 4 steps, 10 voxels wide.
        var map = new OccupancyMap(0.05);
        for (int x = 0; x < 30; x++)
        {
            for (int y = 0; y < 10; y++)
            {
                Column(map, x, y, topVoxel: -1 + (3 * Math.Min(4, x / 6)));
            }
        }

        ElevationMap elevation = ElevationMap.Build(map, new Aabb(new Vector3(0, 0, -0.1f), new Vector3(1.5f, 0.5f, 2f)), clearance: 0.5f, UnknownPolicy.TreatAsFree);
        Assert.Equal(30, elevation.Width);
        for (int x = 0; x < 30; x++)
        {
            float truth = 0.15f * Math.Min(4, x / 6);
            Assert.Equal(truth, elevation[x, 5], 4);
        }

        float[] steps = elevation.StepHeights(footRadius: 0.06f);
        for (int x = 1; x < 29; x++)
        {
            bool nearEdge = x % 6 == 0 || x % 6 == 5;
            float expected = nearEdge && x <= 24 ? 0.15f : 0f;
            Assert.Equal(expected, steps[(5 * elevation.Width) + x], 4);
        }

        Assert.True(float.IsNaN(elevation[40, 5]));
    }

    [Fact]
    public void The_ground_under_a_table_is_standable_only_with_enough_clearance()
    {
        var map = new OccupancyMap(0.05);
        for (int x = 0; x < 10; x++)
        {
            for (int y = 0; y < 10; y++)
            {
                Column(map, x, y, topVoxel: -1);
                bool underTable = x is >= 3 and <= 6;
                if (underTable)
                {
                    // A table top 2 voxels thick at 0.80 m (voxels 16 and 17).
                    map.UpdateVoxel(new VoxelKey(x, y, 16), occupied: true);
                    map.UpdateVoxel(new VoxelKey(x, y, 16), occupied: true);
                    map.UpdateVoxel(new VoxelKey(x, y, 16), occupied: true);
                    map.UpdateVoxel(new VoxelKey(x, y, 17), occupied: true);
                    map.UpdateVoxel(new VoxelKey(x, y, 17), occupied: true);
                    map.UpdateVoxel(new VoxelKey(x, y, 17), occupied: true);
                }
            }
        }

        var region = new Aabb(new Vector3(0, 0, -0.1f), new Vector3(0.5f, 0.5f, 2f));
        ElevationMap low = ElevationMap.Build(map, region, clearance: 0.5f);
        Assert.Equal(0f, low[4, 4], 4); // a short robot walks under the table
        ElevationMap tall = ElevationMap.Build(map, region, clearance: 1.0f);
        Assert.Equal(0.9f, tall[4, 4], 4); // a tall one does not fit: the table top is the surface
        Assert.Equal(0f, tall[1, 4], 4);
        ElevationMap upper = ElevationMap.Build(map, region, clearance: 0.5f, referenceHeight: 1f);
        Assert.Equal(0.9f, upper[4, 4], 4); // both standable: the one nearest the reference height
    }

    [Fact]
    public void A_ten_degree_ramp_has_ten_degrees_of_slope_and_little_roughness()
    {
        var map = new OccupancyMap(0.05);
        float tan = MathF.Tan(10 * MathF.PI / 180);
        for (int x = 0; x < 60; x++)
        {
            for (int y = 0; y < 12; y++)
            {
                Column(map, x, y, topVoxel: (int)MathF.Floor((x + 0.5f) * tan) - 1);
            }
        }

        ElevationMap elevation = ElevationMap.Build(map, new Aabb(new Vector3(0, 0, -0.1f), new Vector3(3f, 0.6f, 2f)), clearance: 0.3f);
        (float[] slope, float[] roughness) = elevation.SlopeAndRoughness(radius: 0.25f);
        int centre = (6 * elevation.Width) + 30;
        Assert.Equal(10.0, slope[centre] * 180 / Math.PI, 0); // within half a degree of the true incline
        Assert.True(roughness[centre] < 0.025f, $"roughness {roughness[centre]}"); // the voxel staircase only
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => elevation.SlopeAndRoughness(0)).ParamName);
        Assert.Equal("footRadius", Assert.Throws<ArgumentOutOfRangeException>(() => elevation.StepHeights(float.NaN)).ParamName);
        Assert.Equal("clearance", Assert.Throws<ArgumentOutOfRangeException>(() => ElevationMap.Build(map, new Aabb(Vector3.Zero, Vector3.One), -1f)).ParamName);
        Assert.Equal("unknownAbove", Assert.Throws<ArgumentOutOfRangeException>(() => ElevationMap.Build(map, new Aabb(Vector3.Zero, Vector3.One), 1f, UnknownPolicy.Report)).ParamName);
    }
}
