using System;

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
    private const int CoarseShift = 2; // a coarse cell is 4 × 4 tiles (64 × 64 pixels)
    private float[] _max = [];
    private float[] _min = [];
    private float[] _coarse = [];
    private float[] _coarseMin = [];
    private int _coarseX, _coarseY;

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

        _coarseX = (TilesX + (1 << CoarseShift) - 1) >> CoarseShift;
        _coarseY = (TilesY + (1 << CoarseShift) - 1) >> CoarseShift;
        if (_coarse.Length < _coarseX * _coarseY)
        {
            _coarse = new float[_coarseX * _coarseY];
            _coarseMin = new float[_coarseX * _coarseY];
        }
    }

    /// <summary>The coarse levels (each cell the deepest, and the shallowest, of 4 × 4 tiles), once every tile row is set.</summary>
    public void BuildCoarse()
    {
        Array.Clear(_coarse, 0, _coarseX * _coarseY);
        Array.Fill(_coarseMin, float.MaxValue, 0, _coarseX * _coarseY);
        for (int ty = 0; ty < TilesY; ty++)
        {
            for (int tx = 0; tx < TilesX; tx++)
            {
                int cell = ((ty >> CoarseShift) * _coarseX) + (tx >> CoarseShift), tile = (ty * TilesX) + tx;
                _coarse[cell] = _max[tile] > _coarse[cell] ? _max[tile] : _coarse[cell];
                _coarseMin[cell] = _min[tile] < _coarseMin[cell] ? _min[tile] : _coarseMin[cell];
            }
        }
    }

    /// <summary>
    /// At most the shallowest depth of pixels [<paramref name="u0"/>, <paramref name="u1"/>] × [<paramref name="v0"/>,
    /// <paramref name="v1"/>] (inside the image), a pixel without a return counting as 0: the shallowest of the tiles
    /// that cover them, or of the coarse cells when that is more than 64 tiles (coarse cells over a near brick's window
    /// take in the floor at its feet, and find a third fewer bricks in front), stopping once it falls to
    /// <paramref name="enough"/> or below.
    /// </summary>
    public float ShallowestOver(int u0, int u1, int v0, int v1, float enough)
    {
        int tx0 = u0 >> TileShift, tx1 = u1 >> TileShift, ty0 = v0 >> TileShift, ty1 = v1 >> TileShift;
        float[] cells = _min;
        int stride = TilesX;
        if ((tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 64)
        {
            (tx0, tx1, ty0, ty1) = (tx0 >> CoarseShift, tx1 >> CoarseShift, ty0 >> CoarseShift, ty1 >> CoarseShift);
            cells = _coarseMin;
            stride = _coarseX;
        }

        float shallowest = float.MaxValue;
        for (int ty = ty0; ty <= ty1; ty++)
        {
            for (int tx = tx0; tx <= tx1; tx++)
            {
                float d = cells[(ty * stride) + tx];
                shallowest = d < shallowest ? d : shallowest;
            }

            if (shallowest <= enough)
            {
                break;
            }
        }

        return shallowest;
    }

    /// <summary>
    /// At least the deepest return of pixels [<paramref name="u0"/>, <paramref name="u1"/>] × [<paramref name="v0"/>,
    /// <paramref name="v1"/>] (inside the image): the deepest of the tiles that cover them, or of the coarse cells when
    /// that is more than 16 tiles (a brick near the camera covers a hundred), stopping once it reaches
    /// <paramref name="enough"/>.
    /// </summary>
    public float DeepestOver(int u0, int u1, int v0, int v1, float enough)
    {
        int tx0 = u0 >> TileShift, tx1 = u1 >> TileShift, ty0 = v0 >> TileShift, ty1 = v1 >> TileShift;
        float[] cells = _max;
        int stride = TilesX;
        if ((tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 16)
        {
            (tx0, tx1, ty0, ty1) = (tx0 >> CoarseShift, tx1 >> CoarseShift, ty0 >> CoarseShift, ty1 >> CoarseShift);
            cells = _coarse;
            stride = _coarseX;
        }

        float deepest = 0;
        for (int ty = ty0; ty <= ty1; ty++)
        {
            for (int tx = tx0; tx <= tx1; tx++)
            {
                float d = cells[(ty * stride) + tx];
                deepest = d > deepest ? d : deepest;
            }

            if (deepest >= enough)
            {
                break;
            }
        }

        return deepest;
    }

    /// <summary>
    /// Sets tile row <paramref name="ty"/> from the deepest return (0 for none) and the shallowest depth (0 where a pixel
    /// has no return) of each column over the tile row's pixel rows, as <see cref="EndpointKernel"/> keeps them.
    /// </summary>
    public void SetTileRow(int ty, ReadOnlySpan<float> columnMax, ReadOnlySpan<float> columnMin)
    {
        for (int tx = 0; tx < TilesX; tx++)
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
