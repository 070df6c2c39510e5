using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace Occupancy.Benchmarks;

/// <summary>
/// Decay over the standard room's map (3,600-odd bricks, 7.3 MB of log-odds): the whole sweep as a user runs it
/// (<see cref="DecayPolicy.Apply"/>, all cores), the fused kernel on one thread by width, and, for comparison on one
/// thread, TensorPrimitives.Multiply over the same bricks (the scaling alone, without the forget threshold and the
/// known count that the fused kernel also does). The half-life is so long that the factor rounds to 1: every call does
/// the same work on the same values.
/// </summary>
public class DecayBenchmarks
{
    private OccupancyMap _map = null!;
    private DecayPolicy _policy = null!;
    private int[] _slots = null!;
    private double _time;

    [Params("scalar", "vector256", "vector512")]
    public string Kernel { get; set; } = "vector512";

    [GlobalSetup]
    public void Setup()
    {
        _map = RoomData.IntegratedMap();
        _policy = DecayPolicy.Exponential(halfLife: 1e12);
        _policy.Apply(_map, 0);
        _slots = Enumerable.Range(0, _map.SlotCapacity).Where(_map.HasBrick).ToArray();
    }

    [Benchmark(Description = "DecayPolicy.Apply, whole map, all cores")]
    public DecayResult Sweep() => _policy.Apply(_map, _time += 0.1);

    [Benchmark(Description = "fused decay kernel, one thread")]
    public int Kernel1Thread()
    {
        KernelWidth width = KernelNames.TryParse(Kernel, out KernelWidth w) && KernelFamilies.Decay.Runs(w) ? w : KernelWidth.Scalar;
        int known = 0;
        foreach (int slot in _slots)
        {
            known += DecayKernel.Decay(_map.BrickAt(slot), 1f, 0f, 0.05f, width).Known;
        }

        return known;
    }

    [Benchmark(Description = "TensorPrimitives.Multiply, one thread")]
    public int TensorPrimitivesMultiply1Thread()
    {
        foreach (int slot in _slots)
        {
            Span<float> voxels = _map.BrickAt(slot);
            TensorPrimitives.Multiply(voxels, 1f, voxels);
        }

        return _slots.Length;
    }
}
