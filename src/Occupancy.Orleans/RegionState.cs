using Orleans;

namespace Occupancy.Orleans;

/// <summary>
/// What a region persists: its <see cref="Occupancy.Fleet.DeltaLedger"/> as bytes (the evidence and each agent's last
/// sequence number, checksummed), written whole before each acknowledgement.
/// </summary>
[GenerateSerializer]
public sealed class RegionState
{
    /// <summary>The ledger's bytes; null before the first merge.</summary>
    [Id(0)]
    public byte[]? Ledger { get; set; }
}
