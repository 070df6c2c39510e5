using System;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// Edge-preserving smoothing of a depth image before it is integrated, for depth cameras whose range noise is comparable
/// to the voxel size. Each pixel with a return becomes the harmonic mean of the returns in its
/// (2·<see cref="Radius"/> + 1)² window whose depth lies within a tolerance of its own, tolerance(z) =
/// <see cref="ToleranceBase"/> + <see cref="ToleranceQuadratic"/>·z² (a multiple of a camera's σ(z)): a surface's
/// samples are averaged, a neighbouring surface farther than the tolerance is left out, and a pixel without a return
/// stays without one (no hole is filled). The mean is taken of inverse depth because inverse depth, not depth, is linear
/// across the pixels of a plane, so a plane seen at a grazing angle is not pushed back; it is also the quantity whose
/// noise a structured-light or stereo camera's disparity makes Gaussian.
/// </summary>
/// <remarks>
/// <para>Why: the map marks every voxel that holds a return as hit, whatever the pixel's neighbours say (OctoMap's
/// insertPointCloud does the same), and a voxel covers tens of pixels at room distances; with range noise of a voxel's
/// size, almost every voxel in front of a surface holds one stray return a frame, and surfaces thicken. On the standard
/// room with a Kinect-class camera's noise (<c>DepthNoiseModel</c>'s defaults) smoothing with the defaults raises the
/// static structure's occupied IoU from 0.80 to 0.94 (docs/living-map.md).</para>
/// <para>Depth is the z coordinate in the camera's optical frame (z forward, x right, y down), metres, row-major; zero,
/// negative, NaN and infinite depths are no return (NaN in the output). Rows are spread over the cores.</para>
/// <para>Threads: one <see cref="Apply"/> at a time per instance (it keeps its buffers, so steady-state use allocates
/// nothing); use one instance per thread.</para>
/// </remarks>
public sealed class DepthSmoothing
{
    /// <summary>The largest window radius, pixels.</summary>
    public const int MaxRadius = 8;

    private const int RowsPerJob = 16;

    private readonly KernelWidth _kernel;
    private readonly SanitiseJob _sanitise;
    private readonly SmoothJob _smooth;
    private float[] _depth = [];
    private float[] _inverse = [];
    private int _width, _height, _pixels;
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Creates a filter.</summary>
    /// <param name="radius">Window radius in pixels, 1 to <see cref="MaxRadius"/>: 2 is a 5 × 5 window.</param>
    /// <param name="toleranceBase">Tolerance at zero depth, metres; the defaults are five σ of a Kinect-class camera (σ(z) = 1.2 mm + 1.9 mm·z², z in metres).</param>
    /// <param name="toleranceQuadratic">Growth of the tolerance with the square of depth, 1/m.</param>
    /// <exception cref="ArgumentOutOfRangeException">The radius is out of range, or a tolerance is negative or not finite, or both are zero.</exception>
    public DepthSmoothing(int radius = 2, float toleranceBase = 0.006f, float toleranceQuadratic = 0.0095f)
        : this(radius, toleranceBase, toleranceQuadratic, KernelSet.Best)
    {
    }

    /// <summary>Creates a filter with a given kernel set (tests compare the implementations).</summary>
    internal DepthSmoothing(int radius, float toleranceBase, float toleranceQuadratic, KernelSet kernels)
    {
        if (radius < 1 || radius > MaxRadius)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(radius), radius, string.Create(CultureInfo.InvariantCulture, $"radius must lie between 1 and {MaxRadius}, but was {radius}."));
        }

        CheckTolerance(toleranceBase, nameof(toleranceBase));
        CheckTolerance(toleranceQuadratic, nameof(toleranceQuadratic));
        if (toleranceBase == 0 && toleranceQuadratic == 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(toleranceQuadratic), toleranceQuadratic, "toleranceBase and toleranceQuadratic must not both be zero (nothing would be averaged).");
        }

        Radius = radius;
        ToleranceBase = toleranceBase;
        ToleranceQuadratic = toleranceQuadratic;
        _kernel = kernels.Smoothing;
        _sanitise = new SanitiseJob(this);
        _smooth = new SmoothJob(this);
    }

    /// <summary>Window radius, pixels.</summary>
    public int Radius { get; }

    /// <summary>Tolerance at zero depth, metres.</summary>
    public float ToleranceBase { get; }

    /// <summary>Growth of the tolerance with the square of depth, 1/m.</summary>
    public float ToleranceQuadratic { get; }

    /// <summary>Most threads one call may use (the calling thread included); defaults to the number of logical cores.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>The tolerance at a depth, metres: <see cref="ToleranceBase"/> + <see cref="ToleranceQuadratic"/>·depth².</summary>
    /// <param name="depth">Depth, metres.</param>
    public float ToleranceAt(float depth) => (ToleranceQuadratic * depth * depth) + ToleranceBase;

    /// <summary>Smooths a depth image into another.</summary>
    /// <param name="depth">Depth along the optical axis, metres, row-major; no return as zero, negative, NaN or infinite.</param>
    /// <param name="intrinsics">The camera; the images must have exactly Width × Height pixels.</param>
    /// <param name="smoothed">Receives the smoothed image (NaN for no return); must not overlap <paramref name="depth"/>.</param>
    /// <returns>The pixels with a return.</returns>
    /// <exception cref="ArgumentException">An image's size does not match the intrinsics, the intrinsics are invalid, or the images overlap.</exception>
    public int Apply(ReadOnlySpan<float> depth, in PinholeIntrinsics intrinsics, Span<float> smoothed)
    {
        if (!intrinsics.IsValid || depth.Length != intrinsics.PixelCount)
        {
            ThrowHelper.BufferSize(nameof(depth), depth.Length, intrinsics.PixelCount, "the intrinsics");
        }

        if (smoothed.Length != intrinsics.PixelCount)
        {
            ThrowHelper.BufferSize(nameof(smoothed), smoothed.Length, intrinsics.PixelCount, "the intrinsics");
        }

        if (depth.Overlaps(smoothed))
        {
            throw new ArgumentException("smoothed must not overlap depth.", nameof(smoothed));
        }

        int pixels = depth.Length;
        if (_depth.Length < pixels)
        {
            _depth = GC.AllocateUninitializedArray<float>(pixels);
            _inverse = GC.AllocateUninitializedArray<float>(pixels);
        }

        _width = intrinsics.Width;
        _height = intrinsics.Height;
        _pixels = pixels;
        int jobs = (_height + RowsPerJob - 1) / RowsPerJob;
        if (_sanitise.Returns.Length < jobs)
        {
            _sanitise.Returns = new int[jobs];
        }

        unsafe
        {
            fixed (float* input = depth)
            fixed (float* output = smoothed)
            {
                _sanitise.Input = input;
                _smooth.Output = output;
                try
                {
                    WorkerPool.Shared.Run(_sanitise, jobs, _maxDegreeOfParallelism);
                    WorkerPool.Shared.Run(_smooth, jobs, _maxDegreeOfParallelism);
                }
                finally
                {
                    _sanitise.Input = null;
                    _smooth.Output = null;
                }
            }
        }

        int returns = 0;
        foreach (int n in _sanitise.Returns.AsSpan(0, jobs))
        {
            returns += n;
        }

        return returns;
    }

    private static void CheckTolerance(float value, string name)
    {
        if (!(value >= 0) || !float.IsFinite(value))
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite and not negative, but was {value}."));
        }
    }

    /// <summary>Copies a block of rows into the sanitised planes: a return's depth and its inverse, NaN for none.</summary>
    private sealed unsafe class SanitiseJob(DepthSmoothing owner) : ParallelJob
    {
        public float* Input;
        public int[] Returns = [];

        public override void Execute(int index, int worker)
        {
            int from = index * RowsPerJob * owner._width;
            int to = Math.Min(owner._pixels, from + (RowsPerJob * owner._width));
            float[] depth = owner._depth, inverse = owner._inverse;
            int returns = 0;
            for (int i = from; i < to; i++)
            {
                float z = Input[i];
                bool valid = z > 0f && z <= float.MaxValue;
                depth[i] = valid ? z : float.NaN;
                inverse[i] = valid ? 1f / z : float.NaN;
                returns += valid ? 1 : 0;
            }

            Returns[index] = returns;
        }
    }

    /// <summary>Smooths a block of rows.</summary>
    private sealed unsafe class SmoothJob(DepthSmoothing owner) : ParallelJob
    {
        public float* Output;

        public override void Execute(int index, int worker)
        {
            int width = owner._width, height = owner._height;
            int y1 = Math.Min(height, (index + 1) * RowsPerJob);
            fixed (float* depth = owner._depth)
            fixed (float* inverse = owner._inverse)
            {
                for (int y = index * RowsPerJob; y < y1; y++)
                {
                    DepthSmoothingKernel.Row(depth, inverse, Output + ((long)y * width), width, height, y, owner.Radius, owner.ToleranceBase, owner.ToleranceQuadratic, owner._kernel);
                }
            }
        }
    }
}
