using System;
using System.IO;
using System.Linq;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests;

/// <summary>The README's code example is this file's marked region after its usings: compiled, run and checked here (and by CI against the packages).</summary>
public class ReadmeExampleTests
{
    /// <summary>The usings the README's example starts with: all a new console program needs besides its implicit ones.</summary>
    private const string Usings = "using System.Numerics;\nusing Occupancy;\nusing Occupancy.Simulation;\n";

    [Fact]
    public void The_example_runs_and_gives_the_expected_answers()
    {
        // README:begin
        // A 5 cm map with OctoMap's sensor model (hit 0.7, miss 0.4, clamping 0.1192 / 0.971).
        var map = new OccupancyMap(resolution: 0.05);

        // A depth image (metres along the optical axis) from a 640x480 pinhole camera, here rendered from the
        // synthetic standard room. The pose maps the camera's optical frame (z forward, x right, y down) to the world (z up).
        var camera = new PinholeIntrinsics(640, 480, fx: 525, fy: 525, cx: 319.5f, cy: 239.5f);
        Pose3 pose = Pose3.LookAt(eye: new Vector3(0, -2.5f, 1.5f), target: new Vector3(1, 0, 1), up: Vector3.UnitZ);
        var depth = new float[camera.PixelCount];
        DepthRenderer.Render(StandardRoom.CreateScene(), camera, pose, depth);
        var depthIntegrator = new DepthImageIntegrator(map, maxRange: 5f);
        IntegrationStats stats = depthIntegrator.Integrate(depth, camera, pose);

        // A point cloud with its sensor origin (a LiDAR scan, world frame) is ray cast, as OctoMap's insertPointCloud.
        var lidar = new PointCloudIntegrator(map, maxRange: 5f);
        lidar.IntegrateWorldFrame([new Vector3(-2f, -2.5f, 1f), new Vector3(-2f, -2.4f, 1f)], sensorOrigin: new Vector3(0, -2.5f, 1.5f));

        // Queries: a point, a ray to the first occupied voxel, and the whole map.
        VoxelState state = map.GetState(new Vector3(0.5f, -1.5f, 1.3f));
        RayCastResult ray = map.CastRay(new Vector3(0, -2.5f, 1.5f), direction: new Vector3(1, 2.5f, -0.5f), maxDistance: 10f, UnknownPolicy.TreatAsFree);
        VoxelCounts counts = map.CountVoxels();
        Console.WriteLine($"{stats.Measurements - stats.NoReturn} returns; {state} at (0.5, -1.5, 1.3); ray {ray.Outcome} at {ray.Distance:F2} m; {counts.Occupied} occupied of {counts.Known} known voxels");
        // README:end

        Assert.Equal(VoxelState.Free, state);
        Assert.True(ray.IsHit);
        Assert.InRange(ray.Distance, 0.8f, 0.95f); // the box at x from −0.18 to 0.35 m, y from −1.69 to −0.80 m
        Assert.Equal(VoxelState.Occupied, map.GetState(new Vector3(-2f, -2.5f, 1f)));
        Assert.Equal(VoxelState.Free, map.GetState(new Vector3(-1f, -2.5f, 1.25f)));
        Assert.True(counts.Occupied > 1000 && counts.Free > 10 * counts.Occupied, $"{counts}");
    }

    [Fact]
    public void The_readme_shows_exactly_the_tested_example()
    {
        string root = TestData.RepositoryRoot();
        string[] source = File.ReadAllLines(Path.Combine(root, "tests", "Occupancy.Tests", "ReadmeExampleTests.cs"));
        int begin = Array.FindIndex(source, l => l.Trim() == "// README:begin");
        int end = Array.FindIndex(source, l => l.Trim() == "// README:end");
        string indent = new(' ', source[begin].Length - source[begin].TrimStart().Length);
        string expected = string.Join('\n', source[(begin + 1)..end].Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l.Trim()));

        string readme = File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains("```csharp\n" + Usings + "\n" + expected + "\n```", readme, StringComparison.Ordinal);
    }
}
