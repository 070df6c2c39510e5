using Orleans;

namespace Occupancy.Orleans;

/// <summary>What a region did with the deltas of one merge call.</summary>
/// <param name="Applied">Deltas merged.</param>
/// <param name="Skipped">Deltas skipped because the region had merged them before (a retry).</param>
/// <param name="Bricks">Bricks merged (of the applied deltas).</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
[GenerateSerializer]
[Immutable]
public readonly record struct MergeReceipt([property: Id(0)] int Applied, [property: Id(1)] int Skipped, [property: Id(2)] int Bricks);
