using System.Numerics;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>The standard room's 20 depth frames and their point clouds, rendered once per benchmark process.</summary>
internal static class RoomData
{
    private static float[][]? _depth;
    private static Vector3[][]? _clouds;

    public static PinholeIntrinsics Intrinsics => StandardRoom.Intrinsics;

    public static float[][] Depth => _depth ??= Render();

    /// <summary>World-frame point clouds (back-projected returns) of the 20 frames.</summary>
    public static Vector3[][] Clouds => _clouds ??= BackProject();

    public static Pose3 Pose(int frame) => StandardRoom.CameraPose(frame);

    /// <summary>A new map of the standard room, integrated from its 20 depth frames (projective, both cores).</summary>
    public static OccupancyMap IntegratedMap()
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var integrator = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        for (int i = 0; i < StandardRoom.FrameCount; i++)
        {
            integrator.Integrate(Depth[i], Intrinsics, Pose(i));
        }

        return map;
    }

    private static float[][] Render() => StandardRoom.RenderAllDepth(StandardRoom.CreateScene());

    private static Vector3[][] BackProject()
    {
        var clouds = new Vector3[StandardRoom.FrameCount][];
        var buffer = new Vector3[Intrinsics.PixelCount];
        for (int i = 0; i < clouds.Length; i++)
        {
            int n = DepthProjection.BackProject(Depth[i], Intrinsics, Pose(i), buffer);
            clouds[i] = buffer.AsSpan(0, n).ToArray();
        }

        return clouds;
    }
}
