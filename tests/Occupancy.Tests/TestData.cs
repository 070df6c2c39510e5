using System;
using System.Collections.Generic;
using System.Numerics;
using Occupancy.Simulation;

namespace Occupancy.Tests;

/// <summary>Shared, lazily built inputs: the standard room's scene and depth frames are rendered once per test run.</summary>
internal static class TestData
{
    private static readonly Lazy<Scene> LazyRoom = new(() => StandardRoom.CreateScene());
    private static readonly Lazy<float[][]> LazyFrames = new(() => StandardRoom.RenderAllDepth(LazyRoom.Value));

    public static Scene Room => LazyRoom.Value;

    public static float[][] RoomFrames => LazyFrames.Value;

    /// <summary>The repository's root: the folder above the test binaries that holds Occupancy.sln.</summary>
    public static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir, "Occupancy.sln")))
        {
            dir = System.IO.Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("Occupancy.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Room frame <paramref name="frame"/> back-projected to world points (returns only), as a scan to integrate.</summary>
    public static Vector3[] RoomCloud(int frame)
    {
        var cloud = new Vector3[StandardRoom.Intrinsics.PixelCount];
        int n = DepthProjection.BackProject(RoomFrames[frame], StandardRoom.Intrinsics, StandardRoom.CameraPose(frame), cloud);
        return cloud.AsSpan(0, n).ToArray();
    }

    /// <summary>Every observed voxel of a map with its exact log-odds bits: a snapshot to compare maps with.</summary>
    public static Dictionary<VoxelKey, float> Snapshot(OccupancyMap map)
    {
        var all = new Dictionary<VoxelKey, float>();
        foreach (VoxelInfo v in map.EnumerateVoxels())
        {
            all.Add(v.Key, v.LogOdds);
        }

        return all;
    }

    /// <summary>Asserts that two snapshots hold the same voxels with bit-identical log-odds.</summary>
    public static void AssertSameMap(Dictionary<VoxelKey, float> expected, Dictionary<VoxelKey, float> actual)
    {
        Xunit.Assert.Equal(expected.Count, actual.Count);
        foreach ((VoxelKey key, float value) in expected)
        {
            Xunit.Assert.True(actual.TryGetValue(key, out float other), $"voxel {key} missing");
            Xunit.Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(other));
        }
    }
}
