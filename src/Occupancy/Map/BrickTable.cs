using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// Open-addressing hash table from a packed brick coordinate to a brick slot. Linear probing with backward-shift
/// deletion (no tombstones), so lookups stay short however many bricks come and go. Keys are non-negative; −1 marks
/// an empty bucket.
/// </summary>
/// <remarks>
/// <see cref="Find"/> is safe to call while one other thread runs <see cref="Add"/> (the integrators look bricks up on
/// all cores and add them under a lock): a bucket's slot is written before its key, and growth publishes a complete
/// new bucket array. <see cref="Remove"/> and <see cref="Clear"/> need exclusive access.
/// </remarks>
internal sealed class BrickTable
{
    private const long Empty = -1;
    private Buckets _buckets;

    public BrickTable(int initialCapacity = 1024) =>
        _buckets = new Buckets((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity)));

    public int Count { get; private set; }

    public long MemoryBytes => (long)_buckets.Keys.Length * (sizeof(long) + sizeof(int));

    /// <summary>The slot of a brick, or −1 when the brick does not exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(long key)
    {
        Buckets b = Volatile.Read(ref _buckets);
        long[] keys = b.Keys;
        int mask = keys.Length - 1;
        int i = b.Bucket(key);
        while (true)
        {
            long k = Volatile.Read(ref keys[i]);
            if (k == key)
            {
                return b.Slots[i];
            }

            if (k == Empty)
            {
                return -1;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Asks the processor to bring the bucket of a key into the cache (a hint: no effect without SSE).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(long key)
    {
        if (Sse.IsSupported)
        {
            Buckets b = Volatile.Read(ref _buckets);
            int i = b.Bucket(key);
            Sse.Prefetch0(Unsafe.AsPointer(ref b.Keys[i]));
            Sse.Prefetch0(Unsafe.AsPointer(ref b.Slots[i]));
        }
    }

    /// <summary>Inserts a key that is known to be absent. One writer at a time.</summary>
    public void Add(long key, int slot)
    {
        if ((Count + 1) * 2 > _buckets.Keys.Length)
        {
            var grown = new Buckets(_buckets.Keys.Length * 2);
            long[] oldKeys = _buckets.Keys;
            for (int i = 0; i < oldKeys.Length; i++)
            {
                if (oldKeys[i] != Empty)
                {
                    grown.Insert(oldKeys[i], _buckets.Slots[i]);
                }
            }

            Volatile.Write(ref _buckets, grown);
        }

        _buckets.Insert(key, slot);
        Count++;
    }

    /// <summary>Removes a key; returns its slot or −1 when absent. Needs exclusive access.</summary>
    public int Remove(long key)
    {
        Buckets b = _buckets;
        long[] keys = b.Keys;
        int mask = keys.Length - 1;
        int i = b.Bucket(key);
        while (keys[i] != key)
        {
            if (keys[i] == Empty)
            {
                return -1;
            }

            i = (i + 1) & mask;
        }

        int slot = b.Slots[i];
        // Backward-shift deletion: pull later entries of the probe run into the hole when that keeps them reachable.
        int hole = i;
        int j = i;
        while (true)
        {
            j = (j + 1) & mask;
            long k = keys[j];
            if (k == Empty)
            {
                break;
            }

            int home = b.Bucket(k);
            bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable)
            {
                keys[hole] = k;
                b.Slots[hole] = b.Slots[j];
                hole = j;
            }
        }

        keys[hole] = Empty;
        Count--;
        return slot;
    }

    /// <summary>Empties the table. Needs exclusive access.</summary>
    public void Clear()
    {
        Array.Fill(_buckets.Keys, Empty);
        Count = 0;
    }

    private sealed class Buckets
    {
        public readonly long[] Keys;
        public readonly int[] Slots;
        private readonly int _shift;

        public Buckets(int capacity)
        {
            Keys = new long[capacity];
            Array.Fill(Keys, Empty);
            Slots = new int[capacity];
            _shift = 64 - BitOperations.Log2((uint)capacity);
        }

        /// <summary>Fibonacci hashing: multiply by 2^64/φ and keep the top bits; spreads neighbouring bricks well.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Bucket(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> _shift);

        public void Insert(long key, int slot)
        {
            int mask = Keys.Length - 1;
            int i = Bucket(key);
            while (Keys[i] != Empty)
            {
                i = (i + 1) & mask;
            }

            Slots[i] = slot;
            Volatile.Write(ref Keys[i], key); // publish the key only once its slot is in place
        }
    }
}
