using System;
using System.Collections.Generic;
using System.Numerics;
using Occupancy.Navigation;
using Xunit;

namespace Occupancy.Tests.Navigation;

public class FootprintTests
{
    private static readonly Vector2[] Rectangle = [new(0.4f, 0.25f), new(-0.3f, 0.25f), new(-0.3f, -0.25f), new(0.4f, -0.25f)];

    [Fact]
    public void Degenerate_footprints_are_rejected_by_name()
    {
        Assert.Equal("vertices", Assert.Throws<ArgumentException>(() => Footprint.Polygon([new(0, 0), new(1, 0)])).ParamName);
        Assert.Equal("vertices", Assert.Throws<ArgumentException>(() => Footprint.Polygon([new(0, 0), new(1, 0), new(2, 0)])).ParamName); // zero area
        Assert.Equal("vertices", Assert.Throws<ArgumentException>(() => Footprint.Polygon([new(0, 0), new(1, 1), new(1, 0), new(0, 1)])).ParamName); // bow-tie
        Assert.Equal("vertices", Assert.Throws<ArgumentException>(() => Footprint.Polygon([new(0, 0), new(float.NaN, 1), new(1, 0)])).ParamName);
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => Footprint.Circle(0)).ParamName);
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => Footprint.Circle(float.NaN)).ParamName);
    }

    [Fact]
    public void Radii_and_winding()
    {
        Vector2[] reversed = (Vector2[])Rectangle.Clone();
        Array.Reverse(reversed);
        Footprint clockwise = Footprint.Polygon(reversed);
        Assert.Equal(0.25f, clockwise.InscribedRadius, 5);
        Assert.Equal(MathF.Sqrt((0.4f * 0.4f) + (0.25f * 0.25f)), clockwise.CircumscribedRadius, 5);
        Assert.True(clockwise.Contains(new Vector2(0.35f, -0.2f)));
        Assert.False(clockwise.Contains(new Vector2(0.45f, 0)));
        Assert.Equal(0.3f, Footprint.Circle(0.3f).InscribedRadius);
    }

    [Fact]
    public void The_whole_filled_footprint_is_checked_not_only_its_outline()
    {
        var map = new OccupancyMap(0.05);
        for (int x = 0; x < 40; x++)
        {
            for (int y = 0; y < 40; y++)
            {
                map.UpdateVoxel(new VoxelKey(x, y, 4), occupied: false);
            }
        }

        map.UpdateVoxel(new VoxelKey(20, 20, 4), occupied: true);
        map.UpdateVoxel(new VoxelKey(20, 20, 4), occupied: true);
        var options = new CostmapOptions { MinObstacleHeight = 0.1f, MaxObstacleHeight = 0.5f, InscribedRadius = 0f, InflationRadius = 0f, Unknown = UnknownPolicy.Report };
        Costmap2D costmap = Costmap2D.Build(map, new Aabb(Vector3.Zero, new Vector3(2, 2, 1)), options);
        Footprint big = Footprint.Polygon(Rectangle);
        // The obstacle sits under the middle of the footprint, far from every edge.
        Assert.True(costmap.CheckFootprint(big, new Vector2(1.025f, 1.025f), 0.3f).InCollision);
        Assert.False(costmap.CheckFootprint(big, new Vector2(0.5f, 0.5f), 0f).InCollision);
        Assert.True(costmap.CheckFootprint(big, new Vector2(0.1f, 0.1f), 0f).CoversUnknown); // reaches past the edge
        Assert.Equal("yaw", Assert.Throws<ArgumentException>(() => costmap.CheckFootprint(big, Vector2.One, float.NaN)).ParamName);
        Assert.Equal("position", Assert.Throws<ArgumentException>(() => costmap.CheckFootprint(big, new Vector2(float.NaN, 0), 0)).ParamName);
    }

    [Fact]
    public void Cells_under_a_footprint_match_dense_sampling()
    {
        var random = new Random(4);
        var map = new OccupancyMap(0.05);
        Costmap2D costmap = Costmap2D.Build(map, new Aabb(Vector3.Zero, new Vector3(3, 3, 1)), new CostmapOptions { MinObstacleHeight = 0f, MaxObstacleHeight = 1f, InscribedRadius = 0f, InflationRadius = 0f, Unknown = UnknownPolicy.Report });
        Footprint[] footprints = [Footprint.Polygon(Rectangle), Footprint.Polygon([new(0.3f, 0), new(-0.2f, 0.2f), new(-0.1f, 0), new(-0.2f, -0.2f)]), Footprint.Circle(0.23f)];
        foreach (Footprint footprint in footprints)
        {
            for (int trial = 0; trial < 20; trial++)
            {
                var position = new Vector2(1 + random.NextSingle(), 1 + random.NextSingle());
                float yaw = random.NextSingle() * 6.28f;
                var cells = new HashSet<(int, int)>(costmap.CellsUnder(footprint, position, yaw));
                // Oracle: points every 1/40 of a cell over the footprint's box, kept when the footprint contains them.
                (float sin, float cos) = MathF.SinCos(yaw);
                float reach = footprint.CircumscribedRadius;
                var sampled = new HashSet<(int, int)>();
                for (float dx = -reach; dx <= reach; dx += 0.05f / 40)
                {
                    for (float dy = -reach; dy <= reach; dy += 0.05f / 40)
                    {
                        // Body frame point for this world offset.
                        var body = new Vector2((cos * dx) + (sin * dy), (-sin * dx) + (cos * dy));
                        if (footprint.Contains(body))
                        {
                            costmap.TryGetCell(new Vector3(position.X + dx, position.Y + dy, 0), out int cx, out int cy);
                            sampled.Add((cx, cy));
                        }
                    }
                }

                Assert.Superset(sampled, cells); // nothing the footprint covers is missed
                // Cells found only by the clip overlap the footprint by less than the sampling could resolve
                // (a circle is checked as its circumscribing 64-gon, which reaches 0.12% further).
                Assert.True(cells.Count - sampled.Count <= 0.15 * sampled.Count + 4, $"{cells.Count} cells from clipping, {sampled.Count} from sampling");
            }
        }
    }
}
