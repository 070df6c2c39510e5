namespace Occupancy.Synthetic;

/// <summary>Semantic class of a synthetic surface, carried into ground truth.</summary>
public enum SemanticClass : byte
{
    /// <summary>No class.</summary>
    Unlabelled = 0,

    /// <summary>Walkable ground: floors, roads, terrain.</summary>
    Ground = 1,

    /// <summary>Walls and building fronts.</summary>
    Wall = 2,

    /// <summary>Ceilings and overhangs.</summary>
    Ceiling = 3,

    /// <summary>Furniture and clutter: boxes, tables.</summary>
    Furniture = 4,
}
