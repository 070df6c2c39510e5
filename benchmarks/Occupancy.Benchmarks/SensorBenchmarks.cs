using BenchmarkDotNet.Attributes;
using Occupancy.Stereo;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>
/// Semi-global matching of the street's front stereo pair (640×480, 128 disparities, 8 paths) by aggregation kernel;
/// with --legs, each kernel under each hardware setting (unsupported kernels fall back to scalar).
/// </summary>
[MemoryDiagnoser]
public class StereoBenchmarks
{
    private byte[] _left = null!;
    private byte[] _right = null!;
    private float[] _disparity = null!;
    private SemiGlobalMatcher _matcher = null!;

    [Params("scalar", "vector128", "vector256")]
    public string Kernel { get; set; } = "vector256";

    [Params(8, 4)]
    public int Paths { get; set; } = 8;

    [GlobalSetup]
    public void Setup()
    {
        Scene street = StreetScene.CreateScene();
        PinholeIntrinsics k = StreetScene.CameraIntrinsics;
        Pose3 pose = StreetScene.SurroundRig().CameraPose(0, StreetScene.EgoPose);
        var stereo = new StereoCamera(k, StreetScene.StereoBaseline);
        _left = new byte[k.PixelCount];
        _right = new byte[k.PixelCount];
        _disparity = new float[k.PixelCount];
        ColorRenderer.RenderGray(street, k, pose, _left);
        ColorRenderer.RenderGray(street, k, stereo.RightCameraPose(pose), _right);
        KernelSet kernels = KernelNames.TryParse(Kernel, out KernelWidth width) && KernelFamilies.Sgm.Runs(width)
            ? KernelSet.Best.With(KernelFamilies.Sgm, width)
            : KernelSet.Best.With(KernelFamilies.Sgm, KernelWidth.Scalar);
        _matcher = new SemiGlobalMatcher(new SgmOptions { Paths = Paths }, kernels);
        _matcher.Compute(_left, _right, k.Width, k.Height, _disparity);
    }

    /// <summary>One 640×480 pair to a disparity image.</summary>
    [Benchmark]
    public void Match() => _matcher.Compute(_left, _right, 640, 480, _disparity);
}

/// <summary>Rendering a 640×480 frame of the street (121 primitives in a bounding volume hierarchy) from the car's front camera.</summary>
[MemoryDiagnoser]
public class RenderBenchmarks
{
    private Scene _street = null!;
    private PinholeIntrinsics _k;
    private Pose3 _pose;
    private float[] _depth = null!;
    private byte[] _gray = null!;

    [GlobalSetup]
    public void Setup()
    {
        _street = StreetScene.CreateScene();
        _k = StreetScene.CameraIntrinsics;
        _pose = StreetScene.SurroundRig().CameraPose(0, StreetScene.EgoPose);
        _depth = new float[_k.PixelCount];
        _gray = new byte[_k.PixelCount];
    }

    /// <summary>Depth: one ray per pixel.</summary>
    [Benchmark]
    public void Depth() => DepthRenderer.Render(_street, _k, _pose, _depth, 200);

    /// <summary>Grey image: rays, normals, texture and light.</summary>
    [Benchmark]
    public void Gray() => ColorRenderer.RenderGray(_street, _k, _pose, _gray);
}

/// <summary>
/// Edge-preserving smoothing (<see cref="DepthSmoothing"/>, 5×5 window, defaults) of one noisy 640×480 frame of the
/// standard room, by kernel and on one thread or all cores.
/// </summary>
[MemoryDiagnoser]
public class DepthSmoothingBenchmarks
{
    private float[] _depth = null!;
    private float[] _smoothed = null!;
    private DepthSmoothing _smoothing = null!;

    [Params("scalar", "vector256")]
    public string Kernel { get; set; } = "vector256";

    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        PinholeIntrinsics k = StandardRoom.Intrinsics;
        _depth = new float[k.PixelCount];
        _smoothed = new float[k.PixelCount];
        StandardRoom.RenderDepth(StandardRoom.CreateScene(), 0, _depth);
        new DepthNoiseModel().Apply(_depth, k, new Random(1));
        KernelWidth width = KernelNames.TryParse(Kernel, out KernelWidth w) && KernelFamilies.Smoothing.Runs(w) ? w : KernelWidth.Scalar;
        _smoothing = new DepthSmoothing(2, 0.006f, 0.0095f, KernelSet.Best.With(KernelFamilies.Smoothing, width))
        {
            MaxDegreeOfParallelism = Threads > 0 ? Threads : Environment.ProcessorCount,
        };
        _smoothing.Apply(_depth, k, _smoothed);
    }

    /// <summary>One frame.</summary>
    [Benchmark]
    public int Smooth() => _smoothing.Apply(_depth, StandardRoom.Intrinsics, _smoothed);
}
