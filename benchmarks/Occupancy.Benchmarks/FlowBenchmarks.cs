using System.Numerics;
using BenchmarkDotNet.Attributes;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>
/// The flow estimator on the street with traffic (seed 2026): the map and estimator warmed by two seconds of frames
/// (the four roof depth cameras at 10 Hz, street noise, integrated), then one rig frame's returns (about 1.2 million
/// points within 20 m) observed again and again at later times (the map is not written, so every call does a frame's
/// work: binning, streaks, clusters, registration), and a one-second forecast of the warm map.
/// </summary>
public class FlowBenchmarks
{
    private FlowEstimator _flow = null!;
    private Vector3[] _returns = null!;
    private readonly Dictionary<VoxelKey, float> _forecast = [];
    private double _time;

    [GlobalSetup]
    public void Setup()
    {
        MovingWorld world = StreetScene.CreateTrafficWorld();
        CameraRig rig = StreetScene.SurroundRig();
        var map = new OccupancyMap(StreetScene.Resolution);
        var integrator = new DepthImageIntegrator(map, StreetScene.MaxRange);
        _flow = new FlowEstimator(map);
        var images = new float[rig.Cameras.Count][];
        var memories = new ReadOnlyMemory<float>[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = new float[rig.Cameras[i].Intrinsics.PixelCount];
            memories[i] = images[i];
        }

        var points = new Vector3[images.Length * images[0].Length];
        var random = new Random(7);
        int count = 0;
        for (int k = 0; k <= 20; k++)
        {
            _time = k / 10.0;
            Scene scene = world.SceneAt(_time);
            count = RigFrame.Render(scene, rig, StreetScene.EgoPose, StreetScene.DepthNoise, random, images, points, StreetScene.MaxRange);
            _flow.Observe(points.AsSpan(0, count), _time);
            integrator.Integrate(rig, StreetScene.EgoPose, memories, _time);
        }

        _returns = points[..count];
    }

    [Benchmark(Description = "FlowEstimator.Observe, one rig frame")]
    public int Observe()
    {
        _flow.Observe(_returns, _time += 0.1);
        return _flow.YoungVoxels;
    }

    [Benchmark(Description = "FlowEstimator.Forecast, 1 s")]
    public int Forecast() => _flow.Forecast(1.0, _forecast);
}
