using Orleans;

namespace Occupancy.Orleans;

/// <summary>A region's size and history.</summary>
/// <param name="Bricks">Bricks holding evidence.</param>
/// <param name="Agents">Agents that sent the region a delta.</param>
/// <param name="DeltasApplied">Deltas merged since the region was created (retries not counted).</param>
/// <param name="StateBytes">Bytes of the region's persisted state.</param>
/// <param name="Host">The silo the region is active on (its runtime identity).</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
[GenerateSerializer]
[Immutable]
public readonly record struct RegionStatus([property: Id(0)] int Bricks, [property: Id(1)] int Agents, [property: Id(2)] long DeltasApplied, [property: Id(3)] int StateBytes, [property: Id(4)] string? Host);
