using BenchmarkDotNet.Attributes;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>
/// Integration of the standard room, one frame per operation, cycling through its 20 frames on a map that already
/// holds the room (steady state: no brick is allocated, so allocation per frame must be zero).
/// </summary>
[MemoryDiagnoser]
public class IntegrationBenchmarks
{
    private OccupancyMap _projectiveMap = null!;
    private OccupancyMap _exactMap = null!;
    private OccupancyMap _discretizedMap = null!;
    private DepthImageIntegrator _depth = null!;
    private PointCloudIntegrator _exact = null!;
    private PointCloudIntegrator _discretized = null!;
    private int _frame;

    [GlobalSetup]
    public void Setup()
    {
        _projectiveMap = new OccupancyMap(StandardRoom.Resolution);
        _exactMap = new OccupancyMap(StandardRoom.Resolution);
        _discretizedMap = new OccupancyMap(StandardRoom.Resolution);
        _depth = new DepthImageIntegrator(_projectiveMap, StandardRoom.MaxRange);
        _exact = new PointCloudIntegrator(_exactMap, StandardRoom.MaxRange);
        _discretized = new PointCloudIntegrator(_discretizedMap, StandardRoom.MaxRange, PointCloudMode.Discretized);
        for (int i = 0; i < StandardRoom.FrameCount; i++)
        {
            _depth.Integrate(RoomData.Depth[i], RoomData.Intrinsics, RoomData.Pose(i));
            _exact.IntegrateWorldFrame(RoomData.Clouds[i], RoomData.Pose(i).Position);
            _discretized.IntegrateWorldFrame(RoomData.Clouds[i], RoomData.Pose(i).Position);
        }
    }

    private int NextFrame() => _frame = (_frame + 1) % StandardRoom.FrameCount;

    [Benchmark(Description = "depth image, projective (per frame)")]
    public IntegrationStats DepthImageProjective()
    {
        int i = NextFrame();
        return _depth.Integrate(RoomData.Depth[i], RoomData.Intrinsics, RoomData.Pose(i));
    }

    [Benchmark(Description = "point cloud, exact ray casting (per frame)")]
    public IntegrationStats PointCloudExact()
    {
        int i = NextFrame();
        return _exact.IntegrateWorldFrame(RoomData.Clouds[i], RoomData.Pose(i).Position);
    }

    [Benchmark(Description = "point cloud, discretized (per frame)")]
    public IntegrationStats PointCloudDiscretized()
    {
        int i = NextFrame();
        return _discretized.IntegrateWorldFrame(RoomData.Clouds[i], RoomData.Pose(i).Position);
    }
}
