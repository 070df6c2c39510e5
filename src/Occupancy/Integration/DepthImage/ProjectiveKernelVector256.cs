using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// Projective update with 256-bit vectors: one brick row of 8 voxels per iteration, the depth lookups done with
/// AVX2's masked gather. Same operations, in the same order, as <see cref="ProjectiveKernelScalar"/>.
/// </summary>
internal sealed class ProjectiveKernelVector256 : ProjectiveKernel
{
    public override KernelWidth Width => KernelWidth.Vector256;

    [SkipLocalsInit]
    public override unsafe int IntegrateBrick(float* brick, in BrickProjection projection, in ProjectiveFrame frame, float* depth, byte* endpointMask)
    {
        BrickProjection p = projection;
        var lane = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        Vector256<float> laneX = lane * p.StepX.X, laneY = lane * p.StepX.Y, laneZ = lane * p.StepX.Z;
        Vector256<float> fx = Vector256.Create(frame.Fx), fy = Vector256.Create(frame.Fy);
        Vector256<float> cx = Vector256.Create(frame.Cx), cy = Vector256.Create(frame.Cy);
        Vector256<float> width = Vector256.Create((float)frame.Width), height = Vector256.Create((float)frame.Height);
        Vector256<int> stride = Vector256.Create(frame.Width);
        Vector256<float> maxR2 = Vector256.Create(frame.MaxRangeSquared), band = Vector256.Create(frame.Band);
        Vector256<float> minusBand = Vector256.Create(-frame.Band), minDepth = Vector256.Create(frame.MinDepth);
        Vector256<float> hit = Vector256.Create(frame.Hit), miss = Vector256.Create(frame.Miss);
        Vector256<float> lo = Vector256.Create(frame.ClampMin), hi = Vector256.Create(frame.ClampMax);
        Vector256<float> half = Vector256.Create(0.5f), maxValue = Vector256.Create(float.MaxValue);
        bool hardwareGather = Avx2.IsSupported;
        var laneBits = Vector256.Create(1, 2, 4, 8, 16, 32, 64, 128);
        int updated = 0, hits = 0;
        // Row origins: Origin + iy·StepY + iz·StepZ, the scalar strategy's float expression, summed in its order from
        // per-axis tables (lane iy of base is Origin + iy·StepY, lane iz of stepZ is iz·StepZ).
        Vector256<float> baseX = Vector256.Create(p.Origin.X) + (lane * p.StepY.X);
        Vector256<float> baseY = Vector256.Create(p.Origin.Y) + (lane * p.StepY.Y);
        Vector256<float> baseZ = Vector256.Create(p.Origin.Z) + (lane * p.StepY.Z);
        Vector256<float> stepZx = lane * p.StepZ.X, stepZy = lane * p.StepZ.Y, stepZz = lane * p.StepZ.Z;
        // The nearest centre of a row along the optical axis: its first voxel's z plus the lane offsets' least.
        float nearestLane = MathF.Min(0f, 7f * p.StepX.Z), behind = p.Behind > 0 ? p.Behind : float.PositiveInfinity; // 0: a default projection
        for (int iz = 0; iz < 8; iz++)
        {
            Vector256<float> planeX = baseX + Vector256.Create(stepZx.GetElement(iz));
            Vector256<float> planeY = baseY + Vector256.Create(stepZy.GetElement(iz));
            Vector256<float> planeZ = baseZ + Vector256.Create(stepZz.GetElement(iz));
            for (int iy = 0; iy < 8; iy++)
            {
                int rowEndpoints = endpointMask[(iz * 8) + iy];
                if (planeZ.GetElement(iy) + nearestLane > behind && rowEndpoints == 0)
                {
                    continue; // wholly behind the deepest return it can see: nothing to read, nothing changes
                }

                Vector256<float> x = Vector256.Create(planeX.GetElement(iy)) + laneX;
                Vector256<float> y = Vector256.Create(planeY.GetElement(iy)) + laneY;
                Vector256<float> z = Vector256.Create(planeZ.GetElement(iy)) + laneZ;
                Vector256<float> r2 = (x * x) + (y * y) + (z * z);
                Vector256<float> valid = Vector256.GreaterThan(z, minDepth) & Vector256.LessThanOrEqual(r2, maxR2);
                Vector256<float> uf = Vector256.Floor((fx * x / z) + cx + half);
                Vector256<float> vf = Vector256.Floor((fy * y / z) + cy + half);
                valid &= Vector256.GreaterThanOrEqual(uf, Vector256<float>.Zero) & Vector256.LessThan(uf, width)
                       & Vector256.GreaterThanOrEqual(vf, Vector256<float>.Zero) & Vector256.LessThan(vf, height);
                if (valid == Vector256<float>.Zero && rowEndpoints == 0)
                {
                    continue;
                }

                Vector256<float> endpoint = Vector256.Equals(Vector256.Create(rowEndpoints) & laneBits, laneBits).AsSingle();

                Vector256<float> free, isHit;
                if (depth == null)
                {
                    // The brick lies wholly in front of the surfaces: no gather, which is most of a row's time.
                    free = valid;
                    isHit = endpoint;
                }
                else
                {
                    // The native truncation: a lane outside int's range differs from the saturating conversion's, but such
                    // lanes are not valid and masked out (the saturating one cost 8 instructions more a row).
                    Vector256<int> index = ((Vector256.ConvertToInt32Native(vf) * stride) + Vector256.ConvertToInt32Native(uf)) & valid.AsInt32();
                    Vector256<float> d = hardwareGather
                        ? Avx2.GatherMaskVector256(Vector256<float>.Zero, depth, index, valid, 4)
                        : SoftwareGather(depth, index) & valid;
                    Vector256<float> ok = valid & Vector256.GreaterThan(d, Vector256<float>.Zero) & Vector256.LessThanOrEqual(d, maxValue);
                    Vector256<float> beyond = Vector256.GreaterThan(d * d * r2, maxR2 * z * z);
                    Vector256<float> sd = d - z;
                    free = ok & (beyond | Vector256.GreaterThan(sd, band));
                    isHit = (Vector256.AndNot(ok, free) & Vector256.GreaterThanOrEqual(sd, minusBand)) | endpoint;
                }

                free = Vector256.AndNot(free, endpoint);
                Vector256<float> update = free | isHit;

                // No branch on "nothing to update": it hangs on the gather, and each misprediction stalled the next
                // rows' gathers behind this one's cache misses (the depth image does not fit in L2). Storing a row back
                // unchanged costs less.
                float* row = brick + (iz * 64) + (iy * 8);
                Vector256<float> old = Vector256.Load(row);
                Vector256<float> known = old & Vector256.Equals(old, old);
                Vector256<float> v = known + Vector256.ConditionalSelect(isHit, hit, miss);
                v = Vector256.MinNative(Vector256.MaxNative(v, lo), hi);
                Vector256.ConditionalSelect(update, v, old).Store(row);
                updated += BitOperations.PopCount(update.ExtractMostSignificantBits());
                hits += BitOperations.PopCount(isHit.ExtractMostSignificantBits());
            }
        }

        return updated | (hits << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> SoftwareGather(float* depth, Vector256<int> index) =>
        Vector256.Create(depth[index[0]], depth[index[1]], depth[index[2]], depth[index[3]], depth[index[4]], depth[index[5]], depth[index[6]], depth[index[7]]);
}
