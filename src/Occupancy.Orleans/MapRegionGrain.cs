using System;
using System.Threading.Tasks;
using Occupancy.Fleet;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace Occupancy.Orleans;

/// <summary>
/// A region grain: a <see cref="DeltaLedger"/> in memory, persisted whole to <see cref="FleetStorage.Name"/> before each
/// acknowledgement. A failed write (the storage unreachable, or another activation wrote meanwhile) restores the last
/// persisted state and deactivates the grain, so the next call starts from storage.
/// </summary>
[RandomPlacement] // regions spread over the silos (the default placement put most on one)
internal sealed class MapRegionGrain([PersistentState("region", FleetStorage.Name)] IPersistentState<RegionState> state) : Grain, IMapRegionGrain
{
    private DeltaLedger? _ledger;

    public async Task<MergeReceipt> MergeAsync(byte[][] deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var parsed = new MapDelta[deltas.Length];
        for (int i = 0; i < deltas.Length; i++)
        {
            parsed[i] = MapDelta.Parse(deltas[i] ?? throw new ArgumentNullException(nameof(deltas), $"delta {i} is null."));
        }

        if (parsed.Length == 0)
        {
            return default;
        }

        DeltaLedger? ledger = Ledger();
        double resolution = ledger?.Evidence.Resolution ?? parsed[0].Resolution;
        foreach (MapDelta delta in parsed)
        {
            if (delta.Resolution != resolution)
            {
                throw new ArgumentException($"{delta} has resolution {delta.Resolution} m, but region {this.GetPrimaryKeyLong()} holds {resolution} m.", nameof(deltas));
            }
        }

        ledger ??= new DeltaLedger(resolution);
        int applied = 0, skipped = 0, bricks = 0;
        foreach (MapDelta delta in parsed)
        {
            if (ledger.Apply(delta))
            {
                applied++;
                bricks += delta.BrickCount;
            }
            else
            {
                skipped++;
            }
        }

        if (applied > 0)
        {
            byte[]? persisted = state.State.Ledger;
            state.State.Ledger = ledger.ToBytes();
            try
            {
                await state.WriteStateAsync().ConfigureAwait(true);
            }
            catch
            {
                // Not acknowledged: forget the merge here too; the agent sends it again.
                state.State.Ledger = persisted;
                _ledger = null;
                DeactivateOnIdle();
                throw;
            }
        }

        _ledger = ledger;
        return new MergeReceipt(applied, skipped, bricks);
    }

    public Task<byte[]?> ReadAsync() => Task.FromResult(Ledger()?.Evidence is { BrickCount: > 0 } e ? e.ToBytes() : null);

    public Task<float> GetLogOddsAsync(int x, int y, int z) =>
        Task.FromResult(Ledger() is DeltaLedger l && l.Evidence.TryGetLogOdds(new VoxelKey(x, y, z), out float v) ? v : float.NaN);

    public Task<RegionStatus> GetStatusAsync()
    {
        DeltaLedger? l = Ledger();
        return Task.FromResult(l is null
            ? new RegionStatus(0, 0, 0, 0, RuntimeIdentity)
            : new RegionStatus(l.Evidence.BrickCount, l.Sequences.Count, l.Applied, state.State.Ledger?.Length ?? 0, RuntimeIdentity));
    }

    /// <summary>The ledger, read from the persisted state on first use; null when the region holds nothing.</summary>
    private DeltaLedger? Ledger() => _ledger ??= state.State.Ledger is byte[] bytes ? DeltaLedger.Parse(bytes) : null;
}
