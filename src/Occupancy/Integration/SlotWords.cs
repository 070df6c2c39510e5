using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Occupancy;

/// <summary>
/// Per-brick-slot scratch words (bit planes, flags) that integrators keep beside the map. Storage is chunked and
/// chunks never move, so threads can update words with interlocked operations while other threads add slots.
/// </summary>
internal sealed class SlotWords
{
    private const int SlotsPerChunkShift = 10;
    private const int SlotsPerChunk = 1 << SlotsPerChunkShift;
    private readonly object _gate = new();
    private readonly int _wordsPerSlot;
    private ulong[]?[] _chunks = new ulong[]?[64];

    public SlotWords(int wordsPerSlot) => _wordsPerSlot = wordsPerSlot;

    /// <summary>The first word of a slot; the slot's words follow it contiguously. Allocates the chunk when needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong Words(int slot)
    {
        ulong[]?[] chunks = Volatile.Read(ref _chunks);
        int c = slot >> SlotsPerChunkShift;
        ulong[]? chunk = c < chunks.Length ? Volatile.Read(ref chunks[c]) : null;
        chunk ??= Allocate(c);
        return ref chunk[(slot & (SlotsPerChunk - 1)) * _wordsPerSlot];
    }

    /// <summary>The address of <see cref="Words"/>: chunks are pinned, so it stays valid as long as this object lives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe ulong* WordsPointer(int slot) => (ulong*)Unsafe.AsPointer(ref Words(slot));

    private ulong[] Allocate(int c)
    {
        lock (_gate)
        {
            if (c >= _chunks.Length)
            {
                ulong[]?[] grown = _chunks;
                Array.Resize(ref grown, Math.Max(grown.Length * 2, c + 1));
                Volatile.Write(ref _chunks, grown);
            }

            ulong[]? chunk = _chunks[c];
            if (chunk is null)
            {
                chunk = GC.AllocateArray<ulong>(SlotsPerChunk * _wordsPerSlot, pinned: true); // pinned: see WordsPointer
                Volatile.Write(ref _chunks[c], chunk);
            }

            return chunk;
        }
    }
}
