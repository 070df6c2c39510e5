using System;
using Occupancy.Fleet;
using Occupancy.Simulation;

namespace Occupancy.Orleans.Tests;

/// <summary>One agent of a <see cref="StreetFleet"/>: its own map, camera frames at 10 Hz, and its deltas.</summary>
internal sealed class FleetAgent
{
    private readonly StreetFleet _fleet;
    private readonly DepthImageIntegrator _integrator;
    private readonly float[] _depth;

    public FleetAgent(StreetFleet fleet, int index)
    {
        _fleet = fleet;
        Index = index;
        Map = new OccupancyMap(StreetScene.Resolution);
        _integrator = new DepthImageIntegrator(Map, StreetScene.MaxRange);
        Recorder = new DeltaRecorder(Map, $"car-{index}");
        _depth = new float[fleet.Camera.PixelCount];
    }

    public int Index { get; }

    public OccupancyMap Map { get; }

    public DeltaRecorder Recorder { get; }

    /// <summary>Sees frame <paramref name="frame"/> (t = frame / 10 s) and returns what changed.</summary>
    public MapDelta? See(int frame)
    {
        double t = frame / 10.0;
        _fleet.Render(Index, t, _depth);
        _integrator.Integrate(_depth, _fleet.Camera, _fleet.CameraPose(Index, t));
        return Recorder.TakeDelta();
    }
}
