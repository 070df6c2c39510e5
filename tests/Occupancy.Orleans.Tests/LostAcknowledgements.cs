using System;
using System.Threading;
using System.Threading.Tasks;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Occupancy.Orleans.Tests;

/// <summary>
/// A grain storage whose every n-th write lands and then fails: the state is durable but the grain (and its caller)
/// see an error, as when a storage reply is lost. The caller retries what was in fact merged.
/// </summary>
internal sealed class LostAcknowledgements(IGrainStorage inner, int every) : IGrainStorage
{
    private int _writes;

    public int Lost { get; private set; }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (Interlocked.Increment(ref _writes) % every == 0)
        {
            Lost++;
            throw new TimeoutException($"write {_writes} of {grainId} landed, but its acknowledgement was lost (test fault)");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}
