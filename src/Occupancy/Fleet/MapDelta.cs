using System;
using System.Collections.Generic;
using System.Globalization;

namespace Occupancy.Fleet;

/// <summary>
/// What an agent sends after a frame: the bricks its map changed since its last delta, as log-odds increments in fixed
/// point (<see cref="EvidenceMap.Scale"/> units), with the agent's id and a sequence number. A
/// <see cref="DeltaRecorder"/> makes them; <see cref="EvidenceMap.Apply"/> adds them; <see cref="ToBytes"/> and
/// <see cref="Parse"/> carry them between machines (bricks in the file format's brick encoding).
/// </summary>
/// <remarks>
/// <para>Exactly once: an agent's sequence numbers rise by one per delta, so a receiver that keeps the last number it
/// applied for each agent and skips any delta at or below it applies each delta once, however often it is sent again
/// (a retry after a lost acknowledgement). A delta split by region (<see cref="Partition{TKey}"/>) keeps its number in
/// every part; the receiver of each region then sees rising numbers with gaps, which the same rule handles, provided
/// the agent sends a region its parts in order (it waits for one part's acknowledgement before the next part for that
/// region).</para>
/// <para>Coordinates are voxel keys (world frame, z up, metres through <see cref="Resolution"/>).</para>
/// <para>Threads: immutable once made, so safe to share between threads.</para>
/// </remarks>
public sealed partial class MapDelta
{
    /// <summary>Longest agent id, in UTF-8 bytes.</summary>
    public const int MaxAgentIdBytes = 256;

    /// <summary>Most bricks one delta carries (about 540 MB of bricks unpacked).</summary>
    public const int MaxBricks = 1 << 18;

    private readonly long[] _keys;
    private readonly int[] _increments;
    private readonly ulong[] _known;

    internal MapDelta(string agentId, long sequence, double resolution, long[] keys, int[] increments, ulong[] known, int count)
    {
        AgentId = agentId;
        Sequence = sequence;
        Resolution = resolution;
        _keys = keys;
        _increments = increments;
        _known = known;
        BrickCount = count;
    }

    /// <summary>The agent that made the delta.</summary>
    public string AgentId { get; }

    /// <summary>The delta's number among the agent's deltas: 1, 2, 3, ...</summary>
    public long Sequence { get; }

    /// <summary>Voxel edge of the map it came from, metres.</summary>
    public double Resolution { get; }

    /// <summary>Bricks the delta changes.</summary>
    public int BrickCount { get; }

    /// <summary>The bricks the delta changes, in its order.</summary>
    public IEnumerable<BrickKey> Bricks
    {
        get
        {
            for (int i = 0; i < BrickCount; i++)
            {
                (int x, int y, int z) = VoxelKey.UnpackBrick(_keys[i]);
                yield return new BrickKey(x, y, z);
            }
        }
    }

    /// <summary>
    /// Splits the delta by a function of its bricks (a fleet's regions): one delta per part, each with this delta's
    /// agent, sequence number and resolution.
    /// </summary>
    /// <typeparam name="TKey">The part's key.</typeparam>
    /// <param name="partOf">The part of each brick.</param>
    /// <exception cref="ArgumentNullException"><paramref name="partOf"/> is null.</exception>
    public IReadOnlyDictionary<TKey, MapDelta> Partition<TKey>(Func<BrickKey, TKey> partOf)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(partOf);
        var members = new Dictionary<TKey, List<int>>();
        for (int i = 0; i < BrickCount; i++)
        {
            (int x, int y, int z) = VoxelKey.UnpackBrick(_keys[i]);
            TKey part = partOf(new BrickKey(x, y, z));
            if (!members.TryGetValue(part, out List<int>? list))
            {
                members.Add(part, list = []);
            }

            list.Add(i);
        }

        var parts = new Dictionary<TKey, MapDelta>(members.Count);
        foreach ((TKey part, List<int> list) in members)
        {
            int n = list.Count;
            long[] keys = new long[n];
            int[] increments = new int[n * VoxelKey.BrickVoxels];
            ulong[] known = new ulong[n * VoxelKey.BrickWords];
            for (int j = 0; j < n; j++)
            {
                int i = list[j];
                keys[j] = _keys[i];
                IncrementsOf(i).CopyTo(increments.AsSpan(j * VoxelKey.BrickVoxels));
                KnownOf(i).CopyTo(known.AsSpan(j * VoxelKey.BrickWords));
            }

            parts.Add(part, new MapDelta(AgentId, Sequence, Resolution, keys, increments, known, n));
        }

        return parts;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"delta {Sequence} of {AgentId}: {BrickCount} bricks at {Resolution} m");

    internal long PackedKey(int brick) => _keys[brick];

    internal ReadOnlySpan<int> IncrementsOf(int brick) => _increments.AsSpan(brick * VoxelKey.BrickVoxels, VoxelKey.BrickVoxels);

    internal ReadOnlySpan<ulong> KnownOf(int brick) => _known.AsSpan(brick * VoxelKey.BrickWords, VoxelKey.BrickWords);
}
