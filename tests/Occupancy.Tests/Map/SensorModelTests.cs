using System;
using Xunit;

namespace Occupancy.Tests.Map;

public class SensorModelTests
{
    [Fact]
    public void Defaults_are_OctoMaps_log_odds_rounded_to_float()
    {
        SensorModel m = SensorModel.Default;
        Assert.Equal((float)Math.Log(0.7 / 0.3), m.HitLogOdds);
        Assert.Equal((float)Math.Log(0.4 / 0.6), m.MissLogOdds);
        Assert.Equal((float)Math.Log(0.1192 / 0.8808), m.ClampMinLogOdds);
        Assert.Equal((float)Math.Log(0.971 / 0.029), m.ClampMaxLogOdds);
        Assert.Equal(0f, m.OccupiedLogOdds);
        Assert.Equal(0.847298f, m.HitLogOdds, 5);
        Assert.Equal(-0.405465f, m.MissLogOdds, 5);
    }

    [Fact]
    public void Updates_add_then_clamp_and_reach_the_clamps()
    {
        var map = new OccupancyMap(0.1);
        var key = new VoxelKey(-3, 4, 5);
        Assert.Equal(VoxelState.Unknown, map.GetState(key));
        map.UpdateVoxel(key, occupied: true);
        Assert.Equal(SensorModel.Default.HitLogOdds, map.GetLogOdds(key));
        Assert.Equal(0.7f, map.GetProbability(key), 5);
        for (int i = 0; i < 20; i++)
        {
            map.UpdateVoxel(key, occupied: true);
        }

        Assert.Equal(SensorModel.Default.ClampMaxLogOdds, map.GetLogOdds(key));
        for (int i = 0; i < 40; i++)
        {
            map.UpdateVoxel(key, occupied: false);
        }

        Assert.Equal(SensorModel.Default.ClampMinLogOdds, map.GetLogOdds(key));
        Assert.Equal(VoxelState.Free, map.GetState(key));
    }

    [Theory]
    [InlineData(0.5, 0.4, 0.1, 0.9, 0.5, "hitProbability")]
    [InlineData(0.7, 0.5, 0.1, 0.9, 0.5, "missProbability")]
    [InlineData(0.7, 0.4, 0.0, 0.9, 0.5, "clampMinProbability")]
    [InlineData(0.7, 0.4, 0.1, 1.0, 0.5, "clampMaxProbability")]
    [InlineData(0.7, 0.4, 0.1, 0.9, double.NaN, "occupiedProbability")]
    [InlineData(0.7, 0.4, 0.9, 0.2, 0.5, "clampMinProbability")]
    [InlineData(0.7, 0.4, 0.5, 0.9, 0.5, "clampMinProbability")] // inside the miss step: one miss made a voxel occupied
    [InlineData(0.7, 0.4, 0.1, 0.65, 0.5, "clampMaxProbability")] // inside the hit step
    [InlineData(0.7, 0.4, 0.1, 0.9, 0.75, "hitProbability")] // a hit would leave a voxel free
    [InlineData(0.7, 0.4, 0.1, 0.9, 0.35, "missProbability")] // a miss would leave a voxel occupied
    public void Invalid_models_name_the_parameter(double hit, double miss, double lo, double hi, double occ, string name)
    {
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => new SensorModel(hit, miss, lo, hi, occ));
        Assert.Equal(name, e.ParamName);
    }
}
