using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Occupancy;

/// <summary>
/// Every kernel family of the library, with its implementations and the hardware each needs. One mechanism chooses
/// for all of them (<see cref="KernelSet"/>): the widest implementation the machine runs, unless
/// <see cref="KernelSet.EnvironmentVariable"/> forces one. Gates use <c>IsHardwareAccelerated</c>, which follows the
/// DOTNET_ settings (DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0, DOTNET_PreferredVectorBitWidth), plus the
/// instruction sets whose intrinsics a kernel calls directly.
/// </summary>
internal static class KernelFamilies
{
    private static readonly Func<bool> Always = static () => true;
    private static readonly Func<bool> Vector128Runs = static () => Vector128.IsHardwareAccelerated;
    private static readonly Func<bool> Vector256Runs = static () => Vector256.IsHardwareAccelerated;

    /// <summary>256-bit kernels that call AVX2 directly (gathers, permutes, blends).</summary>
    private static readonly Func<bool> Avx2Runs = static () => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    /// <summary>Kernels that convert and floor 8 doubles in one AVX-512 register (on top of their AVX2 code).</summary>
    private static readonly Func<bool> Avx512FloorRuns = static () => Avx2Runs() && Avx512F.IsSupported;

    /// <summary>The lane walk in one 512-bit register: masked steps, compress, 64-bit conversions (AVX-512 F and DQ).</summary>
    private static readonly Func<bool> Avx512LanesRuns = static () => Avx2Runs() && Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>Projective update of a brick from a depth image, and the depth tiles that cull bricks.</summary>
    public static readonly KernelFamily Projective = new("projective", 0, "projective update of 8x8x8 bricks from a depth image; depth tile reductions",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector128, Vector128Runs), (KernelWidth.Vector256, Vector256Runs));

    /// <summary>Back-projection of depth image rows to endpoint voxel keys, and 16-bit depth to metres.</summary>
    public static readonly KernelFamily Endpoints = new("endpoints", 1, "depth image rows to endpoint voxels (8 pixels at a time; AVX-512 floors); 16-bit depth to metres",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Avx2Runs), (KernelWidth.Vector512, Avx512FloorRuns));

    /// <summary>The exact voxel walk of point-cloud rays.</summary>
    public static readonly KernelFamily Walk = new("walk", 2, "exact voxel walks of point-cloud rays (8 rays in lanes; with AVX-512 one register and 8-ray set-up)",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Avx2Runs), (KernelWidth.Vector512, Avx512LanesRuns));

    /// <summary>Voxel keys of points, 8 at a time (discretized endpoints, batched lookups, ray set-up).</summary>
    public static readonly KernelFamily Keys = new("keys", 3, "voxel keys of 8 points at a time (float floor with its proof, or AVX-512 double floor) and the de-duplication window's gather",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Avx2Runs), (KernelWidth.Vector512, Avx512FloorRuns));

    /// <summary>Batched lookups through the dense brick directory.</summary>
    public static readonly KernelFamily Lookups = new("lookups", 4, "batched lookups: brick slots of 8 points by gather, states from log-odds",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Avx2Runs));

    /// <summary>Counts and bitmasks of the known and occupied voxels in a brick.</summary>
    public static readonly KernelFamily Counts = new("counts", 5, "known and occupied voxels of a brick: counts and 512-bit masks",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector128, Vector128Runs), (KernelWidth.Vector256, Vector256Runs));

    /// <summary>The census transform of stereo matching.</summary>
    public static readonly KernelFamily Census = new("census", 6, "9x7 census transform of a stereo image row",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector128, Vector128Runs));

    /// <summary>Semi-global matching's path aggregation and winner-takes-all.</summary>
    public static readonly KernelFamily Sgm = new("sgm", 7, "semi-global matching: path recurrence and winner-takes-all over the disparities",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector128, Vector128Runs), (KernelWidth.Vector256, Vector256Runs));

    /// <summary>Decay of a brick's log-odds toward unknown.</summary>
    public static readonly KernelFamily Decay = new("decay", 8, "decay of a brick's log-odds toward unknown (scale, step, forget) with its known count",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Vector256Runs), (KernelWidth.Vector512, static () => Vector512.IsHardwareAccelerated));

    /// <summary>Edge-preserving smoothing of depth images.</summary>
    public static readonly KernelFamily Smoothing = new("smoothing", 9, "edge-preserving depth smoothing: harmonic mean of the returns within a tolerance, 8 pixels at a time",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Vector256Runs));

    /// <summary>Evidence maps: log-odds to fixed point and back, and the merge of two bricks' evidence.</summary>
    public static readonly KernelFamily Merge = new("merge", 10, "evidence merge: fixed-point log-odds sums and known masks of a brick; log-odds to fixed point and back (clamped once)",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Vector256Runs), (KernelWidth.Vector512, static () => Vector512.IsHardwareAccelerated));

    /// <summary>The byte cost volume of stereo matching: census Hamming distances for every disparity (<c>SgmCosts</c>).</summary>
    /// <remarks>.NET 10 has no x86 vector popcount, so both vector widths count bits by nibble look-up (byte shuffles) and SAD.</remarks>
    public static readonly KernelFamily Cost = new("cost", 11, "stereo cost volume: census Hamming distances of a row for every disparity (nibble look-up popcount, 16 or 8 disparities a step)",
        (KernelWidth.Scalar, Always), (KernelWidth.Vector256, Avx2Runs),
        (KernelWidth.Vector512, static () => Avx2Runs() && Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported));

    /// <summary>Every family, in <see cref="KernelFamily.Index"/> order.</summary>
    public static IReadOnlyList<KernelFamily> All { get; } = [Projective, Endpoints, Walk, Keys, Lookups, Counts, Census, Sgm, Decay, Smoothing, Merge, Cost];
}
