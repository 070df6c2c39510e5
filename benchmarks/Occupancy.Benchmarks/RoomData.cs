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
