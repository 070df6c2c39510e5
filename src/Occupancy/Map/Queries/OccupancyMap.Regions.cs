using System;
using System.Globalization;
using System.Threading;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>Whole-map and region queries: counts and enumeration of observed voxels. World frame, metres, z up.</summary>
public sealed partial class OccupancyMap
{
    /// <summary>Counts the known, free and occupied voxels of the whole map (vectorised over each brick).</summary>
    public VoxelCounts CountVoxels()
    {
        long known = 0, occupied = 0;
        float threshold = SensorModel.OccupiedLogOdds;
        // Beside a writer each brick is counted as it is when its turn comes (a removed one is all unknown, or the brick
        // that took its slot).
        float[]?[] bricks = Volatile.Read(ref _bricks);
        int slots = Math.Min(Volatile.Read(ref _slotHighWater), bricks.Length);
        for (int slot = 0; slot < slots; slot++)
        {
            float[]? slab = Volatile.Read(ref bricks[slot]);
            if (slab is not null)
            {
                (int k, int o) = VoxelCountKernel.Count(slab.AsSpan(CellStart(slot), BrickVoxels), threshold, Kernels.Counts);
                known += k;
                occupied += o;
            }
        }

        return new VoxelCounts(known - occupied, occupied);
    }


    /// <summary>
    /// Enumerates every observed voxel of the map, optionally only those in one state, brick by brick (no order is
    /// promised). The enumerator is a struct: a foreach over it allocates nothing. Safe beside a writer on another thread: each brick is
    /// read as it is when the enumeration reaches it (see the threads notes of <see cref="OccupancyMap"/>).
    /// </summary>
    /// <param name="state">Only free or only occupied voxels; null for both.</param>
    /// <exception cref="ArgumentException"><paramref name="state"/> is <see cref="VoxelState.Unknown"/> (unknown voxels are not stored).</exception>
    public VoxelEnumerable EnumerateVoxels(VoxelState? state = null)
    {
        CheckEnumeratedState(state);
        return new VoxelEnumerable(this, new VoxelKey(MinVoxelIndex, MinVoxelIndex, MinVoxelIndex), new VoxelKey(MaxVoxelIndex, MaxVoxelIndex, MaxVoxelIndex), state);
    }

    /// <summary>
    /// Enumerates the observed voxels whose centres lie in a box, optionally only those in one state.
    /// The enumerator is a struct: a foreach over it allocates nothing. Safe beside a writer on another thread: each brick is
    /// read as it is when the enumeration reaches it (see the threads notes of <see cref="OccupancyMap"/>).
    /// </summary>
    /// <param name="region">The box, world frame, metres.</param>
    /// <param name="state">Only free or only occupied voxels; null for both.</param>
    /// <exception cref="ArgumentException"><paramref name="state"/> is <see cref="VoxelState.Unknown"/> (unknown voxels are not stored).</exception>
    public VoxelEnumerable EnumerateVoxelsIn(Aabb region, VoxelState? state = null)
    {
        CheckEnumeratedState(state);
        (VoxelKey lo, VoxelKey hi) = KeyRangeOf(region);
        return new VoxelEnumerable(this, lo, hi, state);
    }

    private static void CheckEnumeratedState(VoxelState? state)
    {
        if (state is VoxelState.Unknown || (state is not null && state is not (VoxelState.Free or VoxelState.Occupied)))
        {
            ThrowHelper.Argument(nameof(state), string.Create(CultureInfo.InvariantCulture, $"state must be Free, Occupied or null, but was {state}: unknown voxels are not stored."));
        }
    }
}
