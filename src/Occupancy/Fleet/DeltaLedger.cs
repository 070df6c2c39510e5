using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Occupancy.Fleet;

/// <summary>
/// A receiver of deltas: evidence, and the last sequence number applied for each agent, so that each delta is applied
/// once however often it arrives (a retry after a lost acknowledgement, a duplicate on the network). What a fleet's
/// region keeps; <see cref="ToBytes"/> and <see cref="Parse"/> store it.
/// </summary>
/// <remarks>
/// Agents send a receiver their deltas in order (the next only once the last is acknowledged), so a delta at or below
/// the agent's last number is one already applied. Threads: one writer at a time, and no reader beside a writer.
/// </remarks>
public sealed class DeltaLedger
{
    private const uint Magic = 0x474C434F; // "OCLG"
    private const ushort FormatVersion = 1;
    private const string Kind = "delta ledger";

    /// <summary>Most agents <see cref="Parse"/> accepts.</summary>
    public const int MaxAgents = 1 << 20;

    private readonly Dictionary<string, long> _sequences;

    /// <summary>An empty ledger.</summary>
    /// <param name="resolution">Voxel edge of the deltas it takes, metres.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resolution"/> is not finite or outside the map's range.</exception>
    public DeltaLedger(double resolution)
        : this(new EvidenceMap(resolution), new Dictionary<string, long>(StringComparer.Ordinal))
    {
    }

    private DeltaLedger(EvidenceMap evidence, Dictionary<string, long> sequences)
    {
        Evidence = evidence;
        _sequences = sequences;
    }

    /// <summary>The evidence of every delta applied.</summary>
    public EvidenceMap Evidence { get; }

    /// <summary>The last sequence number applied for each agent.</summary>
    public IReadOnlyDictionary<string, long> Sequences => _sequences;

    /// <summary>Deltas applied (not counting those skipped as seen).</summary>
    public long Applied { get; private set; }

    /// <summary>Applies a delta unless the agent's last applied number is at or above its number.</summary>
    /// <param name="delta">The delta; its resolution must be the ledger's.</param>
    /// <returns>True when applied, false when it was seen before.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="delta"/> is null.</exception>
    /// <exception cref="ArgumentException">The resolutions differ (nothing changes).</exception>
    public bool Apply(MapDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (_sequences.TryGetValue(delta.AgentId, out long last) && delta.Sequence <= last)
        {
            return false;
        }

        Evidence.Apply(delta);
        _sequences[delta.AgentId] = delta.Sequence;
        Applied++;
        return true;
    }

    /// <summary>
    /// The ledger as bytes, little-endian: magic "OCLG", version u16 (1), flags u16 (none: 0), deltas applied i64, agent
    /// count i32, each agent (id length u16, UTF-8 id, last sequence i64) sorted by id, the evidence's bytes
    /// (<see cref="EvidenceMap.ToBytes"/>) with their length i32, then XxHash3 u64 of everything before it.
    /// </summary>
    public byte[] ToBytes()
    {
        byte[] evidence = Evidence.ToBytes();
        var agents = new List<(byte[] Id, long Sequence)>(_sequences.Count);
        foreach ((string id, long sequence) in _sequences)
        {
            agents.Add((Encoding.UTF8.GetBytes(id), sequence));
        }

        agents.Sort(static (a, b) => a.Id.AsSpan().SequenceCompareTo(b.Id));
        int length = 20;
        foreach ((byte[] id, _) in agents)
        {
            length += sizeof(ushort) + id.Length + sizeof(long);
        }

        length += sizeof(int) + evidence.Length + sizeof(ulong);
        byte[] bytes = new byte[length];
        Span<byte> s = bytes;
        FleetFormat.WriteHead(s, Magic, FormatVersion, 0);
        BinaryPrimitives.WriteInt64LittleEndian(s[8..], Applied);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], agents.Count);
        int at = 20;
        foreach ((byte[] id, long sequence) in agents)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[at..], (ushort)id.Length);
            id.CopyTo(s[(at + 2)..]);
            at += 2 + id.Length;
            BinaryPrimitives.WriteInt64LittleEndian(s[at..], sequence);
            at += 8;
        }

        BinaryPrimitives.WriteInt32LittleEndian(s[at..], evidence.Length);
        evidence.CopyTo(s[(at + 4)..]);
        FleetFormat.Seal(s);
        return bytes;
    }

    /// <summary>Reads a ledger that <see cref="ToBytes"/> wrote, checking everything before allocating by size.</summary>
    /// <param name="data">The bytes.</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid ledger; the message names the byte offset and what is wrong there.</exception>
    public static DeltaLedger Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 20 + sizeof(int) + sizeof(ulong))
        {
            throw Error(data.Length, $"the ledger ends early ({data.Length} bytes)");
        }

        FleetFormat.ReadHead(data, Magic, Kind, FormatVersion, knownFlags: 0);
        FleetFormat.CheckSeal(data, Kind);
        int end = data.Length - sizeof(ulong);

        long applied = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        if (applied < 0)
        {
            throw Error(8, $"deltas applied {applied} is negative");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        // Each agent takes at least 11 bytes: a count the bytes cannot hold is refused before allocating.
        if (count < 0 || count > MaxAgents || (long)count * 11 > end - 20)
        {
            throw Error(16, $"agent count {count} lies outside what the {data.Length} bytes can hold (at most {MaxAgents})");
        }

        var sequences = new Dictionary<string, long>(count, StringComparer.Ordinal);
        var strict = new UTF8Encoding(false, true);
        int at = 20;
        ReadOnlySpan<byte> previous = default;
        for (int i = 0; i < count; i++)
        {
            if (at + 2 > end)
            {
                throw Error(at, "the agents end early");
            }

            int n = BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
            if (n < 1 || n > MapDelta.MaxAgentIdBytes || at + 2 + n + 8 > end)
            {
                throw Error(at, $"agent id length {n} lies outside [1, {MapDelta.MaxAgentIdBytes}] or past the end");
            }

            ReadOnlySpan<byte> idBytes = data.Slice(at + 2, n);
            if (i > 0 && idBytes.SequenceCompareTo(previous) <= 0)
            {
                throw Error(at, "agents are out of order or repeated (they are sorted by id)");
            }

            string id;
            try
            {
                id = strict.GetString(idBytes);
            }
            catch (DecoderFallbackException)
            {
                throw Error(at + 2, "an agent id is not valid UTF-8");
            }

            long sequence = BinaryPrimitives.ReadInt64LittleEndian(data[(at + 2 + n)..]);
            if (sequence < 1)
            {
                throw Error(at + 2 + n, $"agent {id}'s last sequence {sequence} is below 1");
            }

            sequences.Add(id, sequence);
            previous = idBytes;
            at += 2 + n + 8;
        }

        if (at + 4 > end)
        {
            throw Error(at, "the ledger ends before its evidence");
        }

        int evidenceBytes = BinaryPrimitives.ReadInt32LittleEndian(data[at..]);
        if (evidenceBytes < 0 || (long)at + 4 + evidenceBytes != end)
        {
            throw Error(at, $"evidence length {evidenceBytes} does not match the {end - at - 4} bytes before the checksum");
        }

        EvidenceMap evidence;
        try
        {
            evidence = EvidenceMap.Parse(data.Slice(at + 4, evidenceBytes));
        }
        catch (InvalidDataException e)
        {
            throw Error(at + 4, e.Message);
        }

        return new DeltaLedger(evidence, sequences) { Applied = applied };
    }

    private static InvalidDataException Error(long offset, string what) => FleetFormat.Error(Kind, offset, what);
}
