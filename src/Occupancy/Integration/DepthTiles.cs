using System;

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

    /// <summary>Sizes the tile grid for an image; then <see cref="SetTileRow"/> fills it, one tile row at a time (rows may run in parallel).</summary>
    public void Prepare(int width, int height)
    {
        TilesX = (width + TileSize - 1) >> TileShift;
        TilesY = (height + TileSize - 1) >> TileShift;
        if (_max.Length < TilesX * TilesY)
        {
            _max = new float[TilesX * TilesY];
        }
    }

    /// <summary>
    /// Sets tile row <paramref name="ty"/> from the deepest return of each column over the tile row's pixel rows
    /// (0 for none), as <see cref="EndpointKernel"/> keeps them.
    /// </summary>
    public void SetTileRow(int ty, ReadOnlySpan<float> columnMax)
    {
        for (int tx = 0; tx < TilesX; tx++)
        {
            int u0 = tx << TileShift;
            ReadOnlySpan<float> columns = columnMax.Slice(u0, Math.Min(TileSize, columnMax.Length - u0));
            float deepest = 0;
            foreach (float d in columns)
            {
                deepest = d > deepest ? d : deepest;
            }

            _max[(ty * TilesX) + tx] = deepest;
        }
    }
}
