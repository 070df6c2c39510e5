using System;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// A 2D grid over the map's voxel columns: cell (x, y) is column (<see cref="OriginX"/> + x, <see cref="OriginY"/> + y),
/// covering world x from (OriginX + x)·r to (OriginX + x + 1)·r and likewise for y; row 0 at the lowest y.
/// World frame: metres, z up. The base of the costmap, the elevation map and the traversability grid.
/// </summary>
/// <remarks>Threads: immutable once built, so safe to share between threads.</remarks>
public abstract class ColumnGrid
{
    /// <summary>Creates the grid geometry.</summary>
    /// <param name="originX">Voxel x index of column 0.</param>
    /// <param name="originY">Voxel y index of row 0.</param>
    /// <param name="width">Cells along x.</param>
    /// <param name="height">Cells along y.</param>
    /// <param name="resolution">Cell edge, metres.</param>
    private protected ColumnGrid(int originX, int originY, int width, int height, double resolution)
    {
        OriginX = originX;
        OriginY = originY;
        Width = width;
        Height = height;
        Resolution = resolution;
    }

    /// <summary>Voxel x index of column 0.</summary>
    public int OriginX { get; }

    /// <summary>Voxel y index of row 0.</summary>
    public int OriginY { get; }

    /// <summary>Cells along x.</summary>
    public int Width { get; }

    /// <summary>Cells along y.</summary>
    public int Height { get; }

    /// <summary>Cell edge, metres.</summary>
    public double Resolution { get; }

    /// <summary>The cell holding a world point (x and y; z is ignored), or false outside the grid.</summary>
    /// <param name="point">World frame, metres.</param>
    /// <param name="x">Cell column.</param>
    /// <param name="y">Cell row.</param>
    public bool TryGetCell(Vector3 point, out int x, out int y)
    {
        x = (int)Math.Floor(point.X / Resolution) - OriginX;
        y = (int)Math.Floor(point.Y / Resolution) - OriginY;
        return float.IsFinite(point.X) && float.IsFinite(point.Y) && (uint)x < (uint)Width && (uint)y < (uint)Height;
    }

    /// <summary>World coordinates (x, y) of a cell's centre, metres.</summary>
    /// <param name="x">Cell column.</param>
    /// <param name="y">Cell row.</param>
    public Vector2 CenterOf(int x, int y) => new((float)((OriginX + x + 0.5) * Resolution), (float)((OriginY + y + 0.5) * Resolution));

    /// <summary>True when (x, y) is a cell of the grid.</summary>
    private protected bool Contains(int x, int y) => (uint)x < (uint)Width && (uint)y < (uint)Height;
}
