using System;
using System.Runtime.Intrinsics;

namespace Occupancy.Integration;

/// <summary>
/// The deepest return in each 16 × 16 pixel tile of a depth image (0 where a tile has none), and the shallowest depth (0
/// where a pixel has no return). The brick pass uses the first to skip bricks that lie entirely behind every surface
/// their voxel centres project onto (they cannot change), the second to find bricks wholly in front of them (every voxel
/// that projects into the image is free, without reading the image).
/// </summary>
internal sealed class DepthTiles
{
    public const int TileShift = 4;
    public const int TileSize = 1 << TileShift;
    private float[] _max = [];
    private float[] _min = [];

    public int TilesX { get; private set; }

    public int TilesY { get; private set; }

    /// <summary>Sizes the tile grid for an image; then <see cref="SetTileRow"/> fills it, one tile row at a time (rows may run in parallel).</summary>
    public void Prepare(int width, int height)
    {
        TilesX = (width + TileSize - 1) >> TileShift;
        TilesY = (height + TileSize - 1) >> TileShift;
        if (_max.Length < TilesX * TilesY)
        {
            _max = new float[TilesX * TilesY];
            _min = new float[TilesX * TilesY];
        }
    }

    /// <summary>
    /// At least the deepest return of pixels [<paramref name="u0"/>, <paramref name="u1"/>] × [<paramref name="v0"/>,
    /// <paramref name="v1"/>] (inside the image): the deepest of the tiles that cover them, 0 for none. Every tile is
    /// read (a brick 2 m away covers about 50, one at 1 m about 170; coarser cells of 4 × 4 tiles for large windows,
    /// and stopping at a threshold, left bricks and rows unculled that lie behind every surface they face).
    /// </summary>
    public float DeepestOfTiles(int u0, int u1, int v0, int v1)
    {
        int tx0 = u0 >> TileShift, tx1 = u1 >> TileShift, ty0 = v0 >> TileShift, ty1 = v1 >> TileShift;
        float deepest = 0;
        int n = tx1 - tx0 + 1;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            // Rows of 8 tiles or more (a brick's window spans 7-13 across): each row as vectors, the last one
            // overlapping the one before (a maximum does not mind seeing a tile twice); tiles hold no NaN.
            Vector256<float> acc = Vector256<float>.Zero;
            for (int ty = ty0; ty <= ty1; ty++)
            {
                ReadOnlySpan<float> row = _max.AsSpan((ty * TilesX) + tx0, n);
                for (int i = 0; i < n; i += Vector256<float>.Count)
                {
                    acc = Vector256.MaxNative(acc, Vector256.Create(row.Slice(Math.Min(i, n - Vector256<float>.Count), Vector256<float>.Count)));
                }
            }

            Vector128<float> m = Vector128.MaxNative(acc.GetLower(), acc.GetUpper());
            m = Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
            m = Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
            return m.ToScalar();
        }

        for (int ty = ty0; ty <= ty1; ty++)
        {
            ReadOnlySpan<float> row = _max.AsSpan((ty * TilesX) + tx0, n);
            foreach (float d in row)
            {
                deepest = d > deepest ? d : deepest;
            }
        }

        return deepest;
    }

    /// <summary>
    /// At most the shallowest depth of pixels [<paramref name="u0"/>, <paramref name="u1"/>] × [<paramref name="v0"/>,
    /// <paramref name="v1"/>] (inside the image), a pixel without a return counting as 0: the shallowest of the tiles that
    /// cover them.
    /// </summary>
    public float ShallowestOfTiles(int u0, int u1, int v0, int v1)
    {
        int tx0 = u0 >> TileShift, tx1 = u1 >> TileShift, ty0 = v0 >> TileShift, ty1 = v1 >> TileShift;
        float shallowest = float.MaxValue;
        int n = tx1 - tx0 + 1;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            // As DeepestOfTiles: rows as vectors, the last overlapping; tiles hold no NaN.
            Vector256<float> acc = Vector256.Create(float.MaxValue);
            for (int ty = ty0; ty <= ty1; ty++)
            {
                ReadOnlySpan<float> row = _min.AsSpan((ty * TilesX) + tx0, n);
                for (int i = 0; i < n; i += Vector256<float>.Count)
                {
                    acc = Vector256.MinNative(acc, Vector256.Create(row.Slice(Math.Min(i, n - Vector256<float>.Count), Vector256<float>.Count)));
                }
            }

            Vector128<float> m = Vector128.MinNative(acc.GetLower(), acc.GetUpper());
            m = Vector128.MinNative(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
            m = Vector128.MinNative(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
            return m.ToScalar();
        }

        for (int ty = ty0; ty <= ty1; ty++)
        {
            ReadOnlySpan<float> row = _min.AsSpan((ty * TilesX) + tx0, n);
            foreach (float d in row)
            {
                shallowest = d < shallowest ? d : shallowest;
            }
        }

        return shallowest;
    }

    /// <summary>
    /// Sets tile row <paramref name="ty"/> from the deepest return (0 for none) and the shallowest depth (0 where a pixel
    /// has no return) of each column over the tile row's pixel rows, as <see cref="EndpointKernel"/> keeps them.
    /// </summary>
    public void SetTileRow(int ty, ReadOnlySpan<float> columnMax, ReadOnlySpan<float> columnMin)
    {
        int tx = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Whole tiles as two vectors of columns each; the columns hold no NaN and no −0 (returns are positive, the
            // rest 0), so the native max and min give the scalar loop's answers. The scalar loop below (3% of a
            // one-thread frame in a profile of the standard room) is the reference, and does a partial last tile.
            for (; ((tx + 1) << TileShift) <= columnMax.Length; tx++)
            {
                int u0 = tx << TileShift;
                Vector256<float> deep = Vector256.MaxNative(Vector256.Create(columnMax.Slice(u0, 8)), Vector256.Create(columnMax.Slice(u0 + 8, 8)));
                Vector256<float> shallow = Vector256.MinNative(Vector256.Create(columnMin.Slice(u0, 8)), Vector256.Create(columnMin.Slice(u0 + 8, 8)));
                Vector128<float> d = Vector128.MaxNative(deep.GetLower(), deep.GetUpper());
                Vector128<float> m = Vector128.MinNative(shallow.GetLower(), shallow.GetUpper());
                d = Vector128.MaxNative(d, Vector128.Shuffle(d, Vector128.Create(2, 3, 0, 1)));
                m = Vector128.MinNative(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
                d = Vector128.MaxNative(d, Vector128.Shuffle(d, Vector128.Create(1, 0, 3, 2)));
                m = Vector128.MinNative(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
                _max[(ty * TilesX) + tx] = Math.Max(d.ToScalar(), 0f);
                _min[(ty * TilesX) + tx] = Math.Min(m.ToScalar(), float.MaxValue);
            }
        }

        for (; tx < TilesX; tx++)
        {
            int u0 = tx << TileShift, n = Math.Min(TileSize, columnMax.Length - u0);
            float deepest = 0, shallowest = float.MaxValue;
            for (int u = u0; u < u0 + n; u++)
            {
                deepest = columnMax[u] > deepest ? columnMax[u] : deepest;
                shallowest = columnMin[u] < shallowest ? columnMin[u] : shallowest;
            }

            _max[(ty * TilesX) + tx] = deepest;
            _min[(ty * TilesX) + tx] = shallowest;
        }
    }
}
