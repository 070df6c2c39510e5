using System;
using System.Numerics;

namespace Occupancy.Integration;

/// <summary>
/// The deepest return in each 16 × 16 pixel tile of a depth image (0 where a tile has none). The brick pass uses it to
/// skip bricks that lie entirely behind every surface their voxel centres project onto: such bricks cannot change.
/// </summary>
internal sealed class DepthTiles
{
    public const int TileShift = 4;
    public const int TileSize = 1 << TileShift;
    private float[] _max = [];

    public int TilesX { get; private set; }

    public int TilesY { get; private set; }

    public ReadOnlySpan<float> Max => _max.AsSpan(0, TilesX * TilesY);

    public void Compute(ReadOnlySpan<float> depth, int width, int height)
    {
        Prepare(width, height);
        for (int ty = 0; ty < TilesY; ty++)
        {
            ComputeTileRow(depth, width, height, ty);
        }
    }

    /// <summary>Sizes the tile grid for an image; then <see cref="ComputeTileRow"/> fills it, one tile row at a time (rows may run in parallel).</summary>
    public void Prepare(int width, int height)
    {
        TilesX = (width + TileSize - 1) >> TileShift;
        TilesY = (height + TileSize - 1) >> TileShift;
        if (_max.Length < TilesX * TilesY)
        {
            _max = new float[TilesX * TilesY];
        }
    }

    /// <summary>The deepest return of each tile in tile row <paramref name="ty"/>.</summary>
    public void ComputeTileRow(ReadOnlySpan<float> depth, int width, int height, int ty)
    {
        var zero = Vector<float>.Zero;
        var maxValue = new Vector<float>(float.MaxValue);
        {
            for (int tx = 0; tx < TilesX; tx++)
            {
                int u0 = tx << TileShift, u1 = Math.Min(width, u0 + TileSize);
                int v0 = ty << TileShift, v1 = Math.Min(height, v0 + TileSize);
                Vector<float> acc = zero;
                float tail = 0;
                for (int v = v0; v < v1; v++)
                {
                    ReadOnlySpan<float> row = depth.Slice((v * width) + u0, u1 - u0);
                    int u = 0;
                    for (; u <= row.Length - Vector<float>.Count; u += Vector<float>.Count)
                    {
                        var d = new Vector<float>(row.Slice(u));
                        Vector<int> ok = Vector.GreaterThan(d, zero) & Vector.LessThanOrEqual(d, maxValue);
                        acc = Vector.Max(acc, Vector.ConditionalSelect(ok, d, zero));
                    }

                    for (; u < row.Length; u++)
                    {
                        float d = row[u];
                        if (d > 0 && d <= float.MaxValue)
                        {
                            tail = Math.Max(tail, d);
                        }
                    }
                }

                for (int i = 0; i < Vector<float>.Count; i++)
                {
                    tail = Math.Max(tail, acc[i]);
                }

                _max[(ty * TilesX) + tx] = tail;
            }
        }
    }
}
