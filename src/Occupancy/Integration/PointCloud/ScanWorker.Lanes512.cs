using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>The lanes in one 512-bit register (AVX-512): their step loop, and the set-up of 8 rays at a time.</summary>
internal sealed unsafe partial class ScanWorker
{
    /// <summary>
    /// Sets up the rays of points[0..8) as <see cref="MarkRay"/> and <see cref="MarkHit"/> do one by one, with the
    /// same arithmetic in 512-bit registers (eight doubles; the six divisions of a ray and its float-to-fixed
    /// conversions are then an eighth of the work): every point in the map, within the maximum range and less than
    /// a million voxels from the origin along each axis has its walk queued and its hit claimed. Returns the lanes
    /// left for the one-by-one path (no return, outside the map, beyond the range, too far).
    /// </summary>
    /// <remarks>
    /// The set-up one ray at a time was a quarter of exact ray casting on one thread (8.5 of 34 ms a frame).
    /// </remarks>
    public uint SetupRays8(Vector3* points)
    {
        KeyKernel.Load8(points, out Vector256<float> x, out Vector256<float> y, out Vector256<float> z);
        KeyKernel.Keys8(x, y, z, _inverseResolution, _wideKeys, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out _, out Vector256<int> inMap);
        // Range: the same float expression as MarkJob's (and depth images' endpoint marking).
        Vector256<float> dx = x - Vector256.Create(_rayOrigin.X), dy = y - Vector256.Create(_rayOrigin.Y), dz = z - Vector256.Create(_rayOrigin.Z);
        Vector256<float> length = Vector256.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        Vector256<int> rx = ix - Vector256.Create(_originX), ry = iy - Vector256.Create(_originY), rz = iz - Vector256.Create(_originZ);
        Vector256<int> reach = Vector256.Create(PackedReach);
        Vector256<int> ok = inMap & Vector256.LessThanOrEqual(length, Vector256.Create(_maxRange)).AsInt32()
            & Vector256.LessThan(Vector256.Abs(rx), reach) & Vector256.LessThan(Vector256.Abs(ry), reach) & Vector256.LessThan(Vector256.Abs(rz), reach);
        uint okLanes = ok.ExtractMostSignificantBits();
        if (okLanes == 0)
        {
            return 0xFF;
        }

        // VoxelTraversal's set-up: the float unit direction, fixed point with the float length as 2^52.
        Vector512<double> scale = Vector512.Create((double)VoxelTraversal.FixedOne) / Avx512F.ConvertToVector512Double(length);
        Axis8(dx / length, _upX, _downX, _resolution, scale, VoxelTraversal.TagX, out Vector512<long> stepX, out Vector512<long> maxX, out Vector512<long> deltaX);
        Axis8(dy / length, _upY, _downY, _resolution, scale, VoxelTraversal.TagY, out Vector512<long> stepY, out Vector512<long> maxY, out Vector512<long> deltaY);
        Axis8(dz / length, _upZ, _downZ, _resolution, scale, VoxelTraversal.TagZ, out Vector512<long> stepZ, out Vector512<long> maxZ, out Vector512<long> deltaZ);

        // No walk where the end voxel is the origin's or the first crossing lies beyond t = 1 (VoxelTraversal.IsLast).
        Vector512<long> tMin = Vector512.Min(Vector512.Min(maxX, maxY), maxZ);
        Vector256<int> atOrigin = Vector256.Equals(rx | ry | rz, Vector256<int>.Zero);
        Vector512<long> walks = Avx512F.ConvertToVector512Int64(Vector256.AndNot(ok, atOrigin)) & ~Vector512.GreaterThan(tMin, Vector512.Create(VoxelTraversal.FixedOne));

        // The end in the grid (none where it lies outside), and the exit time as Leave computes it.
        Vector256<int> gx = ix - Vector256.Create(_cornerX), gy = iy - Vector256.Create(_cornerY), gz = iz - Vector256.Create(_cornerZ);
        Vector256<int> outside = ~Vector256.LessThan((gx | gy | gz).AsUInt32(), Vector256.Create((uint)GridVoxels)).AsInt32();
        Vector512<long> last = Avx512F.ConvertToVector512Int64(gx | (gy << 8) | (gz << 16) | outside);
        long start = OriginVoxel;
        Vector512<long> leave = Vector512.Min(
            Vector512.Min(Leave8(stepX, maxX, deltaX, GridVoxels - 1 - (start & 0xFF), start & 0xFF), Leave8(stepY, maxY, deltaY, GridVoxels - 1 - ((start >> 8) & 0xFF), (start >> 8) & 0xFF)),
            Leave8(stepZ, maxZ, deltaZ, GridVoxels - 1 - (start >> 16), start >> 16));

        int k = _queued;
        Compress(walks, last).Store(Queue(QLast) + k);
        Compress(walks, leave).Store(Queue(QLeave) + k);
        Compress(walks, maxX).Store(Queue(QMaxX) + k);
        Compress(walks, maxY).Store(Queue(QMaxY) + k);
        Compress(walks, maxZ).Store(Queue(QMaxZ) + k);
        Compress(walks, stepX).Store(Queue(QMoveX) + k);
        Compress(walks, stepY << 8).Store(Queue(QMoveY) + k);
        Compress(walks, stepZ << 16).Store(Queue(QMoveZ) + k);
        Compress(walks, deltaX).Store(Queue(QDeltaX) + k);
        Compress(walks, deltaY).Store(Queue(QDeltaY) + k);
        Compress(walks, deltaZ).Store(Queue(QDeltaZ) + k);
        Compress(walks, Avx512F.ConvertToVector512Int64(ix)).Store(Queue(QEndX) + k);
        Compress(walks, Avx512F.ConvertToVector512Int64(iy)).Store(Queue(QEndY) + k);
        Compress(walks, Avx512F.ConvertToVector512Int64(iz)).Store(Queue(QEndZ) + k);
        _queued = k + BitOperations.PopCount(walks.ExtractMostSignificantBits());

        for (uint lanes = okLanes; lanes != 0; lanes &= lanes - 1)
        {
            int lane = BitOperations.TrailingZeroCount(lanes);
            MarkHit(new VoxelKey(ix.GetElement(lane), iy.GetElement(lane), iz.GetElement(lane)));
        }

        if (_queued >= LaneQueueLength)
        {
            FlushLanes();
        }

        return ~okLanes & 0xFF;
    }

    /// <summary>The lanes of <paramref name="value"/> where <paramref name="mask"/> is set, moved to the front.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Compress(Vector512<long> mask, Vector512<long> value) => Avx512F.Compress(Vector512<long>.Zero, mask, value);

    /// <summary>VoxelTraversal's per-axis set-up for 8 rays from the origin: step, first crossing time (tagged) and its step in fixed point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axis8(Vector256<float> direction, double up, double down, double resolution, Vector512<double> scale, long tag, out Vector512<long> step, out Vector512<long> max, out Vector512<long> delta)
    {
        Vector512<double> d = Avx512F.ConvertToVector512Double(direction);
        Vector512<double> rising = Vector512.GreaterThan(d, Vector512<double>.Zero), falling = Vector512.LessThan(d, Vector512<double>.Zero);
        Vector512<double> numerator = Vector512.ConditionalSelect(rising, Vector512.Create(up), Vector512.Create(down));
        Vector512<long> moving = (rising | falling).AsInt64();
        step = falling.AsInt64() - rising.AsInt64();
        Vector512<long> untagged = Vector512.Create(~VoxelTraversal.TagMask);
        max = Vector512.ConditionalSelect(moving, (ToFixed8(numerator / d * scale) & untagged) | Vector512.Create(tag), Vector512.Create(VoxelTraversal.FixedNever));
        delta = Vector512.ConditionalSelect(moving, ToFixed8(Vector512.Create(resolution) / Vector512.Abs(d) * scale) & untagged, Vector512.Create(VoxelTraversal.FixedNever));
    }

    /// <summary>VoxelTraversal's ToFixed for 8 values already in fixed-point units: Never from 2^61 on, else truncated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> ToFixed8(Vector512<double> t) => Vector512.ConditionalSelect(
        Vector512.GreaterThanOrEqual(t, Vector512.Create((double)VoxelTraversal.FixedNever)).AsInt64(),
        Vector512.Create(VoxelTraversal.FixedNever),
        Avx512DQ.ConvertToVector512Int64WithTruncation(t));

    /// <summary><see cref="Leave"/> for 8 lanes, with the voxels ahead of the origin's going up and going down.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Leave8(Vector512<long> step, Vector512<long> max, Vector512<long> delta, long aheadUp, long aheadDown)
    {
        Vector512<long> ahead = Vector512.ConditionalSelect(Vector512.GreaterThan(step, Vector512<long>.Zero), Vector512.Create(aheadUp), Vector512.Create(aheadDown));
        Vector512<long> never = Vector512.Equals(step, Vector512<long>.Zero) | Vector512.GreaterThanOrEqual(delta, Vector512.Create(LeaveNeverDelta));
        return Vector512.ConditionalSelect(never, Vector512.Create(long.MaxValue), max + (ahead * delta));
    }

    /// <summary>
    /// The steps of <see cref="StepLanes256"/> with the eight lanes in one 512-bit register: each compare gives a mask
    /// register and each axis's update is one masked add (with 256-bit registers, a compare, an add and a blend).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StepLanes512(ulong* r, byte* grid, int next, int active, int count)
    {
        Vector512<long> fixedOne = Vector512.Create(VoxelTraversal.FixedOne);
        while (true)
        {
            Vector512<ulong> voxel = Vector512.Load(r + RowVoxel);
            Vector512<long> maxX = Vector512.Load((long*)r + RowMaxX);
            Vector512<long> maxY = Vector512.Load((long*)r + RowMaxY);
            Vector512<long> maxZ = Vector512.Load((long*)r + RowMaxZ);
            Vector512<ulong> last = Vector512.Load(r + RowLast);
            Vector512<long> leave = Vector512.Load((long*)r + RowLeave);
            Vector512<ulong> moveX = Vector512.Load(r + RowMoveX), moveY = Vector512.Load(r + RowMoveY), moveZ = Vector512.Load(r + RowMoveZ);
            Vector512<long> deltaX = Vector512.Load((long*)r + RowDeltaX), deltaY = Vector512.Load((long*)r + RowDeltaY), deltaZ = Vector512.Load((long*)r + RowDeltaZ);
            Vector512<long> t;
            while (true)
            {
                t = Vector512.Min(Vector512.Min(maxX, maxY), maxZ);
                Vector512<long> stop = Vector512.Equals(voxel, last).AsInt64() | Vector512.GreaterThan(t, fixedOne) | Vector512.GreaterThanOrEqual(t, leave);
                if (stop != Vector512<long>.Zero)
                {
                    break;
                }

                Mark(grid, voxel.GetLower(), voxel.GetUpper());

                voxel = Vector512.ConditionalSelect(Vector512.Equals(maxX, t).AsUInt64(), voxel + moveX, voxel);
                voxel = Vector512.ConditionalSelect(Vector512.Equals(maxY, t).AsUInt64(), voxel + moveY, voxel);
                voxel = Vector512.ConditionalSelect(Vector512.Equals(maxZ, t).AsUInt64(), voxel + moveZ, voxel);
                maxX = Vector512.ConditionalSelect(Vector512.Equals(maxX, t), maxX + deltaX, maxX);
                maxY = Vector512.ConditionalSelect(Vector512.Equals(maxY, t), maxY + deltaY, maxY);
                maxZ = Vector512.ConditionalSelect(Vector512.Equals(maxZ, t), maxZ + deltaZ, maxZ);
            }

            voxel.Store(r + RowVoxel);
            maxX.Store((long*)r + RowMaxX);
            maxY.Store((long*)r + RowMaxY);
            maxZ.Store((long*)r + RowMaxZ);
            uint ended = (uint)(Vector512.Equals(voxel, last).AsInt64() | Vector512.GreaterThan(t, fixedOne)).ExtractMostSignificantBits();
            uint left = (uint)Vector512.GreaterThanOrEqual(t, leave).ExtractMostSignificantBits() & ~ended;
            active -= Refill(r, ended, left, ref next, count);
            if (active == 0)
            {
                return;
            }
        }
    }
}
