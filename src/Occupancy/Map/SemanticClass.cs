namespace Occupancy;

/// <summary>
/// A semantic class, as <see cref="SemanticLayer"/> keeps them and the synthetic scenes label their surfaces. The named
/// classes cover indoor and street scenes; any other id from 10 to 255, cast from a byte, is a class of the caller's own.
/// </summary>
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

    /// <summary>Cars, vans, bicycles.</summary>
    Vehicle = 5,

    /// <summary>People.</summary>
    Pedestrian = 6,

    /// <summary>Trees, hedges, grass.</summary>
    Vegetation = 7,

    /// <summary>Poles, posts, signs.</summary>
    Pole = 8,

    /// <summary>Sidewalks and curbs.</summary>
    Sidewalk = 9,
}
