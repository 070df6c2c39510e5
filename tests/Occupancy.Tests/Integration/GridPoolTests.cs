using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Integration;

/// <summary>The pool of walk grids is process-wide: its tests run alone, so that no other test takes or returns grids meanwhile.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(RunsAlone))]
public class GridPoolTests
{
    [Theory]
    [InlineData(PointCloudMode.Exact)]
    [InlineData(PointCloudMode.Discretized)]
    public void A_collected_integrators_clean_grids_serve_the_next_and_a_marked_one_is_dropped(PointCloudMode mode)
    {
        // Grids go back to the pool when their integrator is collected, and only if no failed scan left marks in them:
        // a grid with stray marks would free voxels no ray of the next integrator's scans crossed. The oracle is the
        // scalar walk, which uses no grid.
        Assert.SkipUnless(PointCloudIntegrator.LaneWalkSupported, "no AVX2 on this leg: the scalar walk uses no grid");
        Vector3[] first = TestData.RoomCloud(7), second = TestData.RoomCloud(15);
        var oracle = new OccupancyMap(StandardRoom.Resolution);
        var scalar = new PointCloudIntegrator(oracle, StandardRoom.MaxRange, mode) { UseLaneWalk = false };
        scalar.Integrate(first, StandardRoom.CameraPose(7).Position);
        scalar.Integrate(second, StandardRoom.CameraPose(15).Position);

        Collect();
        PointCloudIntegrator.GridPool.Drain();
        int returned = PointCloudIntegrator.GridPool.Returned;
        TestData.AssertSameMap(TestData.Snapshot(oracle), Integrate(first, second, failFirst: false));
        Collect();
        int cleanReturned = PointCloudIntegrator.GridPool.Returned - returned;
        Assert.InRange(cleanReturned, 1, 2); // both threads' grids, or one where the other thread got no run

        // An integrator whose first scan failed part way: its grids hold marks until its next scan, which never comes.
        int reused = PointCloudIntegrator.GridPool.Reused;
        TestData.AssertSameMap(TestData.Snapshot(oracle), Integrate(first, second, failFirst: true));
        Assert.True(PointCloudIntegrator.GridPool.Reused > reused, "the clean grids were not handed on");
        Collect();
        returned = PointCloudIntegrator.GridPool.Returned;
        Leave(first, mode);
        Collect();
        Assert.Equal(returned, PointCloudIntegrator.GridPool.Returned);

        // The next integrator still matches the oracle (it takes what the pool holds, or fresh grids).
        TestData.AssertSameMap(TestData.Snapshot(oracle), Integrate(first, second, failFirst: false));

        System.Collections.Generic.Dictionary<VoxelKey, float> Integrate(Vector3[] a, Vector3[] b, bool failFirst)
        {
            var map = new OccupancyMap(StandardRoom.Resolution);
            Run(map, a, b, failFirst, mode);
            return TestData.Snapshot(map);
        }
    }

    /// <summary>Two scans with an integrator of its own (unreachable once this returns); the first one failing part way first if asked.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Run(OccupancyMap map, Vector3[] first, Vector3[] second, bool failFirst, PointCloudMode mode)
    {
        var integrator = new PointCloudIntegrator(map, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = 2 };
        if (failFirst)
        {
            integrator.DuringMark = index => throw new InvalidOperationException("interrupted");
            Assert.Throws<InvalidOperationException>(() => integrator.Integrate(first, StandardRoom.CameraPose(7).Position));
            integrator.DuringMark = null;
        }

        integrator.Integrate(first, StandardRoom.CameraPose(7).Position);
        integrator.Integrate(second, StandardRoom.CameraPose(15).Position);
    }

    /// <summary>An integrator whose only scan fails after some runs marked its grids; then it is dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Leave(Vector3[] cloud, PointCloudMode mode)
    {
        var integrator = new PointCloudIntegrator(new OccupancyMap(StandardRoom.Resolution), StandardRoom.MaxRange, mode)
        {
            MaxDegreeOfParallelism = 2,
            DuringMark = index =>
            {
                if (index == 6)
                {
                    throw new InvalidOperationException("interrupted");
                }
            },
        };
        Assert.Throws<InvalidOperationException>(() => integrator.Integrate(cloud, StandardRoom.CameraPose(7).Position));
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
