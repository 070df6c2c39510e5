using System;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Integration;

/// <summary>The frustum's brick tests: the row interval may only skip bricks the per-brick test rejects.</summary>
public class FrustumTests
{
    [Fact]
    public void Row_span_keeps_every_brick_the_frustum_meets()
    {
        var random = new Random(5);
        int kept = 0, skipped = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            var k = new PinholeIntrinsics(40 + random.Next(600), 30 + random.Next(400), 100 + (random.NextSingle() * 500), 100 + (random.NextSingle() * 500), 20 + (random.NextSingle() * 300), 15 + (random.NextSingle() * 200));
            var position = new Vector3((random.NextSingle() - 0.5f) * 40, (random.NextSingle() - 0.5f) * 40, (random.NextSingle() - 0.5f) * 10);
            var rotation = Quaternion.Normalize(new Quaternion(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f));
            if (trial % 4 == 0)
            {
                rotation = Pose3.LookAt(position, position + Vector3.UnitX, Vector3.UnitZ).Rotation; // axis-aligned: planes parallel to rows
            }

            var pose = new Pose3(position, rotation);
            double res = trial % 2 == 0 ? 0.05 : 0.1;
            float range = 1 + (random.NextSingle() * 6), zFar = range * (0.3f + (0.7f * random.NextSingle()));
            Quaternion toCamera = Quaternion.Conjugate(rotation);
            Vector3 stepX = Vector3.Transform(new Vector3((float)res, 0, 0), toCamera);
            Vector3 stepY = Vector3.Transform(new Vector3(0, (float)res, 0), toCamera);
            Vector3 stepZ = Vector3.Transform(new Vector3(0, 0, (float)res), toCamera);
            var frustum = new Frustum(k, pose, zFar, range, res, stepX, stepY, stepZ);
            int count = frustum.BrickMax.X - frustum.BrickMin.X + 1;
            for (int bz = frustum.BrickMin.Z; bz <= frustum.BrickMax.Z; bz++)
            {
                for (int by = frustum.BrickMin.Y; by <= frustum.BrickMax.Y; by++)
                {
                    (int first, int last) = frustum.RowSpan(Origin(frustum.BrickMin.X, by, bz), VoxelKey.BrickSize * stepX, count);
                    for (int t = 0; t < count; t++)
                    {
                        bool meets = frustum.Intersects(Origin(frustum.BrickMin.X + t, by, bz));
                        bool inSpan = t >= first && t <= last;
                        Assert.True(!meets || inSpan, $"trial {trial}: brick ({frustum.BrickMin.X + t}, {by}, {bz}) meets the frustum but lies outside [{first}, {last}]");
                        kept += meets ? 1 : 0;
                        skipped += inSpan ? 0 : 1;
                    }
                }
            }

            Vector3 Origin(int bx, int by, int bz)
            {
                var relative = new Vector3(
                    (float)((((bx * VoxelKey.BrickSize) + 0.5) * res) - position.X),
                    (float)((((by * VoxelKey.BrickSize) + 0.5) * res) - position.Y),
                    (float)((((bz * VoxelKey.BrickSize) + 0.5) * res) - position.Z));
                return Vector3.Transform(relative, toCamera);
            }
        }

        Assert.True(kept > 10_000, $"kept {kept}");
        Assert.True(skipped > kept, $"skipped {skipped}, kept {kept}"); // the span does spare most of the box
    }
}

/// <summary>The tiles of deepest returns and shallowest depths: bounds of the true extremes, never inside them.</summary>
public class DepthTilesTests
{
    [Theory]
    [MemberData(nameof(KernelData.Projective), MemberType = typeof(KernelData))]
    public void Deepest_and_shallowest_over_a_window_bound_the_brute_force_extremes(string kernel)
    {
        var random = new Random(8);
        const int width = 150, height = 97; // tiles that do not divide the image
        var depth = new float[width * height];
        for (int i = 0; i < depth.Length; i++)
        {
            // Holes (NaN) only in the left third, so that windows further right have a return at every pixel.
            depth[i] = (i % width) < 50 && random.Next(5) == 0 ? float.NaN : 0.1f + (random.NextSingle() * (random.Next(3) == 0 ? 9 : 3));
        }

        var tiles = new DepthTiles();
        tiles.Prepare(width, height, KernelData.Width(kernel));
        var columns = new float[width];
        var shallow = new float[width];
        for (int ty = 0; ty < tiles.TilesY; ty++)
        {
            Array.Clear(columns);
            Array.Fill(shallow, float.MaxValue);
            for (int v = ty * DepthTiles.TileSize; v < Math.Min(height, (ty + 1) * DepthTiles.TileSize); v++)
            {
                for (int u = 0; u < width; u++)
                {
                    float d = depth[(v * width) + u];
                    columns[u] = d > columns[u] ? d : columns[u];
                    float s = d > 0 && float.IsFinite(d) ? d : 0;
                    shallow[u] = s < shallow[u] ? s : shallow[u];
                }
            }

            tiles.SetTileRow(ty, columns, shallow);
        }

        int small = 0, large = 0, nonzero = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            int u0 = random.Next(width), u1 = Math.Min(width - 1, u0 + random.Next(trial % 2 == 0 ? 20 : width));
            int v0 = random.Next(height), v1 = Math.Min(height - 1, v0 + random.Next(trial % 2 == 0 ? 20 : height));
            (float brute, float bruteShallow) = Extremes(u0, u1, v0, v1);

            // The covering tiles' pixels: the window widened to whole tiles. Their extremes are exactly the answers.
            (float tilesDeepest, float tilesShallowest) = Extremes(
                u0 & ~(DepthTiles.TileSize - 1), Math.Min(width - 1, u1 | (DepthTiles.TileSize - 1)),
                v0 & ~(DepthTiles.TileSize - 1), Math.Min(height - 1, v1 | (DepthTiles.TileSize - 1)));

            float shallowest = tiles.ShallowestOfTiles(u0, u1, v0, v1);
            Assert.True(shallowest <= bruteShallow, $"window [{u0}, {u1}] x [{v0}, {v1}]: shallowest {shallowest} > {bruteShallow}");
            Assert.Equal(tilesShallowest, shallowest);
            float deepest = tiles.DeepestOfTiles(u0, u1, v0, v1);
            Assert.True(deepest >= brute, $"window [{u0}, {u1}] x [{v0}, {v1}]: {deepest} < {brute}");
            Assert.Equal(tilesDeepest, deepest);

            bool fewTiles = ((u1 >> DepthTiles.TileShift) - (u0 >> DepthTiles.TileShift) + 1) * ((v1 >> DepthTiles.TileShift) - (v0 >> DepthTiles.TileShift) + 1) <= 16;
            small += fewTiles ? 1 : 0;
            nonzero += shallowest > 0 ? 1 : 0;
            large += fewTiles ? 0 : 1;
        }

        Assert.True(small > 500 && large > 200, $"small {small}, large {large}");
        Assert.True(nonzero > 100, $"only {nonzero} windows with a return at every pixel");

        // Brute force: the deepest return (NaN and holes are none) and the shallowest depth (a pixel without a return as 0).
        (float Deepest, float Shallowest) Extremes(int u0, int u1, int v0, int v1)
        {
            float deepest = 0, shallowest = float.MaxValue;
            for (int v = v0; v <= v1; v++)
            {
                for (int u = u0; u <= u1; u++)
                {
                    float d = depth[(v * width) + u];
                    deepest = d > deepest ? d : deepest;
                    float s = d > 0 && float.IsFinite(d) ? d : 0;
                    shallowest = s < shallowest ? s : shallowest;
                }
            }

            return (deepest, shallowest);
        }
    }

    [Theory]
    [MemberData(nameof(KernelData.Projective), MemberType = typeof(KernelData))]
    public void One_extreme_tile_is_found_wherever_it_lies_in_a_window(string kernel)
    {
        // 12 x 3 tiles, all alike (deepest 1, shallowest 0.5) but one (deepest 7, shallowest 0.05); every window of 1-12
        // tiles across and 1-3 down either holds it (and must answer its values) or does not (and must not). Windows of 8
        // tiles and more are read as vectors, the last one overlapping: a tile at any position must count.
        const int tilesX = 12, tilesY = 3, width = tilesX * DepthTiles.TileSize;
        var columns = new float[width];
        var shallow = new float[width];
        for (int sy = 0; sy < tilesY; sy++)
        {
            for (int sx = 0; sx < tilesX; sx++)
            {
                var tiles = new DepthTiles();
                tiles.Prepare(width, tilesY * DepthTiles.TileSize, KernelData.Width(kernel));
                for (int ty = 0; ty < tilesY; ty++)
                {
                    Array.Fill(columns, 1f);
                    Array.Fill(shallow, 0.5f);
                    if (ty == sy)
                    {
                        columns[(sx * DepthTiles.TileSize) + 5] = 7f;
                        shallow[(sx * DepthTiles.TileSize) + 9] = 0.05f;
                    }

                    tiles.SetTileRow(ty, columns, shallow);
                }

                for (int tx0 = 0; tx0 < tilesX; tx0++)
                {
                    for (int tx1 = tx0; tx1 < tilesX; tx1++)
                    {
                        for (int ty0 = 0; ty0 < tilesY; ty0++)
                        {
                            for (int ty1 = ty0; ty1 < tilesY; ty1++)
                            {
                                bool holds = sx >= tx0 && sx <= tx1 && sy >= ty0 && sy <= ty1;
                                int u0 = tx0 * DepthTiles.TileSize, u1 = (tx1 * DepthTiles.TileSize) + 3, v0 = ty0 * DepthTiles.TileSize, v1 = ty1 * DepthTiles.TileSize;
                                Assert.Equal(holds ? 7f : 1f, tiles.DeepestOfTiles(u0, u1, v0, v1));
                                Assert.Equal(holds ? 0.05f : 0.5f, tiles.ShallowestOfTiles(u0, u1, v0, v1));
                            }
                        }
                    }
                }
            }
        }
    }
}
