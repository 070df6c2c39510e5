namespace Occupancy.Orleans;

/// <summary>What a push did: calls made, deltas applied and skipped by the regions (summed over regions), bricks merged, retries.</summary>
/// <param name="Regions">Regions the deltas touched (one call each, retries aside).</param>
/// <param name="Applied">Region parts of deltas merged.</param>
/// <param name="Skipped">Region parts of deltas the regions had merged before (a retry whose first try was merged but not acknowledged).</param>
/// <param name="Bricks">Bricks merged.</param>
/// <param name="Retries">Calls tried again after a failure.</param>
/// <param name="Bytes">Delta bytes sent (first tries).</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct PushReceipt(int Regions, int Applied, int Skipped, int Bricks, int Retries, long Bytes);
