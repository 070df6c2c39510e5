namespace Occupancy.Files;

/// <summary>How <see cref="OccupancyFile"/> stores the chunks of a map.</summary>
public enum OccupancyCompression
{
    /// <summary>As is: the fastest to load, the largest file.</summary>
    None = 0,

    /// <summary>Each chunk an LZ4 block where that makes it smaller (the default): the standard room's map 16 times smaller, saved at several GB/s.</summary>
    Lz4 = 1,
}
