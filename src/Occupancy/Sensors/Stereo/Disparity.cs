using System;

namespace Occupancy.Stereo;

/// <summary>Conversions of disparity images (pixels, left view, as from <see cref="SemiGlobalMatcher"/>).</summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class Disparity
{
    /// <summary>
    /// Depth from disparity, Z = f·B / d: metres along the optical axis (z forward, x right, y down) of the left camera,
    /// ready for <c>DepthImageIntegrator.Integrate</c>. A disparity that is NaN, infinite or not positive gives NaN
    /// (no return). <paramref name="depth"/> may be the same memory as <paramref name="disparity"/>.
    /// </summary>
    /// <param name="disparity">Disparities, pixels.</param>
    /// <param name="focalLength">Horizontal focal length fx of the rectified left camera, pixels; finite and positive.</param>
    /// <param name="baseline">Distance between the two camera centres, metres; finite and positive.</param>
    /// <param name="depth">Receives one depth per disparity, metres.</param>
    /// <exception cref="ArgumentOutOfRangeException">The focal length or baseline is not finite and positive.</exception>
    /// <exception cref="ArgumentException">The two buffers differ in length.</exception>
    public static void ToDepth(ReadOnlySpan<float> disparity, float focalLength, float baseline, Span<float> depth)
    {
        ThrowHelper.ThrowIfNotPositiveFinite(focalLength, nameof(focalLength));
        ThrowHelper.ThrowIfNotPositiveFinite(baseline, nameof(baseline));
        if (depth.Length != disparity.Length)
        {
            ThrowHelper.BufferSize(nameof(depth), depth.Length, disparity.Length, "the disparity image");
        }

        float fb = focalLength * baseline;
        for (int i = 0; i < disparity.Length; i++)
        {
            float d = disparity[i];
            depth[i] = d > 0f && d <= float.MaxValue ? fb / d : float.NaN;
        }
    }
}
