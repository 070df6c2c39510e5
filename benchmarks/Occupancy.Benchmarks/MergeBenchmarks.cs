using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Occupancy.Fleet;

namespace Occupancy.Benchmarks;

/// <summary>
/// Fleet merges on the standard room: two agents' maps of it (frames 0-9 and 10-19 through the exact point-cloud integrator, about 8,000 bricks each) as
/// evidence, merged one into the other (the bricks exist: the steady state of a region), merged into a new evidence
/// map (bricks made) or into a copy of one (chunks copied), a map's evidence taken (quantize) and the merge read back as a map (clamp once). By merge kernel
/// width, and, for comparison, the integer sums done by TensorPrimitives.Add brick by brick.
/// </summary>
public class MergeBenchmarks
{
    private EvidenceMap _a = null!, _b = null!, _target = null!;
    private OccupancyMap _mapA = null!;
    private KernelSet _kernels = null!;

    [Params("scalar", "vector256", "vector512")]
    public string Kernel { get; set; } = "vector512";

    [GlobalSetup]
    public void Setup()
    {
        KernelWidth width = KernelNames.TryParse(Kernel, out KernelWidth w) && KernelFamilies.Merge.Runs(w) ? w : KernelWidth.Scalar;
        _kernels = KernelSet.Best.With(KernelFamilies.Merge, width);
        _mapA = Agent(0, 10);
        _a = new EvidenceMap(_mapA.Resolution, _kernels);
        _a.Add(_mapA);
        _b = new EvidenceMap(_mapA.Resolution, _kernels);
        _b.Add(Agent(10, 20));
        _target = new EvidenceMap(_mapA.Resolution, _kernels);
        _target.Add(_a);
        _target.Add(_b); // every brick of _b exists in the target: merges into it only add
        Console.WriteLine($"// evidence bricks: agent A {_a.BrickCount}, agent B {_b.BrickCount}, merged {_target.BrickCount}");
    }

    private static OccupancyMap Agent(int from, int to)
    {
        var map = new OccupancyMap(0.05);
        var integrator = new PointCloudIntegrator(map);
        for (int f = from; f < to; f++)
        {
            integrator.IntegrateWorldFrame(RoomData.Clouds[f], RoomData.Pose(f).Position);
        }

        return map;
    }

    [Benchmark(Description = "merge two room maps' evidence, bricks existing")]
    public int MergeInto()
    {
        _target.Add(_b);
        return _target.BrickCount;
    }

    [Benchmark(Description = "merge two room maps' evidence into a new map")]
    public int MergeNew()
    {
        var merged = new EvidenceMap(_a.Resolution, _kernels);
        merged.Add(_a);
        merged.Add(_b);
        return merged.BrickCount;
    }

    [Benchmark(Description = "merge two room maps' evidence into a copy of one")]
    public int MergeCopy()
    {
        EvidenceMap merged = _a.Clone();
        merged.Add(_b);
        return merged.BrickCount;
    }

    [Benchmark(Description = "take a room map's evidence (quantize)")]
    public int Quantize()
    {
        var e = new EvidenceMap(_mapA.Resolution, _kernels);
        e.Add(_mapA);
        return e.BrickCount;
    }

    [Benchmark(Description = "read the merge as a map (clamp once)")]
    public int Dequantize() => _target.ToMap().BrickCount;

    [Benchmark(Description = "TensorPrimitives.Add sums, bricks existing")]
    public int TensorPrimitivesInto()
    {
        for (int i = 0; i < _b.BrickCount; i++)
        {
            int t = _target.Find(_b.PackedKey(i));
            Span<int> into = _target.SumsOf(t);
            TensorPrimitives.Add(into, _b.SumsOf(i), into);
            Span<ulong> known = _target.KnownOf(t);
            TensorPrimitives.BitwiseOr(known, _b.KnownOf(i), known);
        }

        return _target.BrickCount;
    }
}
