namespace Occupancy;

/// <summary>
/// Whether a box of cells holds more than a limit, computed without overflow: sides of 2^24 cells (the map's key
/// range) have a cube that wraps a long, and a wrapped count once passed such checks.
/// </summary>
internal static class BoxSize
{
    /// <summary>True when <paramref name="nx"/> × <paramref name="ny"/> × <paramref name="nz"/> exceeds <paramref name="limit"/>.</summary>
    /// <param name="nx">Cells along x, at least 1.</param>
    /// <param name="ny">Cells along y, at least 1.</param>
    /// <param name="nz">Cells along z, at least 1.</param>
    /// <param name="limit">The most cells allowed, at least 0.</param>
    /// <returns>Whether the product exceeds the limit (each side is compared by division, so nothing overflows).</returns>
    public static bool Exceeds(long nx, long ny, long nz, long limit) =>
        nx > limit || ny > limit / nx || nz > limit / (nx * ny);
}
