using System;
using System.Collections.Generic;
using System.Numerics;
using Occupancy.Navigation;
using Xunit;

namespace Occupancy.Tests.Navigation;

public class Costmap2DTests
{
    [Theory]
    [InlineData(UnknownPolicy.Report, 1)]
    [InlineData(UnknownPolicy.TreatAsFree, 2)]
    [InlineData(UnknownPolicy.TreatAsOccupied, 1)]
    public void Costs_equal_a_brute_force_per_cell_computation(UnknownPolicy unknown, int minOccupied)
    {
        var random = new Random(21 + minOccupied);
        var map = new OccupancyMap(0.05);
        for (int i = 0; i < 2500; i++)
        {
            // Columns 40 x 30; voxels from z = −0.2 to 1.0 m, some below and above the band.
            var key = new VoxelKey(random.Next(0, 40), random.Next(0, 30), random.Next(-4, 20));
            map.UpdateVoxel(key, occupied: random.Next(8) == 0);
        }

        var options = new CostmapOptions { MinObstacleHeight = 0.05f, MaxObstacleHeight = 0.6f, InscribedRadius = 0.12f, InflationRadius = 0.5f, CostScalingFactor = 4f, MinOccupiedVoxels = minOccupied, Unknown = unknown };
        var region = new Aabb(new Vector3(0, 0, 0), new Vector3(2f, 1.5f, 1f));
        Costmap2D costmap = Costmap2D.Build(map, region, options);
        Assert.Equal(40, costmap.Width);
        Assert.Equal(30, costmap.Height);

        // Oracle: classify each column by counting voxels whose centres lie in the band, then brute-force distances.
        var lethal = new List<(int X, int Y)>();
        var known = new bool[40, 30];
        for (int x = 0; x < 40; x++)
        {
            for (int y = 0; y < 30; y++)
            {
                int occupied = 0;
                for (int z = -4; z < 20; z++)
                {
                    float centre = (z + 0.5f) * 0.05f;
                    VoxelState s = map.GetState(new VoxelKey(x, y, z));
                    if (centre >= 0.05f && centre <= 0.6f && s != VoxelState.Unknown)
                    {
                        known[x, y] = true;
                        occupied += s == VoxelState.Occupied ? 1 : 0;
                    }
                }

                if (occupied >= minOccupied || (!known[x, y] && unknown == UnknownPolicy.TreatAsOccupied))
                {
                    lethal.Add((x, y));
                }
            }
        }

        var seen = new HashSet<byte>();
        for (int x = 0; x < 40; x++)
        {
            for (int y = 0; y < 30; y++)
            {
                byte expected;
                if (!known[x, y] && unknown == UnknownPolicy.Report)
                {
                    expected = Costmap2D.Unknown;
                }
                else
                {
                    double best = double.PositiveInfinity;
                    foreach ((int lx, int ly) in lethal)
                    {
                        best = Math.Min(best, Math.Sqrt(((x - lx) * (x - lx)) + ((y - ly) * (y - ly))) * 0.05);
                    }

                    expected = best == 0 ? Costmap2D.Lethal
                        : best <= 0.12 ? Costmap2D.Inscribed
                        : best > 0.5 ? Costmap2D.Free
                        : (byte)(252 * Math.Exp(-4 * (best - 0.12)));
                }

                Assert.Equal(expected, costmap[x, y]);
                seen.Add(expected);
            }
        }

        Assert.Contains(Costmap2D.Lethal, seen);
        Assert.Contains(Costmap2D.Inscribed, seen);
        if (unknown != UnknownPolicy.TreatAsOccupied)
        {
            Assert.Contains(seen, c => c is > 0 and < Costmap2D.Inscribed); // the decaying inflation band (unknown columns fill it otherwise)
        }
        Assert.True(costmap.TryGetCell(new Vector3(0.26f, 0.11f, 5f), out int cx, out int cy));
        Assert.Equal((5, 2), (cx, cy));
        Assert.False(costmap.TryGetCell(new Vector3(-1f, 0, 0), out _, out _));
    }

    [Fact]
    public void Bad_options_and_regions_name_the_parameter()
    {
        Assert.Equal("MinObstacleHeight", Assert.Throws<ArgumentOutOfRangeException>(() => new CostmapOptions { MinObstacleHeight = float.NaN, MaxObstacleHeight = 0.5f, InscribedRadius = 0.1f, InflationRadius = 0.5f, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("InscribedRadius", Assert.Throws<ArgumentOutOfRangeException>(() => new CostmapOptions { MinObstacleHeight = 0f, MaxObstacleHeight = 0.5f, InscribedRadius = -0.1f, InflationRadius = 0.5f, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("InflationRadius", Assert.Throws<ArgumentOutOfRangeException>(() => new CostmapOptions { MinObstacleHeight = 0f, MaxObstacleHeight = 0.5f, InscribedRadius = 0.1f, InflationRadius = float.PositiveInfinity, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("CostScalingFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new CostmapOptions { MinObstacleHeight = 0f, MaxObstacleHeight = 0.5f, InscribedRadius = 0.1f, InflationRadius = 0.5f, CostScalingFactor = -1f, Unknown = UnknownPolicy.Report }).ParamName);
        Assert.Equal("MinOccupiedVoxels", Assert.Throws<ArgumentOutOfRangeException>(() => new CostmapOptions { MinObstacleHeight = 0f, MaxObstacleHeight = 0.5f, InscribedRadius = 0.1f, InflationRadius = 0.5f, CostScalingFactor = 3f, MinOccupiedVoxels = 0, Unknown = UnknownPolicy.Report }).ParamName);
        var map = new OccupancyMap(0.01);
        var options = new CostmapOptions { MinObstacleHeight = 0f, MaxObstacleHeight = 0.5f, InscribedRadius = 0.1f, InflationRadius = 0.5f, Unknown = UnknownPolicy.Report };
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => Costmap2D.Build(map, new Aabb(new Vector3(-100, -100, 0), new Vector3(100, 100, 1)), options)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => Costmap2D.Build(map, new Aabb(Vector3.Zero, Vector3.One), options with { MinObstacleHeight = 1f, MaxObstacleHeight = 0.5f })).ParamName);
        Assert.Equal("Unknown", Assert.Throws<ArgumentOutOfRangeException>(() => options with { Unknown = (UnknownPolicy)7 }).ParamName);
        Costmap2D small = Costmap2D.Build(map, new Aabb(Vector3.Zero, new Vector3(0.1f, 0.1f, 1)), options);
        Assert.Throws<ArgumentOutOfRangeException>(() => small[small.Width, 0]);
        Assert.Equal(Costmap2D.Unknown, small[0, 0]);
    }
}
