using System;
using System.Buffers;

namespace Occupancy.Tests;

/// <summary>
/// Memory whose contents cannot be read: a provider (a memory-mapped file, a pooled buffer already returned) that throws
/// when asked for its span. Its length is known, so input checks that look only at lengths pass.
/// </summary>
internal sealed class UnreadableMemory<T>(int length) : MemoryManager<T>
{
    public override Span<T> GetSpan() => throw new InvalidOperationException("unreadable");

    public override MemoryHandle Pin(int elementIndex = 0) => throw new InvalidOperationException("unreadable");

    public override void Unpin()
    {
    }

    public override Memory<T> Memory => CreateMemory(length);

    protected override void Dispose(bool disposing)
    {
    }
}
