using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Occupancy;

/// <summary>Ray casting through the map, with per-brick summaries that let rays skip bricks without an occupied voxel. World frame, metres, z up.</summary>
public sealed partial class OccupancyMap
{
    /// <summary>
    /// Casts a ray through the map and stops at the first occupied voxel, visiting exactly the voxels the segment
    /// from <paramref name="origin"/> to origin + <paramref name="maxDistance"/> · direction passes through.
    /// The voxel holding the origin is tested too.
    /// </summary>
    /// <param name="origin">Start of the ray, world frame, metres.</param>
    /// <param name="direction">Direction, world frame; need not be unit length but must not be zero.</param>
    /// <param name="maxDistance">Length of the ray, metres.</param>
    /// <param name="unknown">What to do at a voxel that was never observed.</param>
    /// <returns>Where and why the ray stopped.</returns>
    /// <exception cref="ArgumentException">An input is not finite, the direction is zero, the distance is not positive, or the ray leaves the map.</exception>
    public RayCastResult CastRay(Vector3 origin, Vector3 direction, float maxDistance, UnknownPolicy unknown)
    {
        ThrowHelper.ThrowIfNotFinite(origin, nameof(origin));
        ThrowHelper.ThrowIfNotFinite(direction, nameof(direction));
        ThrowHelper.ThrowIfNotPositiveFinite(maxDistance, nameof(maxDistance));
        if (direction == Vector3.Zero)
        {
            ThrowHelper.Argument(nameof(direction), "direction must not be the zero vector.");
        }

        ThrowHelper.ThrowIfUndefined(unknown, nameof(unknown));

        Vector3 unit = Normalization.Unit(direction);
        Vector3 end = origin + (unit * maxDistance);
        VoxelKey endKey = default;
        if (!TryGetKey(origin, out VoxelKey originKey) || !TryGetKey(end, out endKey))
        {
            ThrowHelper.Argument(nameof(maxDistance), string.Create(CultureInfo.InvariantCulture, $"the ray from {origin} of length {maxDistance} leaves the map."));
        }

        // Summaries are tagged with the version read before any voxel; a removal meanwhile (ClearRegion, Clear) makes
        // the ray start again.
        long stamp = StructureStamp();
        while (true)
        {
            RayCastResult result = CastRayOnce(origin, unit, maxDistance, unknown, originKey, endKey, ReadVersion());
            if (StructureHeld(stamp))
            {
                return result;
            }

            stamp = WaitForStructure();
        }
    }

    private RayCastResult CastRayOnce(Vector3 origin, Vector3 unit, float maxDistance, UnknownPolicy unknown, VoxelKey originKey, VoxelKey endKey, long version)
    {
        Vector3 end = origin + (unit * maxDistance);
        float threshold = SensorModel.OccupiedLogOdds;
        var walk = new VoxelTraversal(origin, end, Resolution, originKey, endKey);
        // The walk's state in locals, stepped as VoxelTraversal.Step does (struct fields would round-trip through
        // memory on every voxel). Unknown bricks are crossed without a lookup per voxel.
        (long maxX, long maxY, long maxZ, long deltaX, long deltaY, long deltaZ, int stepX, int stepY, int stepZ, int endX, int endY, int endZ) = walk;
        int x = walk.X, y = walk.Y, z = walk.Z;
        bool last = walk.IsLast;
        long entry = 0;
        int bx = int.MinValue, by = 0, bz = 0;
        float[]? brick = null; // the slab of the brick the walk is in, its voxels from brickStart
        int brickStart = 0;
        bool skippable = false;
        RayCastOutcome onUnknown = unknown switch
        {
            UnknownPolicy.TreatAsOccupied => RayCastOutcome.Hit,
            UnknownPolicy.Report => RayCastOutcome.Unknown,
            _ => RayCastOutcome.NoHit,
        };
        while (true)
        {
            int nbx = x >> VoxelKey.BrickShift, nby = y >> VoxelKey.BrickShift, nbz = z >> VoxelKey.BrickShift;
            if (((nbx ^ bx) | (nby ^ by) | (nbz ^ bz)) != 0)
            {
                int slot = FindBrick(nbx, nby, nbz);
                brick = slot < 0 ? null : Volatile.Read(ref _bricks)[slot];
                brickStart = slot < 0 ? 0 : CellStart(slot);
                // Under TreatAsFree nothing in an unobserved brick, or in a brick without an occupied voxel, can stop the ray.
                skippable = onUnknown == RayCastOutcome.NoHit && (brick is null || !BrickHasOccupied(slot, brick.AsSpan(brickStart, BrickVoxels), version));
                bx = nbx;
                by = nby;
                bz = nbz;
            }

            if (skippable && !last)
            {
                // Jump to the voxel where the ray leaves the brick. For each axis, the crossings up to the brick's exit
                // time T happen at max + k·delta; counting them gives the voxel the step-by-step walk would reach at T,
                // ties included. Not done when the end lies in this brick.
                long exitX = BrickExit(maxX, deltaX, stepX > 0 ? 7 - (x & 7) : stepX < 0 ? x & 7 : 0);
                long exitY = BrickExit(maxY, deltaY, stepY > 0 ? 7 - (y & 7) : stepY < 0 ? y & 7 : 0);
                long exitZ = BrickExit(maxZ, deltaZ, stepZ > 0 ? 7 - (z & 7) : stepZ < 0 ? z & 7 : 0);
                long exit = Math.Min(Math.Min(exitX, exitY), exitZ);
                if (exit <= VoxelTraversal.FixedOne)
                {
                    long kx = maxX <= exit ? ((exit - maxX) / deltaX) + 1 : 0;
                    long ky = maxY <= exit ? ((exit - maxY) / deltaY) + 1 : 0;
                    long kz = maxZ <= exit ? ((exit - maxZ) / deltaZ) + 1 : 0;
                    x += stepX * (int)kx;
                    y += stepY * (int)ky;
                    z += stepZ * (int)kz;
                    maxX += kx * deltaX;
                    maxY += ky * deltaY;
                    maxZ += kz * deltaZ;
                    entry = exit;
                    last = (((x ^ endX) | (y ^ endY) | (z ^ endZ)) == 0) | (Math.Min(Math.Min(maxX, maxY), maxZ) > VoxelTraversal.FixedOne);
                    continue;
                }
            }

            RayCastOutcome outcome;
            if (brick is null)
            {
                outcome = onUnknown;
            }
            else
            {
                float l = brick[brickStart + ((x & 7) | ((y & 7) << 3) | ((z & 7) << 6))];
                outcome = l >= threshold ? RayCastOutcome.Hit : float.IsNaN(l) ? onUnknown : RayCastOutcome.NoHit;
            }

            if (outcome != RayCastOutcome.NoHit || last)
            {
                float distance = (float)((double)entry / VoxelTraversal.FixedOne * maxDistance);
                return new RayCastResult(outcome, new VoxelKey(x, y, z), origin + (unit * distance), distance);
            }

            long t = Math.Min(Math.Min(maxX, maxY), maxZ);
            entry = t;
            int ax = maxX == t ? 1 : 0, ay = maxY == t ? 1 : 0, az = maxZ == t ? 1 : 0;
            x += stepX & -ax;
            y += stepY & -ay;
            z += stepZ & -az;
            maxX += deltaX & -(long)ax;
            maxY += deltaY & -(long)ay;
            maxZ += deltaZ & -(long)az;
            last = (((x ^ endX) | (y ^ endY) | (z ^ endZ)) == 0) | (Math.Min(Math.Min(maxX, maxY), maxZ) > VoxelTraversal.FixedOne);
        }
    }

    /// <summary>
    /// Fixed-point time at which a walk leaves its brick along one axis: the crossing after <paramref name="inside"/>
    /// more crossings within the brick. Deltas of 2^57 and more (an axis that barely moves) cannot overflow.
    /// </summary>
    private static long BrickExit(long max, long delta, int inside) =>
        inside == 0 ? max : delta >= (1L << 57) ? 1L << 60 : max + (inside * delta);

    /// <summary>
    /// Whether a brick holds an occupied voxel, computed once per brick per map version (a SIMD pass over 512 values)
    /// and kept until the map changes: ray casts through free space then skip such bricks whole. The answer and its
    /// version are one word, written and read whole, so rays on other threads never pair one brick's answer with
    /// another version; <paramref name="version"/> was read before the brick's voxels, so an answer computed while a
    /// write was under way carries the version before it and is dropped when the write ends.
    /// </summary>
    private bool BrickHasOccupied(int slot, ReadOnlySpan<float> brick, long version)
    {
        long[] summaries = Volatile.Read(ref _summaries);
        if ((uint)slot < (uint)summaries.Length)
        {
            long entry = Volatile.Read(ref summaries[slot]);
            if (entry >> 1 == version)
            {
                return (entry & 1) != 0;
            }
        }

        bool occupied = VoxelCountKernel.Count(brick, SensorModel.OccupiedLogOdds, Kernels.Counts).Occupied > 0;
        if ((uint)slot < (uint)summaries.Length)
        {
            Volatile.Write(ref summaries[slot], (version << 1) | (occupied ? 1L : 0L));
        }

        return occupied;
    }
}
