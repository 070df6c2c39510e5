namespace Occupancy;

/// <summary>
/// Which bricks the depth integrator's brick pass may skip reading: both choices give the same map, bit for bit; the
/// exhaustive ones are there for tests to prove it.
/// </summary>
internal enum BrickSkipping
{
    /// <summary>Every brick in the frustum reads the image.</summary>
    None,

    /// <summary>Bricks wholly behind the surfaces they face are skipped (they cannot change).</summary>
    Behind,

    /// <summary>Also, bricks wholly in front of the surfaces they face are updated as free without reading the image (the default).</summary>
    BehindAndInFront,
}
