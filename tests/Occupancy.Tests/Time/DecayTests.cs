using System;
using System.Linq;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Time;

/// <summary>Decay policies against their formulas, and the decay kernels against the scalar one.</summary>
public class DecayTests
{
    [Theory]
    [MemberData(nameof(KernelData.Decay), MemberType = typeof(KernelData))]
    public void Every_decay_kernel_gives_the_scalar_kernels_bits(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(5);
        for (int trial = 0; trial < 2000; trial++)
        {
            float[] brick = new float[512];
            for (int i = 0; i < brick.Length; i++)
            {
                brick[i] = random.Next(5) == 0 ? float.NaN : (random.NextSingle() - 0.5f) * (trial % 3 == 0 ? 8f : 0.3f);
            }

            brick[0] = 0.05f; // exactly at a threshold
            brick[1] = -0f;
            float scale = trial % 2 == 0 ? random.NextSingle() : 1f;
            float step = trial % 2 == 0 ? 0f : random.NextSingle() * 0.2f;
            float forget = 0.01f + (random.NextSingle() * 0.1f);
            float[] expected = (float[])brick.Clone(), actual = (float[])brick.Clone();
            (int Known, int Forgotten) s = DecayKernel.DecayScalar(expected, scale, step, forget);
            (int Known, int Forgotten) v = DecayKernel.Decay(actual, scale, step, forget, width);
            Assert.Equal(s, v);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(brick.Count(x => !float.IsNaN(x)), s.Known + s.Forgotten);
        }
    }

    [Fact]
    public void Exponential_decay_halves_log_odds_each_half_life_and_forgets_what_falls_below_the_threshold()
    {
        var map = new OccupancyMap(0.1);
        map.AdvanceTime(1);
        map.UpdateVoxel(new VoxelKey(0, 0, 0), true);    // 0.8473
        map.UpdateVoxel(new VoxelKey(1, 0, 0), false);   // -0.4055
        map.UpdateVoxel(new VoxelKey(100, 0, 0), false); // a brick of its own
        float hit = map.GetLogOdds(new VoxelKey(0, 0, 0)), miss = map.GetLogOdds(new VoxelKey(1, 0, 0));
        var policy = DecayPolicy.Exponential(halfLife: 2);
        Assert.Equal(default, policy.Apply(map, 1)); // the first application starts the clock
        DecayResult r = policy.Apply(map, 3);
        Assert.Equal(2, r.Bricks);
        Assert.Equal(hit / 2, map.GetLogOdds(new VoxelKey(0, 0, 0)));
        Assert.Equal(miss / 2, map.GetLogOdds(new VoxelKey(1, 0, 0)));
        Assert.Equal(3, map.Time);

        // Three more half-lives: the miss (-0.4055 / 16 = -0.025) is forgotten, the hit (0.053) stays; a brick with
        // nothing known is released.
        r = policy.Apply(map, 9);
        Assert.Equal(hit / 16, map.GetLogOdds(new VoxelKey(0, 0, 0)));
        Assert.True(float.IsNaN(map.GetLogOdds(new VoxelKey(1, 0, 0))));
        Assert.Equal(2, r.Forgotten);
        Assert.Equal(1, r.ReleasedBricks);
        Assert.Equal(1, map.BrickCount);
        Assert.Equal(VoxelState.Unknown, map.GetState(new VoxelKey(100, 0, 0)));
    }

    [Fact]
    public void Linear_decay_steps_toward_unknown_and_in_view_bricks_keep_their_own_rate()
    {
        var map = new OccupancyMap(0.1);
        var policy = DecayPolicy.Linear(logOddsPerSecond: 0.25, logOddsPerSecondInView: 0);
        policy.Apply(map, 0);
        map.UpdateVoxel(new VoxelKey(0, 0, 0), true);   // observed at 0: in view at the next application
        map.UpdateVoxel(new VoxelKey(80, 0, 0), true);
        map.AdvanceTime(1);
        map.UpdateVoxel(new VoxelKey(80, 0, 0), true);  // observed at 1 too
        float once = map.GetLogOdds(new VoxelKey(0, 0, 0)), twice = map.GetLogOdds(new VoxelKey(80, 0, 0));
        policy.Apply(map, 2);                            // both observed since 0: in view, rate 0
        Assert.Equal(once, map.GetLogOdds(new VoxelKey(0, 0, 0)));
        policy.Apply(map, 3);                            // neither observed since 2: out of view, 0.25 a second
        Assert.Equal(once - 0.25f, map.GetLogOdds(new VoxelKey(0, 0, 0)));
        Assert.Equal(twice - 0.25f, map.GetLogOdds(new VoxelKey(80, 0, 0)));
        policy.Apply(map, 8);                            // 1.25 more: the single hit (0.85 - 0.25) is gone
        Assert.True(float.IsNaN(map.GetLogOdds(new VoxelKey(0, 0, 0))));
        Assert.Equal((twice - 0.25f) - 1.25f, map.GetLogOdds(new VoxelKey(80, 0, 0)), 5);
    }

    [Fact]
    public void No_decay_changes_nothing_and_bad_rates_name_their_parameter()
    {
        var map = new OccupancyMap(StandardRoom.Resolution);
        var depth = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        depth.Integrate(TestData.RoomFrames[0], StandardRoom.Intrinsics, StandardRoom.CameraPose(0));
        var before = TestData.Snapshot(map);
        Assert.False(DecayPolicy.None.Decays);
        DecayPolicy.None.Apply(map, 1);
        DecayPolicy.None.Apply(map, 100);
        TestData.AssertSameMap(before, TestData.Snapshot(map));
        Assert.Equal("halfLife", Assert.Throws<ArgumentOutOfRangeException>(() => DecayPolicy.Exponential(0)).ParamName);
        Assert.Equal("halfLifeInView", Assert.Throws<ArgumentOutOfRangeException>(() => DecayPolicy.Exponential(1, -1)).ParamName);
        Assert.Equal("logOddsPerSecond", Assert.Throws<ArgumentOutOfRangeException>(() => DecayPolicy.Linear(double.NaN)).ParamName);
        Assert.Equal("forgetBelow", Assert.Throws<ArgumentOutOfRangeException>(() => DecayPolicy.Linear(1, null, 0)).ParamName);
        Assert.Throws<ArgumentNullException>(() => DecayPolicy.None.Apply(null!, 1));
    }

    [Fact]
    public void A_sweep_on_all_cores_equals_one_on_a_single_thread()
    {
        // The sweep splits slots over the worker pool: the decayed room equals the scalar kernel applied brick by brick.
        var map = new OccupancyMap(StandardRoom.Resolution);
        var depth = new DepthImageIntegrator(map, StandardRoom.MaxRange);
        for (int f = 0; f < 6; f++)
        {
            depth.Integrate(TestData.RoomFrames[f], StandardRoom.Intrinsics, StandardRoom.CameraPose(f));
        }

        var expected = TestData.Snapshot(map).Where(kv => MathF.Abs(kv.Value) * 0.5f >= 0.3f)
            .ToDictionary(kv => kv.Key, kv => MathF.CopySign(MathF.Abs(kv.Value) * 0.5f, kv.Value));
        var policy = DecayPolicy.Exponential(1, forgetBelow: 0.3f);
        policy.Apply(map, 0);
        policy.Apply(map, 1);
        TestData.AssertSameMap(expected, TestData.Snapshot(map));
    }
}
