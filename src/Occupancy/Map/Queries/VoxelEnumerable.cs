
namespace Occupancy;

/// <summary>The observed voxels of a region, enumerated without allocation (see <see cref="OccupancyMap.EnumerateVoxelsIn"/>).</summary>
/// <remarks>Threads: safe to enumerate from several threads at once, each with its own enumerator, also beside a writer (see <see cref="OccupancyMap"/>).</remarks>
public readonly struct VoxelEnumerable
{
    private readonly OccupancyMap _map;
    private readonly VoxelKey _lo, _hi;
    private readonly VoxelState? _state;

    internal VoxelEnumerable(OccupancyMap map, VoxelKey lo, VoxelKey hi, VoxelState? state)
    {
        _map = map;
        _lo = lo;
        _hi = hi;
        _state = state;
    }

    /// <summary>Starts the enumeration.</summary>
    public VoxelEnumerator GetEnumerator() => new(_map, _lo, _hi, _state);
}

/// <summary>
/// Enumerator over observed voxels in a key range. Beside a writer on another thread, each brick is read as it is when
/// the enumeration reaches it; a voxel's value is one it held before or after a write.
/// </summary>
public struct VoxelEnumerator
{
    private readonly OccupancyMap _map;
    private readonly VoxelKey _lo, _hi;
    private readonly VoxelState? _state;
    private int _slot;
    private int _local;
    private float[]? _slab;
    private int _start;
    private long _stamp;
    private int _x0, _y0, _z0;

    internal VoxelEnumerator(OccupancyMap map, VoxelKey lo, VoxelKey hi, VoxelState? state)
    {
        _map = map;
        _lo = lo;
        _hi = hi;
        _state = state;
        _slot = -1;
        _local = OccupancyMap.BrickVoxels;
        Current = default;
    }

    /// <summary>The current voxel.</summary>
    public VoxelInfo Current { get; private set; }

    /// <summary>Advances to the next matching voxel.</summary>
    public bool MoveNext()
    {
        if (_map is null)
        {
            return false;
        }

        while (true)
        {
            if (_local >= OccupancyMap.BrickVoxels && !NextBrick())
            {
                return false;
            }

            int i = _local++;
            float v = _slab![_start + i];
            if (!_map.StructureHeld(_stamp))
            {
                // A removal ran since the brick was read: its cell may hold another brick now. Read the slot again and
                // go on from this voxel (with the coordinate of whatever brick the slot holds now).
                _local = i;
                if (!ReadBrick())
                {
                    _local = OccupancyMap.BrickVoxels;
                }

                continue;
            }

            if (float.IsNaN(v))
            {
                continue;
            }

            var key = new VoxelKey(_x0 + (i & 7), _y0 + ((i >> 3) & 7), _z0 + (i >> 6));
            if (key.X < _lo.X || key.X > _hi.X || key.Y < _lo.Y || key.Y > _hi.Y || key.Z < _lo.Z || key.Z > _hi.Z)
            {
                continue;
            }

            VoxelState state = _map.Classify(v);
            if (_state is null || _state == state)
            {
                Current = new VoxelInfo(key, v, state);
                return true;
            }
        }
    }

    private bool NextBrick()
    {
        while (++_slot < _map.SlotCapacity)
        {
            if (ReadBrick())
            {
                _local = 0;
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the slab and the coordinate of the current slot's brick; false when it holds none in the range.</summary>
    private bool ReadBrick()
    {
        // The slab and the coordinate of one brick, read together (a brick removed meanwhile is skipped, or read as all
        // unknown, never paired with another brick's coordinate).
        if (!_map.TryReadBrick(_slot, out float[] slab, out long packed, out long stamp))
        {
            return false;
        }

        (int bx, int by, int bz) = VoxelKey.UnpackBrick(packed);
        _x0 = bx << VoxelKey.BrickShift;
        _y0 = by << VoxelKey.BrickShift;
        _z0 = bz << VoxelKey.BrickShift;
        if (_x0 + 7 < _lo.X || _x0 > _hi.X || _y0 + 7 < _lo.Y || _y0 > _hi.Y || _z0 + 7 < _lo.Z || _z0 > _hi.Z)
        {
            return false;
        }

        _slab = slab;
        _start = OccupancyMap.CellStart(_slot);
        _stamp = stamp;
        return true;
    }
}
