using System.Diagnostics;
using System.Numerics;
using Occupancy.Simulation;

namespace Occupancy.Race;

/// <summary>
/// How integration scales with cores (`scaling [THREADS...]`): the standard room's 20 frames integrated by each
/// integrator with MaxDegreeOfParallelism set to each thread count, on a map that already holds the room (steady
/// state, after 60 warm-up frames), median of 5 passes of 20 frames. Meant for a many-core machine; prints one table.
/// </summary>
internal static class Scaling
{
    public static int Run(int[] threads)
    {
        Scene room = StandardRoom.CreateScene();
        float[][] depth = StandardRoom.RenderAllDepth(room);
        PinholeIntrinsics k = StandardRoom.Intrinsics;
        var clouds = new Vector3[StandardRoom.FrameCount][];
        var buffer = new Vector3[k.PixelCount];
        for (int i = 0; i < clouds.Length; i++)
        {
            int n = DepthProjection.BackProject(depth[i], k, StandardRoom.CameraPose(i), buffer);
            clouds[i] = buffer.AsSpan(0, n).ToArray();
        }

        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeInformationText()}");
        Console.WriteLine($"{"integrator",-14} {"threads",7} {"ms/frame",10} {"speed-up",9}");
        foreach (string mode in new[] { "projective", "discretized", "exact" })
        {
            var map = new OccupancyMap(StandardRoom.Resolution);
            var projective = new DepthImageIntegrator(map, StandardRoom.MaxRange);
            var rays = new PointCloudIntegrator(map, StandardRoom.MaxRange, mode == "exact" ? PointCloudMode.Exact : PointCloudMode.Discretized);
            void Frame(int i)
            {
                if (mode == "projective")
                {
                    projective.Integrate(depth[i], k, StandardRoom.CameraPose(i));
                }
                else
                {
                    rays.IntegrateWorldFrame(clouds[i], StandardRoom.CameraPose(i).Position);
                }
            }

            double one = double.NaN;
            foreach (int t in threads)
            {
                projective.MaxDegreeOfParallelism = t;
                rays.MaxDegreeOfParallelism = t;
                for (int i = 0; i < 3 * clouds.Length; i++)
                {
                    Frame(i % clouds.Length); // warm: the map holds the room, tiered compilation has finished
                }

                var passes = new List<double>();
                for (int r = 0; r < 5; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < clouds.Length; i++)
                    {
                        Frame(i);
                    }

                    passes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / clouds.Length);
                }

                passes.Sort();
                double median = passes[passes.Count / 2];
                if (double.IsNaN(one))
                {
                    one = median;
                }

                Console.WriteLine($"{mode,-14} {t,7} {median,10:F3} {one / median,8:F2}x");
            }
        }

        return 0;
    }

    private static string RuntimeInformationText() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}";
}
