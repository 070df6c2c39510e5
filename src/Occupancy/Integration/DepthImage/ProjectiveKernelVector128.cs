using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>
/// Projective update with 128-bit vectors: each brick row of 8 voxels as two halves of 4 lanes, depth gathered lane
/// by lane (SSE has no gather). Same operations, in the same order, as <see cref="ProjectiveKernelScalar"/>.
/// </summary>
internal sealed class ProjectiveKernelVector128 : ProjectiveKernel
{
    public override KernelWidth Width => KernelWidth.Vector128;

    [SkipLocalsInit]
    public override unsafe int IntegrateBrick(float* brick, in BrickProjection projection, in ProjectiveFrame frame, float* depth, byte* endpointMask)
    {
        BrickProjection p = projection;
        int updated = 0;
        var lanes = new Lanes(p.StepX, frame);
        for (int iz = 0; iz < 8; iz++)
        {
            for (int iy = 0; iy < 8; iy++)
            {
                float rowX = p.Origin.X + (iy * p.StepY.X) + (iz * p.StepZ.X);
                float rowY = p.Origin.Y + (iy * p.StepY.Y) + (iz * p.StepZ.Y);
                float rowZ = p.Origin.Z + (iy * p.StepY.Z) + (iz * p.StepZ.Z);
                float* row = brick + (iz * 64) + (iy * 8);
                int rowEndpoints = endpointMask[(iz * 8) + iy];
                updated += Half(row, rowX, rowY, rowZ, lanes.X0, lanes.Y0, lanes.Z0, rowEndpoints & 15, in lanes, depth);
                updated += Half(row + 4, rowX, rowY, rowZ, lanes.X1, lanes.Y1, lanes.Z1, rowEndpoints >> 4, in lanes, depth);
            }
        }

        return updated;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Half(float* row, float rowX, float rowY, float rowZ, Vector128<float> laneX, Vector128<float> laneY, Vector128<float> laneZ, int endpoints, in Lanes c, float* depth)
    {
        Vector128<float> x = Vector128.Create(rowX) + laneX;
        Vector128<float> y = Vector128.Create(rowY) + laneY;
        Vector128<float> z = Vector128.Create(rowZ) + laneZ;
        Vector128<float> r2 = (x * x) + (y * y) + (z * z);
        Vector128<float> valid = Vector128.GreaterThan(z, c.MinDepth) & Vector128.LessThanOrEqual(r2, c.MaxR2);
        Vector128<float> uf = Vector128.Floor((c.Fx * x / z) + c.Cx + c.Half);
        Vector128<float> vf = Vector128.Floor((c.Fy * y / z) + c.Cy + c.Half);
        valid &= Vector128.GreaterThanOrEqual(uf, Vector128<float>.Zero) & Vector128.LessThan(uf, c.Width)
               & Vector128.GreaterThanOrEqual(vf, Vector128<float>.Zero) & Vector128.LessThan(vf, c.Height);
        if (valid == Vector128<float>.Zero && endpoints == 0)
        {
            return 0;
        }

        Vector128<float> endpoint = Vector128.Equals(Vector128.Create(endpoints) & c.LaneBits, c.LaneBits).AsSingle();

        Vector128<float> free, isHit;
        if (depth == null)
        {
            free = valid; // the brick lies wholly in front of the surfaces (see ProjectiveKernel.IntegrateBrick)
            isHit = endpoint;
        }
        else
        {
            Vector128<int> index = ((Vector128.ConvertToInt32Native(vf) * c.Stride) + Vector128.ConvertToInt32Native(uf)) & valid.AsInt32(); // lanes out of int range are not valid
            Vector128<float> d = Vector128.Create(depth[index[0]], depth[index[1]], depth[index[2]], depth[index[3]]) & valid;
            Vector128<float> ok = valid & Vector128.GreaterThan(d, Vector128<float>.Zero) & Vector128.LessThanOrEqual(d, c.MaxValue);
            Vector128<float> beyond = Vector128.GreaterThan(d * d * r2, c.MaxR2 * z * z);
            Vector128<float> sd = d - z;
            free = ok & (beyond | Vector128.GreaterThan(sd, c.Band));
            isHit = (Vector128.AndNot(ok, free) & Vector128.GreaterThanOrEqual(sd, c.MinusBand)) | endpoint;
        }

        free = Vector128.AndNot(free, endpoint);
        Vector128<float> update = free | isHit;
        if (update == Vector128<float>.Zero)
        {
            return 0;
        }

        Vector128<float> old = Vector128.Load(row);
        Vector128<float> known = old & Vector128.Equals(old, old);
        Vector128<float> v = known + Vector128.ConditionalSelect(isHit, c.Hit, c.Miss);
        v = Vector128.MinNative(Vector128.MaxNative(v, c.Lo), c.Hi);
        Vector128.ConditionalSelect(update, v, old).Store(row);
        return BitOperations.PopCount(update.ExtractMostSignificantBits()) | (BitOperations.PopCount(isHit.ExtractMostSignificantBits()) << 16);
    }

    /// <summary>Frame constants broadcast once per brick.</summary>
    private readonly struct Lanes
    {
        public readonly Vector128<float> X0, Y0, Z0, X1, Y1, Z1;
        public readonly Vector128<float> Fx, Fy, Cx, Cy, Width, Height, MaxR2, Band, MinusBand, MinDepth, Hit, Miss, Lo, Hi, Half, MaxValue;
        public readonly Vector128<int> Stride, LaneBits;

        public Lanes(System.Numerics.Vector3 stepX, in ProjectiveFrame f)
        {
            var first = Vector128.Create(0f, 1f, 2f, 3f);
            var second = Vector128.Create(4f, 5f, 6f, 7f);
            X0 = first * stepX.X;
            Y0 = first * stepX.Y;
            Z0 = first * stepX.Z;
            X1 = second * stepX.X;
            Y1 = second * stepX.Y;
            Z1 = second * stepX.Z;
            Fx = Vector128.Create(f.Fx);
            Fy = Vector128.Create(f.Fy);
            Cx = Vector128.Create(f.Cx);
            Cy = Vector128.Create(f.Cy);
            Width = Vector128.Create((float)f.Width);
            Height = Vector128.Create((float)f.Height);
            Stride = Vector128.Create(f.Width);
            LaneBits = Vector128.Create(1, 2, 4, 8);
            MaxR2 = Vector128.Create(f.MaxRangeSquared);
            Band = Vector128.Create(f.Band);
            MinusBand = Vector128.Create(-f.Band);
            MinDepth = Vector128.Create(f.MinDepth);
            Hit = Vector128.Create(f.Hit);
            Miss = Vector128.Create(f.Miss);
            Lo = Vector128.Create(f.ClampMin);
            Hi = Vector128.Create(f.ClampMax);
            Half = Vector128.Create(0.5f);
            MaxValue = Vector128.Create(float.MaxValue);
        }
    }
}
