using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

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
    private KernelWidth _width;

    public int TilesX { get; private set; }

    public int TilesY { get; private set; }

    /// <summary>Sizes the tile grid for an image; then <see cref="SetTileRow"/> fills it, one tile row at a time (rows may run in parallel).</summary>
    /// <param name="width">Image width, pixels.</param>
    /// <param name="height">Image height, pixels.</param>
    /// <param name="kernel">The projective family's implementation: 256-bit reductions from <see cref="KernelWidth.Vector256"/> on.</param>
    public void Prepare(int width, int height, KernelWidth kernel)
    {
        _width = kernel;
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
    public float DeepestOfTiles(int u0, int u1, int v0, int v1) => OfTiles(_max, u0, u1, v0, v1, deepest: true);

    /// <summary>
    /// At most the shallowest depth of pixels [<paramref name="u0"/>, <paramref name="u1"/>] × [<paramref name="v0"/>,
    /// <paramref name="v1"/>] (inside the image), a pixel without a return counting as 0: the shallowest of the tiles that
    /// cover them.
    /// </summary>
    public float ShallowestOfTiles(int u0, int u1, int v0, int v1) => OfTiles(_min, u0, u1, v0, v1, deepest: false);

    /// <summary>
    /// Sets tile row <paramref name="ty"/> from the deepest return (0 for none) and the shallowest depth (0 where a pixel
    /// has no return) of each column over the tile row's pixel rows, as <see cref="EndpointKernel"/> keeps them.
    /// </summary>
    public void SetTileRow(int ty, ReadOnlySpan<float> columnMax, ReadOnlySpan<float> columnMin)
    {
        int tx = 0;
        if (_width >= KernelWidth.Vector256)
        {
            // Whole tiles as two vectors of columns each. The scalar loop below (3% of a one-thread frame in a profile of
            // the standard room) is the reference, and does a partial last tile.
            for (; ((tx + 1) << TileShift) <= columnMax.Length; tx++)
            {
                int u0 = tx << TileShift;
                _max[(ty * TilesX) + tx] = Across(Pick(Vector256.Create(columnMax.Slice(u0, 8)), Vector256.Create(columnMax.Slice(u0 + 8, 8)), deepest: true), deepest: true);
                _min[(ty * TilesX) + tx] = Across(Pick(Vector256.Create(columnMin.Slice(u0, 8)), Vector256.Create(columnMin.Slice(u0 + 8, 8)), deepest: false), deepest: false);
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

    /// <summary>The deepest (or shallowest) of the tiles covering the window, starting from 0 (or float.MaxValue).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float OfTiles(float[] tiles, int u0, int u1, int v0, int v1, bool deepest)
    {
        int tx0 = u0 >> TileShift, tx1 = u1 >> TileShift, ty0 = v0 >> TileShift, ty1 = v1 >> TileShift;
        int n = tx1 - tx0 + 1;
        float extreme = deepest ? 0 : float.MaxValue;
        if (_width >= KernelWidth.Vector256 && n >= Vector256<float>.Count)
        {
            // Rows of 8 tiles or more (a brick's window spans 7-13 across; the scalar scans were a fifth of the brick
            // pass's own time): each row as vectors, the last one overlapping the one before (an extreme does not mind
            // seeing a tile twice).
            Vector256<float> acc = Vector256.Create(extreme);
            for (int ty = ty0; ty <= ty1; ty++)
            {
                ReadOnlySpan<float> row = tiles.AsSpan((ty * TilesX) + tx0, n);
                for (int i = 0; i < n; i += Vector256<float>.Count)
                {
                    acc = Pick(acc, Vector256.Create(row.Slice(Math.Min(i, n - Vector256<float>.Count), Vector256<float>.Count)), deepest);
                }
            }

            return Across(acc, deepest);
        }

        for (int ty = ty0; ty <= ty1; ty++)
        {
            foreach (float d in tiles.AsSpan((ty * TilesX) + tx0, n))
            {
                extreme = deepest ? (d > extreme ? d : extreme) : (d < extreme ? d : extreme);
            }
        }

        return extreme;
    }

    /// <summary>
    /// The lane-wise maximum (deepest) or minimum. The native instructions: tiles and columns hold no NaN and no −0
    /// (returns are positive, the rest 0 or float.MaxValue), so they give the scalar comparisons' answers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pick(Vector256<float> a, Vector256<float> b, bool deepest) =>
        deepest ? Vector256.MaxNative(a, b) : Vector256.MinNative(a, b);

    /// <summary>The maximum (deepest) or minimum of the 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Across(Vector256<float> v, bool deepest)
    {
        Vector128<float> m = deepest ? Vector128.MaxNative(v.GetLower(), v.GetUpper()) : Vector128.MinNative(v.GetLower(), v.GetUpper());
        Vector128<float> swapped = Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1));
        m = deepest ? Vector128.MaxNative(m, swapped) : Vector128.MinNative(m, swapped);
        swapped = Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2));
        m = deepest ? Vector128.MaxNative(m, swapped) : Vector128.MinNative(m, swapped);
        return m.ToScalar();
    }
}
