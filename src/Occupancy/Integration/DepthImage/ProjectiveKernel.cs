using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>Camera and sensor-model constants of one depth frame, shared by every brick the frame updates.</summary>
internal readonly struct ProjectiveFrame
{
    public required float Fx { get; init; }
    public required float Fy { get; init; }
    public required float Cx { get; init; }
    public required float Cy { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }

    /// <summary>Squared maximum range, m².</summary>
    public required float MaxRangeSquared { get; init; }

    /// <summary>Half-width of the occupied band around the measured surface, metres along the optical axis.</summary>
    public required float Band { get; init; }

    /// <summary>Voxels closer than this along the optical axis are not projected (metres).</summary>
    public required float MinDepth { get; init; }

    public required float Hit { get; init; }
    public required float Miss { get; init; }
    public required float ClampMin { get; init; }
    public required float ClampMax { get; init; }
}

/// <summary>
/// Where one brick's voxel centres are in the camera's optical frame: centre of voxel (0, 0, 0) and the displacement
/// of one voxel step along world x, y and z, all in metres in the optical frame (z forward, x right, y down).
/// </summary>
internal readonly record struct BrickProjection(Vector3 Origin, Vector3 StepX, Vector3 StepY, Vector3 StepZ)
{
    /// <summary>
    /// No pixel the brick's centres can project into holds a return deeper than this, less the band and a margin
    /// (metres along the optical axis); +∞ when unknown. A row of voxels all farther than it, and without endpoints,
    /// cannot change (each voxel lies behind its surface by more than the band), so a strategy may skip it unread:
    /// half the rows that read the image did nothing. The result is the same either way. Zero or less (as in a default
    /// projection) is taken as unknown.
    /// </summary>
    public float Behind { get; init; } = float.PositiveInfinity;
}

/// <summary>
/// One instruction-set strategy for the projective update of a brick: each voxel centre is projected into the depth
/// image and updated from the pixel it lands in (free in front of the surface, a hit within the band, untouched behind).
/// Every strategy computes the same IEEE operations in the same order, so all of them produce bit-identical bricks.
/// </summary>
internal abstract class ProjectiveKernel
{
    /// <summary>The strategy's width in the projective family.</summary>
    public abstract KernelWidth Width { get; }

    /// <summary>
    /// Updates the 512 voxels of one brick (x fastest, then y, then z; NaN is unknown) from a depth image of
    /// <see cref="ProjectiveFrame.Width"/> × <see cref="ProjectiveFrame.Height"/> metres along the optical axis.
    /// </summary>
    /// <param name="brick">The brick's 512 log-odds.</param>
    /// <param name="projection">Where the brick's voxel centres are in the optical frame.</param>
    /// <param name="frame">Camera and sensor-model constants.</param>
    /// <param name="depth">
    /// The depth image, metres; or null for a brick known to lie wholly in front of the surfaces it faces (a return at
    /// every pixel its voxel centres can project into, deeper than each centre by more than the band): every voxel that
    /// projects into the image is then free, or a hit where it holds an endpoint, as reading the image would give,
    /// without reading it.
    /// </param>
    /// <param name="endpointMask">
    /// 64 bytes, one per brick row (byte iz·8 + iy, bit ix): voxels that hold a back-projected return of this frame.
    /// They get a hit whatever their own pixel says, as the endpoint voxel of a ray does in ray casting.
    /// </param>
    /// <returns>The number of voxels updated, plus the number of those that got a hit shifted left by 16 bits.</returns>
    public abstract unsafe int IntegrateBrick(float* brick, in BrickProjection projection, in ProjectiveFrame frame, float* depth, byte* endpointMask);

    /// <summary>Every strategy, the non-accelerated one first, whether or not it runs here.</summary>
    public static IReadOnlyList<ProjectiveKernel> All { get; } = [new ProjectiveKernelScalar(), new ProjectiveKernelVector128(), new ProjectiveKernelVector256()];

    /// <summary>The strategy of a width of the projective family (<see cref="KernelFamilies.Projective"/>).</summary>
    public static ProjectiveKernel For(KernelWidth width) => width switch
    {
        KernelWidth.Vector256 => All[2],
        KernelWidth.Vector128 => All[1],
        _ => All[0],
    };
}
