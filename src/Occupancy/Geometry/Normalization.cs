using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Occupancy;

/// <summary>
/// Unit vectors and quaternions of any finite, non-zero input: a squared length overflows float from components of
/// about 1.8e19 up, and loses its precision below about 1e-19, so such inputs are scaled by their largest component
/// first. Inputs of ordinary size take the plain division, bit for bit what they always gave.
/// </summary>
internal static class Normalization
{
    /// <summary><paramref name="v"/> / |<paramref name="v"/>|; the input must be finite and not zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector3 Unit(Vector3 v)
    {
        float length = v.Length();
        return length is > 1e-18f and < 1e18f ? v / length : UnitScaled(v);
    }

    /// <summary><paramref name="q"/> / |<paramref name="q"/>|; the input must be finite and not zero.</summary>
    public static Quaternion Unit(Quaternion q)
    {
        float length = q.Length();
        if (length is > 1e-18f and < 1e18f)
        {
            return q * (1f / length);
        }

        float scale = MathF.Max(MathF.Max(MathF.Abs(q.X), MathF.Abs(q.Y)), MathF.Max(MathF.Abs(q.Z), MathF.Abs(q.W)));
        var scaled = new Quaternion(q.X / scale, q.Y / scale, q.Z / scale, q.W / scale);
        return scaled * (1f / scaled.Length());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector3 UnitScaled(Vector3 v)
    {
        float scale = MathF.Max(MathF.Max(MathF.Abs(v.X), MathF.Abs(v.Y)), MathF.Abs(v.Z));
        Vector3 scaled = v / scale;
        return scaled / scaled.Length();
    }
}
