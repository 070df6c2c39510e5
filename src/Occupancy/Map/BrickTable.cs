using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Occupancy.Map;

/// <summary>
/// Open-addressing hash table from a packed brick coordinate to a brick slot. Linear probing with backward-shift
/// deletion (no tombstones), so lookups stay short however many bricks come and go. Keys are non-negative; −1 marks
/// an empty bucket.
/// </summary>
internal sealed class BrickTable
{
    private const long Empty = -1;
    private long[] _keys;
    private int[] _slots;
    private int _mask;
    private int _shift;

    public BrickTable(int initialCapacity = 1024)
    {
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity));
        _keys = NewKeys(capacity);
        _slots = new int[capacity];
        _mask = capacity - 1;
        _shift = 64 - BitOperations.Log2((uint)capacity);
    }

    public int Count { get; private set; }

    public long MemoryBytes => ((long)_keys.Length * sizeof(long)) + ((long)_slots.Length * sizeof(int));

    /// <summary>Fibonacci hashing: multiply by 2^64/φ and keep the top bits; spreads neighbouring bricks well.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> _shift);

    /// <summary>The slot of a brick, or −1 when the brick does not exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(long key)
    {
        long[] keys = _keys;
        int mask = _mask;
        int i = Bucket(key);
        while (true)
        {
            long k = keys[i];
            if (k == key)
            {
                return _slots[i];
            }

            if (k == Empty)
            {
                return -1;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Inserts a key that is known to be absent.</summary>
    public void Add(long key, int slot)
    {
        if ((Count + 1) * 2 > _keys.Length)
        {
            Grow();
        }

        Insert(_keys, _slots, key, slot);
        Count++;
    }

    /// <summary>Removes a key; returns its slot or −1 when absent.</summary>
    public int Remove(long key)
    {
        long[] keys = _keys;
        int mask = _mask;
        int i = Bucket(key);
        while (keys[i] != key)
        {
            if (keys[i] == Empty)
            {
                return -1;
            }

            i = (i + 1) & mask;
        }

        int slot = _slots[i];
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

            int home = Bucket(k);
            bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable)
            {
                keys[hole] = k;
                _slots[hole] = _slots[j];
                hole = j;
            }
        }

        keys[hole] = Empty;
        Count--;
        return slot;
    }

    public void Clear()
    {
        Array.Fill(_keys, Empty);
        Count = 0;
    }

    private void Grow()
    {
        long[] oldKeys = _keys;
        int[] oldSlots = _slots;
        int capacity = oldKeys.Length * 2;
        _keys = NewKeys(capacity);
        _slots = new int[capacity];
        _mask = capacity - 1;
        _shift = 64 - BitOperations.Log2((uint)capacity);
        for (int i = 0; i < oldKeys.Length; i++)
        {
            if (oldKeys[i] != Empty)
            {
                Insert(_keys, _slots, oldKeys[i], oldSlots[i]);
            }
        }
    }

    private void Insert(long[] keys, int[] slots, long key, int slot)
    {
        int i = Bucket(key);
        while (keys[i] != Empty)
        {
            i = (i + 1) & _mask;
        }

        keys[i] = key;
        slots[i] = slot;
    }

    private static long[] NewKeys(int capacity)
    {
        var keys = new long[capacity];
        Array.Fill(keys, Empty);
        return keys;
    }
}
