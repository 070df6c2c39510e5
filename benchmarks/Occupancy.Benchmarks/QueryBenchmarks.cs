using System.Numerics;
using BenchmarkDotNet.Attributes;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>Queries on the standard room's map: 100 000 lookups or 10 000 ray casts of up to 10 m per operation.</summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    public const int Lookups = 100_000;
    public const int Rays = 10_000;
    private OccupancyMap _map = null!;
    private Vector3[] _points = null!;
    private VoxelState[] _states = null!;
    private Vector3[] _rayOrigins = null!;
    private Vector3[] _rayDirections = null!;

    [GlobalSetup]
    public void Setup()
    {
        _map = RoomData.IntegratedMap();

        var random = new Random(42);
        _points = new Vector3[Lookups];
        for (int i = 0; i < _points.Length; i++)
        {
            _points[i] = new Vector3((random.NextSingle() * 10) - 5, (random.NextSingle() * 10) - 5, random.NextSingle() * 3);
        }

        _states = new VoxelState[Lookups];
        _rayOrigins = new Vector3[Rays];
        _rayDirections = new Vector3[Rays];
        for (int i = 0; i < Rays; i++)
        {
            float a = random.NextSingle() * 2 * MathF.PI;
            _rayOrigins[i] = new Vector3(2.5f * MathF.Cos(a), 2.5f * MathF.Sin(a), 0.5f + (random.NextSingle() * 2));
            _rayDirections[i] = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, (random.NextSingle() - 0.5f) * 0.5f));
        }
    }

    [Benchmark(Description = "point lookups, batched (100k)", OperationsPerInvoke = Lookups)]
    public void LookupBatched() => _map.GetStates(_points, _states);

    [Benchmark(Description = "point lookups, one call each (100k)", OperationsPerInvoke = Lookups)]
    public int LookupSingle()
    {
        int occupied = 0;
        foreach (Vector3 p in _points)
        {
            occupied += _map.GetState(p) == VoxelState.Occupied ? 1 : 0;
        }

        return occupied;
    }

    [Benchmark(Description = "ray cast to first occupied, 10 m (10k)", OperationsPerInvoke = Rays)]
    public int CastRays()
    {
        int hits = 0;
        for (int i = 0; i < Rays; i++)
        {
            hits += _map.CastRay(_rayOrigins[i], _rayDirections[i], 10f, UnknownPolicy.TreatAsFree).IsHit ? 1 : 0;
        }

        return hits;
    }

    [Benchmark(Description = "count voxels (whole map)")]
    public VoxelCounts Count() => _map.CountVoxels();
}
