using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>The exact voxel walk one ray at a time (Amanatides–Woo in fixed point): the walk family's scalar implementation and the reference of the lanes.</summary>
internal sealed unsafe partial class ScanWorker
{
    /// <summary>Longest walk the packed loop takes, in voxels per axis from the start (fields of 21 bits).</summary>
    private const int PackedReach = (1 << 20) - 1;

    private const ulong LocalMask = 7UL | (7UL << 21) | (7UL << 42);

    /// <summary>Claims the voxels of the walk from the origin to the end voxel (not including it); the lanes take it where they run.</summary>
    public unsafe void MarkRay(Vector3 origin, Vector3 end, VoxelKey originKey, VoxelKey endKey)
    {
        var walk = new VoxelTraversal(origin, end, _map.Resolution, originKey, endKey);
        if (walk.IsLast)
        {
            return;
        }

        if (Math.Abs(endKey.X - originKey.X) >= PackedReach || Math.Abs(endKey.Y - originKey.Y) >= PackedReach || Math.Abs(endKey.Z - originKey.Z) >= PackedReach)
        {
            MarkRayUnpacked(walk);
            return;
        }

        (long maxX, long maxY, long maxZ, long deltaX, long deltaY, long deltaZ, int stepX, int stepY, int stepZ, _, _, _) = walk;
        if (_lanes)
        {
            Enqueue(endKey, stepX, stepY, stepZ, maxX, maxY, maxZ, deltaX, deltaY, deltaZ);
            return;
        }

        int x0 = walk.X, y0 = walk.Y, z0 = walk.Z;
        PackedWalk c = Packed(x0, y0, z0, endKey, stepX, stepY, stepZ, deltaX, deltaY, deltaZ);
        ulong position = ((1UL << 20) + (ulong)(x0 & 7)) | (((1UL << 20) + (ulong)(y0 & 7)) << 21) | (((1UL << 20) + (ulong)(z0 & 7)) << 42);
        int slot = SlotOf(x0 >> VoxelKey.BrickShift, y0 >> VoxelKey.BrickShift, z0 >> VoxelKey.BrickShift);
        Walk(c, position, maxX, maxY, maxZ, slot, Alone);
    }

    /// <summary>
    /// What the packed walk from <paramref name="x0"/>, <paramref name="y0"/>, <paramref name="z0"/> to
    /// <paramref name="endKey"/> does not change. The walk's state is kept in locals and stepped exactly as
    /// VoxelTraversal.Step does: this loop is the hot path of exact ray casting without the lanes. The voxel is one
    /// packed register, three 21-bit fields holding the offset from the start plus a bias of 2^20 + (start &amp; 7): a
    /// field's low 3 bits are then the voxel's index inside its brick, its other bits change exactly when the walk
    /// crosses into another brick, and one compare finds the end. With x, y and z and their ends in separate registers
    /// the JIT spilled half the state on every voxel (5.5 ns).
    /// </summary>
    private static PackedWalk Packed(int x0, int y0, int z0, VoxelKey endKey, int stepX, int stepY, int stepZ, long deltaX, long deltaY, long deltaZ)
    {
        ulong biasX = (1UL << 20) + (ulong)(x0 & 7), biasY = (1UL << 20) + (ulong)(y0 & 7), biasZ = (1UL << 20) + (ulong)(z0 & 7);
        return new PackedWalk
        {
            Last = (ulong)((long)biasX + (endKey.X - x0)) | ((ulong)((long)biasY + (endKey.Y - y0)) << 21) | ((ulong)((long)biasZ + (endKey.Z - z0)) << 42),
            MoveX = (ulong)(long)stepX,
            MoveY = (ulong)((long)stepY << 21),
            MoveZ = (ulong)((long)stepZ << 42),
            DeltaX = deltaX,
            DeltaY = deltaY,
            DeltaZ = deltaZ,
            LocalX = stepX,
            LocalY = stepY << 3,
            LocalZ = stepZ << 6,
            // Brick of a packed voxel: the start's brick plus how far its fields' upper bits have moved.
            BrickX0 = (x0 >> VoxelKey.BrickShift) - (int)(biasX >> 3),
            BrickY0 = (y0 >> VoxelKey.BrickShift) - (int)(biasY >> 3),
            BrickZ0 = (z0 >> VoxelKey.BrickShift) - (int)(biasZ >> 3),
        };
    }

    /// <summary>What a packed walk does not change: read from memory, so that the loop's registers hold its state.</summary>
    private struct PackedWalk
    {
        public ulong Last, MoveX, MoveY, MoveZ;
        public long DeltaX, DeltaY, DeltaZ;
        public int LocalX, LocalY, LocalZ, BrickX0, BrickY0, BrickZ0;
    }

    /// <summary>
    /// The walk itself, kept apart from its set-up so that the JIT sees only the loop's state (packed voxel, three
    /// crossing times, index in the brick, brick, its words and slot) and keeps it in registers.
    /// </summary>
    /// <param name="c">What the walk does not change.</param>
    /// <param name="position">The packed start voxel.</param>
    /// <param name="maxX">Fixed-point time of the first x crossing.</param>
    /// <param name="maxY">Fixed-point time of the first y crossing.</param>
    /// <param name="maxZ">Fixed-point time of the first z crossing.</param>
    /// <param name="slot">The start voxel's brick slot.</param>
    /// <param name="alone">
    /// No other thread claims in this scan (<see cref="Alone"/>): a claim is a plain OR. Beyond the walk grid most
    /// voxels a ray crosses are its own, and the interlocked OR each took was a tenth of a one-thread LiDAR build.
    /// </param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Walk(in PackedWalk c, ulong position, long maxX, long maxY, long maxZ, int slot, bool alone)
    {
        ulong brick = position & ~LocalMask;
        ulong* words = _marks.WordsPointer(slot);
        // The voxel's index inside its brick, kept by adding ±1, ±8 or ±64 per step; a step that leaves the brick
        // puts it out of line, but the brick test below catches that step and rebuilds it from the packed voxel.
        int local = LocalOf(position);
        while (true)
        {
            // The current voxel is marked unless it is the end voxel or the segment ends before leaving it (the
            // last voxel, as VoxelTraversal.IsLast); its exit time then also picks the axes to step.
            long t = Math.Min(Math.Min(maxX, maxY), maxZ);
            if ((position == c.Last) | (t > VoxelTraversal.FixedOne))
            {
                return;
            }

            if ((position & ~LocalMask) != brick)
            {
                brick = position & ~LocalMask;
                local = LocalOf(position);
                words = Enter(
                    c.BrickX0 + (int)((position & 0x1FFFFF) >> 3),
                    c.BrickY0 + (int)(((position >> 21) & 0x1FFFFF) >> 3),
                    c.BrickZ0 + (int)(((position >> 42) & 0x1FFFFF) >> 3),
                    out slot);
            }

            ulong* word = words + (local >> 6);
            ulong bit = 1UL << local;
            // Most voxels near the sensor are crossed by many rays: test before paying for the interlocked claim.
            if ((*word & bit) == 0)
            {
                if (alone)
                {
                    *word |= bit;
                    Push(ref Free, ref FreeCount, (slot << 9) | local);
                }
                else if ((Interlocked.Or(ref *word, bit) & bit) == 0)
                {
                    Push(ref Free, ref FreeCount, (slot << 9) | local);
                }
            }

            if (maxX == t)
            {
                position += c.MoveX;
                maxX += c.DeltaX;
                local += c.LocalX;
            }

            if (maxY == t)
            {
                position += c.MoveY;
                maxY += c.DeltaY;
                local += c.LocalY;
            }

            if (maxZ == t)
            {
                position += c.MoveZ;
                maxZ += c.DeltaZ;
                local += c.LocalZ;
            }
        }
    }

    /// <summary>Index inside its brick of a packed voxel: the low 3 bits of each field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LocalOf(ulong position) => (int)((position & 7) | ((position >> 18) & 0x38) | ((position >> 36) & 0x1C0));

    /// <summary>Walks longer than the packed fields reach (more than a million voxels along an axis).</summary>
    private void MarkRayUnpacked(VoxelTraversal walk)
    {
        SlotWords marks = _marks;
        while (true)
        {
            VoxelKey k = walk.Current;
            int slot = SlotOf(k.BrickX, k.BrickY, k.BrickZ);
            int local = k.LocalIndex;
            ref ulong word = ref Unsafe.Add(ref marks.Words(slot), local >> 6);
            ulong bit = 1UL << local;
            if ((word & bit) == 0 && (Interlocked.Or(ref word, bit) & bit) == 0)
            {
                Push(ref Free, ref FreeCount, (slot << 9) | local);
            }

            if (!walk.Advance() || walk.IsLast)
            {
                return;
            }
        }
    }
}
