using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Occupancy;

/// <summary>
/// A dense directory of brick slots over the box of brick coordinates the map has touched: finding a brick is an
/// index computation and one load, where the hash table costs a multiply and a probe (about 10 ns a lookup on the
/// standard room, against 2 to 3 ns here). It covers at most <see cref="MaxCells"/> bricks; a map that spreads wider
/// keeps the grid it has and finds bricks outside it through the hash table, which holds every brick added while the
/// grid could not hold it (and keeps it when a grown grid covers it later). A grid that replaces another covers every
/// brick the map has (it grows, or is rebuilt, around them all), so each brick is in the grid, the table, or both.
/// </summary>
/// <remarks>
/// Lookups are lock-free and may run while one writer adds bricks: a cell is written only after the brick is
/// published, and a grown grid is complete before it replaces the old one. A lookup that misses a brick being added
/// at that moment reports it absent, which callers handle as they do for the hash table (they add under the map's lock).
/// </remarks>
internal sealed class BrickGrid
{
    /// <summary>Largest number of cells (4 bytes each: 32 MiB).</summary>
    public const int MaxCells = 8 << 20;

    private Cells? _cells;

    // The box of the bricks recorded, and of boxes reserved for scans, since the grid was last cleared (without the
    // margins a grid adds around it): margins are taken from it, so that growth along one axis does not widen the
    // others again and again.
    private int _minX = int.MaxValue, _minY = int.MaxValue, _minZ = int.MaxValue, _maxX = int.MinValue, _maxY = int.MinValue, _maxZ = int.MinValue;

    /// <summary>How many times the grid was built anew, grown or rebuilt (tests).</summary>
    public int Growths { get; private set; }

    public long MemoryBytes => _cells is null ? 0 : (long)_cells.Slots.Length * sizeof(int);

    /// <summary>The slot of a brick: −1 when the grid knows it is absent, −2 when the brick lies outside the grid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(int bx, int by, int bz)
    {
        Cells? c = Volatile.Read(ref _cells);
        if (c is null)
        {
            return -2;
        }

        uint x = (uint)(bx - c.X0), y = (uint)(by - c.Y0), z = (uint)(bz - c.Z0);
        if (x >= (uint)c.Nx || y >= (uint)c.Ny || z >= (uint)c.Nz)
        {
            return -2;
        }

        return Volatile.Read(ref c.Slots[(int)((((z * (uint)c.Ny) + y) * (uint)c.Nx) + x)]);
    }

    /// <summary>Records a brick (one writer at a time), growing the grid to cover it when that stays within bounds.</summary>
    /// <param name="bx">Brick x.</param>
    /// <param name="by">Brick y.</param>
    /// <param name="bz">Brick z.</param>
    /// <param name="slot">Its slot, or −1 to record that it was removed.</param>
    /// <param name="allBricks">Every brick of the map as (x, y, z, slot), to fill a grown grid.</param>
    /// <returns>True when the grid holds the brick's cell now; false when the brick lies outside any grid it can hold.</returns>
    public bool Set(int bx, int by, int bz, int slot, Func<(int X, int Y, int Z, int Slot)[]> allBricks)
    {
        Cells? c = _cells;
        if (c is null || !c.Contains(bx, by, bz))
        {
            if (slot < 0)
            {
                return false;
            }

            c = Grow(bx, by, bz, allBricks);
            if (c is null)
            {
                // Too wide: this brick goes to the hash table, and stays out of the box recorded, so that the grid still
                // grows around the other bricks (one far brick stopped it for good).
                return false;
            }
        }

        if (slot >= 0)
        {
            Include(bx, by, bz);
        }

        Volatile.Write(ref c.Slots[c.Index(bx, by, bz)], slot);
        return true;
    }

    /// <summary>
    /// Builds the grid anew around the bricks there are now (one writer at a time): the box of what the map has
    /// touched forgets bricks released since, as a rolling window releases them behind a travelling agent.
    /// </summary>
    public void Rebuild(Func<(int X, int Y, int Z, int Slot)[]> allBricks)
    {
        (int X, int Y, int Z, int Slot)[] all = allBricks();
        ForgetBox();
        foreach ((int x, int y, int z, int _) in all)
        {
            Include(x, y, z);
        }

        if (all.Length == 0)
        {
            Volatile.Write(ref _cells, null);
            return;
        }

        // One growth over the whole box (a too-wide box keeps the old grid, whose released cells already read −1).
        Grow(all[0].X, all[0].Y, all[0].Z, () => all);
    }

    public void Clear()
    {
        Volatile.Write(ref _cells, null);
        ForgetBox();
    }

    private void Include(int x, int y, int z)
    {
        (_minX, _minY, _minZ) = (Math.Min(_minX, x), Math.Min(_minY, y), Math.Min(_minZ, z));
        (_maxX, _maxY, _maxZ) = (Math.Max(_maxX, x), Math.Max(_maxY, y), Math.Max(_maxZ, z));
    }

    private void ForgetBox() =>
        (_minX, _minY, _minZ, _maxX, _maxY, _maxZ) = (int.MaxValue, int.MaxValue, int.MaxValue, int.MinValue, int.MinValue, int.MinValue);

    /// <summary>The current grid's origin, size and cells for vectorised lookups; false when there is none.</summary>
    public bool TryGetCells(out int x0, out int y0, out int z0, out int nx, out int ny, out int nz, out int[] slots)
    {
        Cells? c = Volatile.Read(ref _cells);
        if (c is null)
        {
            x0 = y0 = z0 = nx = ny = nz = 0;
            slots = [];
            return false;
        }

        (x0, y0, z0, nx, ny, nz, slots) = (c.X0, c.Y0, c.Z0, c.Nx, c.Ny, c.Nz, c.Slots);
        return true;
    }

    /// <summary>
    /// Grows the grid once to cover a box of bricks that a scan is about to fill (one writer at a time), where it would
    /// otherwise grow brick by brick as the scan's rays reach out: a 360° LiDAR scan regrew it several times, each time
    /// a new array of up to megabytes filled and every brick copied in (with its page faults, a tenth of a fresh build
    /// of a VLP-16 scan at 5 cm). Does nothing when the grid covers the box already or the box is too wide for a grid.
    /// </summary>
    public void Reserve(int x0, int y0, int z0, int x1, int y1, int z1, Func<(int X, int Y, int Z, int Slot)[]> allBricks)
    {
        Cells? c = _cells;
        if (c is not null && c.Contains(x0, y0, z0) && c.Contains(x1, y1, z1))
        {
            return;
        }

        // The reserved box joins the box recorded: the grid keeps covering the bricks it has, and a brick of the scan
        // outside the reserved box (the box is a hint) grows the grid around both rather than back to the bricks so far.
        (int, int, int, int, int, int) recorded = (_minX, _minY, _minZ, _maxX, _maxY, _maxZ);
        Include(x0, y0, z0);
        Include(x1, y1, z1);
        if (GrowTo(_minX, _minY, _minZ, _maxX, _maxY, _maxZ, allBricks) is null)
        {
            (_minX, _minY, _minZ, _maxX, _maxY, _maxZ) = recorded; // too wide: as if never asked
        }
    }

    private Cells? Grow(int bx, int by, int bz, Func<(int X, int Y, int Z, int Slot)[]> allBricks) =>
        // The box of the bricks recorded (this one included), not the old grid's with its margins: margins on margins
        // compounded by half on every axis at every growth, and a long drive grew the grid to megabytes of empty cells.
        GrowTo(Math.Min(bx, _minX), Math.Min(by, _minY), Math.Min(bz, _minZ), Math.Max(bx, _maxX), Math.Max(by, _maxY), Math.Max(bz, _maxZ), allBricks);

    private Cells? GrowTo(int x0, int y0, int z0, int x1, int y1, int z1, Func<(int X, int Y, int Z, int Slot)[]> allBricks)
    {

        // Leave room on every side so that a map growing outwards does not regrow on every brick.
        int mx = Math.Max(4, (x1 - x0 + 1) / 4), my = Math.Max(4, (y1 - y0 + 1) / 4), mz = Math.Max(2, (z1 - z0 + 1) / 4);
        long nx = x1 - x0 + 1 + (2L * mx), ny = y1 - y0 + 1 + (2L * my), nz = z1 - z0 + 1 + (2L * mz);
        if (TooMany(nx, ny, nz))
        {
            nx = x1 - x0 + 1;
            ny = y1 - y0 + 1;
            nz = z1 - z0 + 1;
            mx = my = mz = 0;
            if (TooMany(nx, ny, nz))
            {
                return null;
            }
        }

        var grown = new Cells(x0 - mx, y0 - my, z0 - mz, (int)nx, (int)ny, (int)nz);
        Growths++;
        foreach ((int x, int y, int z, int s) in allBricks())
        {
            if (grown.Contains(x, y, z))
            {
                grown.Slots[grown.Index(x, y, z)] = s;
            }
        }

        Volatile.Write(ref _cells, grown);
        return grown;
    }

    /// <summary>
    /// More cells than <see cref="MaxCells"/>, without overflowing: a map spanning the whole index range has 3 × 2^20
    /// bricks a side with margins, whose cube wraps a long (it did, to a negative count that passed, and the grid was
    /// built with no cells: every later brick threw).
    /// </summary>
    private static bool TooMany(long nx, long ny, long nz) => BoxSize.Exceeds(nx, ny, nz, MaxCells);

    private sealed class Cells
    {
        public readonly int X0, Y0, Z0, Nx, Ny, Nz;
        public readonly int[] Slots;

        public Cells(int x0, int y0, int z0, int nx, int ny, int nz)
        {
            X0 = x0;
            Y0 = y0;
            Z0 = z0;
            Nx = nx;
            Ny = ny;
            Nz = nz;
            Slots = new int[nx * ny * nz];
            Slots.AsSpan().Fill(-1);
        }

        public bool Contains(int x, int y, int z) =>
            (uint)(x - X0) < (uint)Nx && (uint)(y - Y0) < (uint)Ny && (uint)(z - Z0) < (uint)Nz;

        public int Index(int x, int y, int z) => ((((z - Z0) * Ny) + (y - Y0)) * Nx) + (x - X0);
    }
}
