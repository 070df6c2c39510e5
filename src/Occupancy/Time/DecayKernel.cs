using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>
/// Decays a brick's known log-odds toward unknown in place: |l| becomes |l|·scale − step, keeping its sign, and a
/// voxel whose magnitude falls below the forget threshold becomes unknown (NaN). Unknown voxels stay as they are.
/// Returns the voxels still known and those it forgot. Three implementations, identical bit for bit (the same IEEE multiply and subtract
/// in the same order, no fused multiply-add): scalar (the reference), 256-bit and 512-bit vectors.
/// </summary>
internal static class DecayKernel
{
    public static (int Known, int Forgotten) Decay(Span<float> voxels, float scale, float step, float forget, KernelWidth width)
    {
        if (width >= KernelWidth.Vector512 && voxels.Length % Vector512<float>.Count == 0)
        {
            return DecayVector512(voxels, scale, step, forget);
        }

        if (width >= KernelWidth.Vector256 && voxels.Length % Vector256<float>.Count == 0)
        {
            return DecayVector256(voxels, scale, step, forget);
        }

        return DecayScalar(voxels, scale, step, forget);
    }

    public static (int Known, int Forgotten) DecayScalar(Span<float> voxels, float scale, float step, float forget)
    {
        int known = 0, forgotten = 0;
        for (int i = 0; i < voxels.Length; i++)
        {
            float l = voxels[i];
            if (float.IsNaN(l))
            {
                continue;
            }

            float m = (MathF.Abs(l) * scale) - step;
            if (m < forget)
            {
                voxels[i] = float.NaN;
                forgotten++;
            }
            else
            {
                voxels[i] = MathF.CopySign(m, l);
                known++;
            }
        }

        return (known, forgotten);
    }

    /// <summary>Length must be a multiple of 8 (a brick's 512 is).</summary>
    [SkipLocalsInit]
    public static (int Known, int Forgotten) DecayVector256(Span<float> voxels, float scale, float step, float forget)
    {
        ref float start = ref MemoryMarshal.GetReference(voxels);
        Vector256<float> s = Vector256.Create(scale), d = Vector256.Create(step), f = Vector256.Create(forget);
        Vector256<float> sign = Vector256.Create(-0f), nan = Vector256.Create(float.NaN);
        int known = 0, forgotten = 0;
        for (int i = 0; i < voxels.Length; i += Vector256<float>.Count)
        {
            Vector256<float> l = Vector256.LoadUnsafe(ref start, (nuint)i);
            Vector256<float> m = (Vector256.AndNot(l, sign) * s) - d;
            Vector256<float> keep = Vector256.GreaterThanOrEqual(m, f); // false for unknown (NaN) voxels
            Vector256<float> decayed = m | (l & sign);
            Vector256<float> isKnown = Vector256.Equals(l, l);
            // Known and kept: the decayed value; known and forgotten: NaN; unknown: as it was.
            Vector256.ConditionalSelect(keep, decayed, Vector256.ConditionalSelect(isKnown, nan, l)).StoreUnsafe(ref start, (nuint)i);
            known += BitOperations.PopCount(keep.ExtractMostSignificantBits());
            forgotten += BitOperations.PopCount(Vector256.AndNot(isKnown, keep).ExtractMostSignificantBits());
        }

        return (known, forgotten);
    }

    /// <summary>Length must be a multiple of 16 (a brick's 512 is).</summary>
    [SkipLocalsInit]
    public static (int Known, int Forgotten) DecayVector512(Span<float> voxels, float scale, float step, float forget)
    {
        ref float start = ref MemoryMarshal.GetReference(voxels);
        Vector512<float> s = Vector512.Create(scale), d = Vector512.Create(step), f = Vector512.Create(forget);
        Vector512<float> sign = Vector512.Create(-0f), nan = Vector512.Create(float.NaN);
        int known = 0, forgotten = 0;
        for (int i = 0; i < voxels.Length; i += Vector512<float>.Count)
        {
            Vector512<float> l = Vector512.LoadUnsafe(ref start, (nuint)i);
            Vector512<float> m = (Vector512.AndNot(l, sign) * s) - d;
            Vector512<float> keep = Vector512.GreaterThanOrEqual(m, f);
            Vector512<float> decayed = m | (l & sign);
            Vector512<float> isKnown = Vector512.Equals(l, l);
            Vector512.ConditionalSelect(keep, decayed, Vector512.ConditionalSelect(isKnown, nan, l)).StoreUnsafe(ref start, (nuint)i);
            known += BitOperations.PopCount(keep.ExtractMostSignificantBits());
            forgotten += BitOperations.PopCount(Vector512.AndNot(isKnown, keep).ExtractMostSignificantBits());
        }

        return (known, forgotten);
    }
}
