using System;
using System.Runtime.CompilerServices;

namespace Occupancy;

/// <summary>
/// The scalar reference of the projective update: one voxel at a time. The vector strategies must equal it bit for bit.
/// </summary>
internal sealed class ProjectiveKernelScalar : ProjectiveKernel
{
    public override KernelWidth Width => KernelWidth.Scalar;

    [SkipLocalsInit]
    public override unsafe int IntegrateBrick(float* brick, in BrickProjection projection, in ProjectiveFrame frame, float* depth, byte* endpointMask)
    {
        float fx = frame.Fx, fy = frame.Fy, cx = frame.Cx, cy = frame.Cy;
        float width = frame.Width, height = frame.Height;
        int stride = frame.Width;
        float maxR2 = frame.MaxRangeSquared, band = frame.Band, minDepth = frame.MinDepth;
        float hit = frame.Hit, miss = frame.Miss, lo = frame.ClampMin, hi = frame.ClampMax;
        BrickProjection p = projection;
        int updated = 0, hits = 0;
        for (int iz = 0; iz < 8; iz++)
        {
            for (int iy = 0; iy < 8; iy++)
            {
                // Row origin: the same float expression as the vector strategies use.
                float rowX = p.Origin.X + (iy * p.StepY.X) + (iz * p.StepZ.X);
                float rowY = p.Origin.Y + (iy * p.StepY.Y) + (iz * p.StepZ.Y);
                float rowZ = p.Origin.Z + (iy * p.StepY.Z) + (iz * p.StepZ.Z);
                float* row = brick + (iz * 64) + (iy * 8);
                int rowEndpoints = endpointMask[(iz * 8) + iy];
                for (int ix = 0; ix < 8; ix++)
                {
                    bool endpoint = ((rowEndpoints >> ix) & 1) != 0;
                    bool free = false, isHit = false;
                    float x = rowX + (ix * p.StepX.X);
                    float y = rowY + (ix * p.StepX.Y);
                    float z = rowZ + (ix * p.StepX.Z);
                    float r2 = (x * x) + (y * y) + (z * z);
                    if (z > minDepth && r2 <= maxR2)
                    {
                        float uf = MathF.Floor((fx * x / z) + cx + 0.5f);
                        float vf = MathF.Floor((fy * y / z) + cy + 0.5f);
                        if (uf >= 0f && uf < width && vf >= 0f && vf < height)
                        {
                            if (depth == null)
                            {
                                free = true; // the brick lies wholly in front of the surfaces (see ProjectiveKernel.IntegrateBrick)
                            }
                            else
                            {
                                float d = depth[((int)vf * stride) + (int)uf];
                                if (d > 0f && d <= float.MaxValue)
                                {
                                    bool beyond = d * d * r2 > maxR2 * z * z;
                                    float sd = d - z;
                                    free = beyond || sd > band;
                                    isHit = !free && sd >= -band;
                                }
                            }
                        }
                    }

                    // A voxel holding an endpoint of this frame is a hit, and a hit wins over a miss.
                    isHit |= endpoint;
                    free &= !endpoint;
                    if (free | isHit)
                    {
                        float old = row[ix];
                        float v = (float.IsNaN(old) ? 0f : old) + (isHit ? hit : miss);
                        v = v < lo ? lo : v;
                        v = v > hi ? hi : v;
                        row[ix] = v;
                        updated++;
                        hits += isHit ? 1 : 0;
                    }
                }
            }
        }

        return updated | (hits << 16);
    }
}
