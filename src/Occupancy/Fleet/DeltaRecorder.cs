using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Occupancy.Fleet;

/// <summary>
/// An agent's side of fleet mapping: follows its map's change feed and turns what changed since the last delta into
/// the next <see cref="MapDelta"/> (the increments of each changed voxel against what the agent sent before).
/// </summary>
/// <remarks>
/// <para>The sum of an agent's deltas is its map's evidence: applied to an empty <see cref="EvidenceMap"/>, deltas 1
/// to n give exactly what <see cref="EvidenceMap.Add(OccupancyMap)"/> of the map gives at delta n. A voxel that decay
/// forgets takes its evidence back (a negative increment). Bricks the map releases (a rolling window's eviction,
/// ClearRegion, Clear) are memory, not evidence: the fleet keeps what the agent sent of them, and what the agent sees
/// there later is new evidence.</para>
/// <para>Keeps a fixed-point copy of what it sent: 2,120 bytes a brick the map holds (<see cref="MemoryBytes"/>).</para>
/// <para>Threads: one <see cref="TakeDelta"/> at a time; the map's writers wait while it reads the changed bricks.</para>
/// </remarks>
public sealed class DeltaRecorder
{
    private readonly EvidenceMap _sent;
    private readonly List<BrickKey> _changed = [];
    private readonly List<BrickKey> _removed = [];

    // The delta being made, kept between calls so that a recorder in steady state allocates only the delta itself.
    private readonly List<long> _keys = [];
    private readonly List<int> _increments = [];
    private readonly List<ulong> _masks = [];
    private long _version;

    /// <summary>Follows a map for an agent.</summary>
    /// <param name="map">The agent's map.</param>
    /// <param name="agentId">The agent's id, unique in the fleet: 1 to <see cref="MapDelta.MaxAgentIdBytes"/> bytes of UTF-8.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="agentId"/> is empty or too long.</exception>
    public DeltaRecorder(OccupancyMap map, string agentId)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(agentId);
        int bytes = Encoding.UTF8.GetByteCount(agentId);
        if (bytes < 1 || bytes > MapDelta.MaxAgentIdBytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"agentId must be 1 to {MapDelta.MaxAgentIdBytes} bytes of UTF-8, but was {bytes}."), nameof(agentId));
        }

        Map = map;
        AgentId = agentId;
        _sent = new EvidenceMap(map.Resolution, map.Kernels);
    }

    /// <summary>The map followed.</summary>
    public OccupancyMap Map { get; }

    /// <summary>The agent's id.</summary>
    public string AgentId { get; }

    /// <summary>The sequence number of the last delta made; 0 before the first.</summary>
    public long Sequence { get; private set; }

    /// <summary>Bytes of the copy of what was sent.</summary>
    public long MemoryBytes => _sent.MemoryBytes;

    /// <summary>
    /// The delta of everything the map changed since the last call (the first call: everything it holds); null when
    /// nothing changed, and then no sequence number is used.
    /// </summary>
    public MapDelta? TakeDelta()
    {
        OccupancyMap map = Map;
        KernelWidth width = map.Kernels.Merge;
        Span<int> now = stackalloc int[VoxelKey.BrickVoxels];
        Span<ulong> nowKnown = stackalloc ulong[VoxelKey.BrickWords];
        _changed.Clear();
        _removed.Clear();
        List<long> keys = _keys;
        List<int> increments = _increments;
        List<ulong> masks = _masks;
        keys.Clear();
        increments.Clear();
        masks.Clear();

        using (OccupancyMap.WriteScope write = map.BeginWrite())
        {
            MapChanges changes = map.GetChangesSince(_version, _changed, _removed);
            _version = changes.Version;
            if (changes.Reset)
            {
                // Everything the map holds is listed; what is gone was released: kept by the fleet, forgotten here.
                var held = new HashSet<long>();
                foreach (BrickKey b in _changed)
                {
                    held.Add(VoxelKey.PackBrick(b.X, b.Y, b.Z));
                }

                var gone = new List<long>();
                for (int i = 0; i < _sent.BrickCount; i++)
                {
                    if (!held.Contains(_sent.PackedKey(i)))
                    {
                        gone.Add(_sent.PackedKey(i));
                    }
                }

                gone.ForEach(_sent.Remove);
            }

            foreach (BrickKey b in _removed)
            {
                _sent.Remove(VoxelKey.PackBrick(b.X, b.Y, b.Z));
            }

            foreach (BrickKey b in _changed)
            {
                int slot = map.FindBrick(b.X, b.Y, b.Z);
                if (slot < 0)
                {
                    continue;
                }

                long packed = VoxelKey.PackBrick(b.X, b.Y, b.Z);
                MergeKernel.Quantize(map.BrickAt(slot), now, nowKnown, width);
                int s = _sent.Find(packed);
                if (s < 0)
                {
                    if (EvidenceMap.IsEmpty(nowKnown))
                    {
                        continue;
                    }

                    s = _sent.GetOrAdd(packed);
                }

                if (AppendChanges(packed, now, nowKnown, _sent.SumsOf(s), _sent.KnownOf(s), keys, increments, masks) &&
                    EvidenceMap.IsEmpty(_sent.KnownOf(s)))
                {
                    _sent.Remove(packed);
                }
            }
        }

        if (keys.Count == 0)
        {
            return null;
        }

        Sequence++;
        return new MapDelta(AgentId, Sequence, map.Resolution, [.. keys], [.. increments], [.. masks], keys.Count);
    }

    /// <summary>
    /// Appends a brick's increments against what was sent (when any voxel changed or became known) and makes the sent
    /// copy the brick as it is now. True when the brick was appended.
    /// </summary>
    private static bool AppendChanges(long packed, ReadOnlySpan<int> now, ReadOnlySpan<ulong> nowKnown, Span<int> sent, Span<ulong> sentKnown,
        List<long> keys, List<int> increments, List<ulong> masks)
    {
        Span<ulong> mask = stackalloc ulong[VoxelKey.BrickWords];
        bool any = false;
        for (int w = 0; w < VoxelKey.BrickWords; w++)
        {
            // Voxels known now or before; of those, the ones whose evidence moved or that became known.
            ulong either = nowKnown[w] | sentKnown[w], m = nowKnown[w] & ~sentKnown[w];
            for (ulong rest = either & ~m; rest != 0; rest &= rest - 1)
            {
                int v = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(rest);
                if (now[v] != sent[v])
                {
                    m |= 1UL << (v & 63);
                }
            }

            mask[w] = m;
            any |= m != 0;
        }

        if (!any)
        {
            return false;
        }

        keys.Add(packed);
        for (int v = 0; v < VoxelKey.BrickVoxels; v++)
        {
            // An unknown voxel's fixed point is 0: forgetting sends back what was sent, learning sends it all.
            increments.Add((mask[v >> 6] & (1UL << (v & 63))) != 0 ? unchecked(now[v] - sent[v]) : 0);
        }

        for (int w = 0; w < VoxelKey.BrickWords; w++)
        {
            masks.Add(mask[w]);
        }

        now.CopyTo(sent);
        nowKnown.CopyTo(sentKnown);
        return true;
    }
}
