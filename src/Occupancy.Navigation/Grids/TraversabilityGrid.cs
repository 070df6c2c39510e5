using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// Per voxel column, what it costs an agent to cross: 1 is ideal ground, more is costlier (near obstacles, steep,
/// rough), +∞ impassable, NaN unknown (under <see cref="UnknownPolicy.Report"/>). Cell (0, 0) is the column of the
/// region's lowest corner; world frame, metres, z up.
/// </summary>
/// <remarks>Threads: immutable once built, so safe to share between threads.</remarks>
public sealed class TraversabilityGrid : ColumnGrid
{
    private readonly float[] _cost;

    private readonly float[]? _surface;

    internal TraversabilityGrid(int originX, int originY, int width, int height, double resolution, float[] cost, float[]? surface = null, float maxStepUp = float.PositiveInfinity, float maxStepDown = float.PositiveInfinity)
        : base(originX, originY, width, height, resolution)
    {
        _cost = cost;
        _surface = surface;
        MaxStepUp = maxStepUp;
        MaxStepDown = maxStepDown;
    }

    /// <summary>Highest rise between neighbouring cells a move may take (metres); +∞ when moves are not limited.</summary>
    public float MaxStepUp { get; }

    /// <summary>Largest drop between neighbouring cells a move may take (metres); +∞ when moves are not limited.</summary>
    public float MaxStepDown { get; }

    /// <summary>
    /// True when moving from one cell to a neighbouring one respects the step limits (up and down may differ, so this
    /// depends on the direction). Cells without a known surface height are not limited here.
    /// </summary>
    public bool IsMoveAllowed(int fromX, int fromY, int toX, int toY)
    {
        if (_surface is null || (uint)fromX >= (uint)Width || (uint)fromY >= (uint)Height || (uint)toX >= (uint)Width || (uint)toY >= (uint)Height)
        {
            return true;
        }

        float rise = _surface[(toY * Width) + toX] - _surface[(fromY * Width) + fromX];
        return float.IsNaN(rise) || (rise <= MaxStepUp + 1e-4f && -rise <= MaxStepDown + 1e-4f);
    }

    /// <summary>All costs, row-major (x fastest).</summary>
    public ReadOnlySpan<float> Costs => _cost;

    /// <summary>Cost of cell (x, y); +∞ outside the grid.</summary>
    public float this[int x, int y] => (uint)x < (uint)Width && (uint)y < (uint)Height ? _cost[(y * Width) + x] : float.PositiveInfinity;

    /// <summary>True when the cell can be crossed (finite cost).</summary>
    public bool IsPassable(int x, int y) => float.IsFinite(this[x, y]);

    internal static void CheckFinite(float value, string name, bool positive)
    {
        if (!float.IsFinite(value) || value < 0 || (positive && value == 0))
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite and {(positive ? "positive" : "not negative")}, but was {value}."));
        }
    }
}
