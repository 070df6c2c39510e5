namespace Occupancy;

/// <summary>The width of the vectors a kernel implementation computes with; <see cref="Scalar"/> is every family's reference.</summary>
internal enum KernelWidth
{
    /// <summary>One value at a time: the reference every other width is tested against.</summary>
    Scalar = 0,

    /// <summary>128-bit vectors (SSE, AdvSimd).</summary>
    Vector128 = 128,

    /// <summary>256-bit vectors (AVX2 where a kernel uses its gathers or permutes).</summary>
    Vector256 = 256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512 = 512,
}
