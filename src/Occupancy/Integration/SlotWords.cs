using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Occupancy;

/// <summary>
/// Per-brick-slot scratch words (bit planes, flags) that integrators keep beside the map. Storage is chunked and
/// chunks never move, so threads can update words with interlocked operations while other threads add slots.
/// </summary>
/// <remarks>
/// Words that are all zero again between uses (the claim planes of a scan, cleared as the claims are applied) can be
/// handed back with <see cref="ReturnChunks"/>: their chunks then wait, process-wide, for the next use of any
/// instance with the same words per slot, as walk grids do (<see cref="WalkGridPool"/>). A new integrator's first scan
/// otherwise allocated a chunk for every 1 024 slots its rays reached and faulted in each page (on a VLP-16 scan at 5 cm,
/// 50 chunks, 6.5 MB, a quarter of a fresh build's page faults).
/// </remarks>
internal sealed class SlotWords
{
    private const int SlotsPerChunkShift = 10;
    private const int SlotsPerChunk = 1 << SlotsPerChunkShift;

    /// <summary>Most chunks kept waiting, all sizes together (with 16 words a slot, 32 MiB: the planes of 262 144 slots).</summary>
    private const int PoolCapacity = 256;

    private static readonly Stack<ulong[]> Pool = new();

    private readonly object _gate = new();
    private readonly int _wordsPerSlot;
    private ulong[]?[] _chunks = new ulong[]?[64];

    public SlotWords(int wordsPerSlot) => _wordsPerSlot = wordsPerSlot;

    /// <summary>
    /// Hands every chunk to the process-wide pool; the caller guarantees each word is zero and that no thread uses
    /// these words until the next use, which takes chunks back as it reaches their slots.
    /// </summary>
    public void ReturnChunks()
    {
        ulong[]?[] chunks = _chunks;
        lock (Pool)
        {
            for (int c = 0; c < chunks.Length; c++)
            {
                if (chunks[c] is { } chunk)
                {
                    if (Pool.Count < PoolCapacity)
                    {
                        Pool.Push(chunk);
                    }

                    chunks[c] = null;
                }
            }
        }
    }

    /// <summary>Forgets every chunk without returning it (words that may not be zero); later uses allocate afresh.</summary>
    public void DropChunks() => Array.Clear(_chunks);

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
                chunk = Rent(SlotsPerChunk * _wordsPerSlot);
                Volatile.Write(ref _chunks[c], chunk);
            }

            return chunk;
        }
    }

    /// <summary>A zeroed chunk of <paramref name="length"/> words: a pooled one, or a new one (pinned: see WordsPointer).</summary>
    private static ulong[] Rent(int length)
    {
        lock (Pool)
        {
            if (Pool.TryPeek(out ulong[]? top) && top.Length == length)
            {
                return Pool.Pop();
            }
        }

        return GC.AllocateArray<ulong>(length, pinned: true);
    }
}
