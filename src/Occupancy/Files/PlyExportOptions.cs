namespace Occupancy.Files;

/// <summary>What a PLY export draws for each occupied voxel.</summary>
public enum PlyGeometry
{
    /// <summary>One vertex at the voxel's centre.</summary>
    Points = 0,

    /// <summary>A cube the size of the voxel: 8 vertices and 6 quadrilateral faces.</summary>
    Cubes = 1,
}

/// <summary>How a PLY export colours each occupied voxel.</summary>
public enum PlyColoring
{
    /// <summary>By height (world z): blue at the lowest occupied voxel through green and yellow to red at the highest.</summary>
    Height = 0,

    /// <summary>By semantic class from <see cref="PlyExportOptions.Labels"/>; grey where a voxel has no class.</summary>
    Class = 1,
}

/// <summary>Options of <see cref="PlyFile.SaveVoxels"/>: geometry and colours.</summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record PlyExportOptions
{
    /// <summary>Points (the default) or cubes.</summary>
    public PlyGeometry Geometry { get; init; } = PlyGeometry.Points;

    /// <summary>By height (the default) or by class.</summary>
    public PlyColoring Coloring { get; init; } = PlyColoring.Height;

    /// <summary>The map's semantic layer; required when colouring by class.</summary>
    public SemanticLayer? Labels { get; init; }
}
