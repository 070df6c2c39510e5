using System.Numerics;
using BenchmarkDotNet.Attributes;
using Occupancy.Navigation;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>The derived layers on the standard room's map: costmap, elevation map, distance field, traversability, planning.</summary>
[MemoryDiagnoser]
public class AgentBenchmarks
{
    private static readonly Aabb Room = new(new Vector3(-5, -5, 0.05f), new Vector3(5, 5, 2.95f));
    private static readonly Aabb Floor = new(new Vector3(-5, -5, -0.2f), new Vector3(5, 5, 2.95f));
    private OccupancyMap _map = null!;
    private CostmapOptions _options = null!;
    private TraversabilityGrid _grid = null!;
    private readonly WheeledAgent _wheeled = new() { Footprint = Footprint.Circle(0.3f), Unknown = UnknownPolicy.TreatAsFree };

    [GlobalSetup]
    public void Setup()
    {
        _map = RoomData.IntegratedMap();

        _options = new CostmapOptions { MinObstacleHeight = 0.05f, MaxObstacleHeight = 1.5f, InscribedRadius = 0.3f, InflationRadius = 0.8f, Unknown = UnknownPolicy.Report };
        _grid = _wheeled.Traversability(_map, Floor);
    }

    [Benchmark(Description = "costmap 200x200 with inflation")]
    public Costmap2D Costmap() => Costmap2D.Build(_map, Room, _options);

    [Benchmark(Description = "elevation map 200x200")]
    public ElevationMap Elevation() => ElevationMap.Build(_map, Floor, 0.5f);

    [Benchmark(Description = "distance field 200x200x20 (1 m slab)")]
    public DistanceField Distance() => DistanceField.Compute(_map, new Aabb(new Vector3(-5, -5, 0.05f), new Vector3(5, 5, 1.05f)), UnknownPolicy.TreatAsFree);

    [Benchmark(Description = "wheeled traversability 200x200")]
    public TraversabilityGrid Traversability() => _wheeled.Traversability(_map, Floor);

    [Benchmark(Description = "A* across the room")]
    public PathResult Plan() => GridPlanner.FindPath(_grid, new Vector2(-2.5f, -2.5f), new Vector2(2.5f, 2.5f));
}
