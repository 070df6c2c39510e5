using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>The lanes' step loop in two 256-bit registers of four lanes (AVX2).</summary>
internal sealed unsafe partial class ScanWorker
{
    /// <summary>
    /// The scalar walk's steps, eight rays per step in two 256-bit registers of four: one minimum of the crossing
    /// times per lane picks the axes to step, as in <see cref="Walk"/>, with masks instead of branches. Each lane's
    /// voxel is a byte of the private grid, set with a plain store; nothing in a step branches on the data but the end
    /// of a ray or its leaving the grid. A lane whose ray ends takes the next queued walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StepLanes256(ulong* r, byte* grid, int next, int active, int count)
    {
        Vector256<long> fixedOne = Vector256.Create(VoxelTraversal.FixedOne);
        while (true)
        {
            // The loop calls nothing (a call would make the JIT keep every vector in memory): a lane that ends or
            // leaves the grid stops all eight; that is handled below, and the step starts again from its first test.
            Vector256<ulong> voxelA = Vector256.Load(r + RowVoxel), voxelB = Vector256.Load(r + RowVoxel + 4);
            Vector256<long> maxXA = Vector256.Load((long*)r + RowMaxX), maxXB = Vector256.Load((long*)r + RowMaxX + 4);
            Vector256<long> maxYA = Vector256.Load((long*)r + RowMaxY), maxYB = Vector256.Load((long*)r + RowMaxY + 4);
            Vector256<long> maxZA = Vector256.Load((long*)r + RowMaxZ), maxZB = Vector256.Load((long*)r + RowMaxZ + 4);
            Vector256<long> tA, tB;
            while (true)
            {
                tA = Vector256.Min(Vector256.Min(maxXA, maxYA), maxZA);
                tB = Vector256.Min(Vector256.Min(maxXB, maxYB), maxZB);
                Vector256<long> stopA = Vector256.Equals(voxelA, Vector256.Load(r + RowLast)).AsInt64() | Vector256.GreaterThan(tA, fixedOne) | Vector256.GreaterThanOrEqual(tA, Vector256.Load((long*)r + RowLeave));
                Vector256<long> stopB = Vector256.Equals(voxelB, Vector256.Load(r + RowLast + 4)).AsInt64() | Vector256.GreaterThan(tB, fixedOne) | Vector256.GreaterThanOrEqual(tB, Vector256.Load((long*)r + RowLeave + 4));
                if ((stopA | stopB) != Vector256<long>.Zero)
                {
                    break;
                }

                Mark(grid, voxelA, voxelB);

                // Each axis that steps adds its move and its crossing-time step: an AND with the compare's all-ones
                // lanes and an add (a select of the sum compiled to an add, AND, AND-NOT and OR without AVX-512).
                Vector256<long> stepXA = Vector256.Equals(maxXA, tA), stepYA = Vector256.Equals(maxYA, tA), stepZA = Vector256.Equals(maxZA, tA);
                Vector256<long> stepXB = Vector256.Equals(maxXB, tB), stepYB = Vector256.Equals(maxYB, tB), stepZB = Vector256.Equals(maxZB, tB);
                voxelA += (Vector256.Load(r + RowMoveX) & stepXA.AsUInt64()) + (Vector256.Load(r + RowMoveY) & stepYA.AsUInt64()) + (Vector256.Load(r + RowMoveZ) & stepZA.AsUInt64());
                voxelB += (Vector256.Load(r + RowMoveX + 4) & stepXB.AsUInt64()) + (Vector256.Load(r + RowMoveY + 4) & stepYB.AsUInt64()) + (Vector256.Load(r + RowMoveZ + 4) & stepZB.AsUInt64());
                maxXA += Vector256.Load((long*)r + RowDeltaX) & stepXA;
                maxYA += Vector256.Load((long*)r + RowDeltaY) & stepYA;
                maxZA += Vector256.Load((long*)r + RowDeltaZ) & stepZA;
                maxXB += Vector256.Load((long*)r + RowDeltaX + 4) & stepXB;
                maxYB += Vector256.Load((long*)r + RowDeltaY + 4) & stepYB;
                maxZB += Vector256.Load((long*)r + RowDeltaZ + 4) & stepZB;
            }

            voxelA.Store(r + RowVoxel);
            voxelB.Store(r + RowVoxel + 4);
            maxXA.Store((long*)r + RowMaxX);
            maxXB.Store((long*)r + RowMaxX + 4);
            maxYA.Store((long*)r + RowMaxY);
            maxYB.Store((long*)r + RowMaxY + 4);
            maxZA.Store((long*)r + RowMaxZ);
            maxZB.Store((long*)r + RowMaxZ + 4);
            uint ended = (Vector256.Equals(voxelA, Vector256.Load(r + RowLast)).AsInt64() | Vector256.GreaterThan(tA, fixedOne)).ExtractMostSignificantBits()
                | ((Vector256.Equals(voxelB, Vector256.Load(r + RowLast + 4)).AsInt64() | Vector256.GreaterThan(tB, fixedOne)).ExtractMostSignificantBits() << 4);
            uint left = (Vector256.GreaterThanOrEqual(tA, Vector256.Load((long*)r + RowLeave)).ExtractMostSignificantBits()
                | (Vector256.GreaterThanOrEqual(tB, Vector256.Load((long*)r + RowLeave + 4)).ExtractMostSignificantBits() << 4)) & ~ended;

            active -= Refill(r, ended, left, ref next, count);
            if (active == 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Marks the eight lanes' voxels, each taken out of the registers lane by lane (a store and eight loads would stall
    /// store forwarding) and set with a plain byte store. Inlined into the step loops, which must call nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mark(byte* grid, Vector256<ulong> a, Vector256<ulong> b)
    {
        ulong a0 = a.GetElement(0), a1 = a.GetElement(1), a2 = a.GetElement(2), a3 = a.GetElement(3);
        ulong b0 = b.GetElement(0), b1 = b.GetElement(1), b2 = b.GetElement(2), b3 = b.GetElement(3);
        grid[a0] = 1;
        grid[b0] = 1;
        grid[a1] = 1;
        grid[b1] = 1;
        grid[a2] = 1;
        grid[b2] = 1;
        grid[a3] = 1;
        grid[b3] = 1;
    }
}
