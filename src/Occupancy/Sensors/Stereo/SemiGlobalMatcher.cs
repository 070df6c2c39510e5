using System;
using System.Threading;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy.Stereo;

/// <summary>
/// Semi-global matching stereo (Hirschmüller 2008) on a rectified pair of 8-bit grayscale images. The left image is
/// the reference: a scene point at left column u appears in the right image at column u − d, d ≥ 0, on the same row.
/// The result is a disparity image for the left view, in pixels, NaN where no reliable disparity was found; turn it into
/// depth along the optical axis with <see cref="Disparity.ToDepth"/>.
/// </summary>
/// <remarks>
/// <para>Stages: a 9 × 7 census transform of both images (62 bits, neighbour darker than the centre; pixels outside
/// the image repeat the nearest edge pixel); a cost volume of Hamming distances for disparities 0 to D − 1, where
/// columns u &lt; d, which have no match, get cost 64 (more than any census distance); aggregation along 8 (or 4)
/// straight paths with penalties P1 and P2, summed into 16-bit totals S; winner-takes-all with an equiangular (V-shaped) fit for
/// sub-pixel disparity; a uniqueness check; a left-right consistency check against the right view's disparity from the
/// same volume, d_R(x) = argmin_d S(x + d, d); and optionally a 3 × 3 median over valid neighbours.</para>
/// <para>A matcher owns its buffers (about 5·W·H·D bytes: the byte cost volume and two 16-bit aggregates) and reuses
/// them while the image size and options stay the same, so repeated calls allocate nothing. A matcher serves one call
/// at a time: a second call from another thread meanwhile is refused with an InvalidOperationException. Work is spread over the cores: census, costs and the final selection by rows, the
/// aggregation as two concurrent sweeps (forward paths and backward paths). The result does not depend on the number
/// of cores or on the instruction set used.</para>
/// </remarks>
public sealed unsafe class SemiGlobalMatcher
{
    /// <summary>Cost of a disparity whose match would lie left of the right image: more than any census distance.</summary>
    internal const byte NoMatchCost = 64;

    private const int RowsPerJob = 4;

    private readonly SgmKernel _kernel;
    private readonly KernelWidth _census;
    private readonly KernelWidth _costs;
    private int _busy;
    private readonly StageJob _job;
    private int _width, _height;
    private byte[] _cost = [];
    private ushort[] _forward = [], _backward = [];
    private ulong[] _censusLeft = [], _censusRight = [];
    private float[] _raw = [];
    private byte[] _paddedLeft = [], _paddedRight = [];
    private ushort[] _zeroPath = [];
    private PassBuffers? _forwardPass, _backwardPass;
    private WorkerBuffers[] _workers = [];

    /// <summary>Creates a matcher with the given settings.</summary>
    /// <param name="options">The settings; <see cref="SgmOptions.P1"/> must be less than <see cref="SgmOptions.P2"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">P1 is not less than P2.</exception>
    /// <exception cref="InvalidOperationException">the OCCUPANCY_KERNEL environment variable asks for a kernel this machine cannot run (see <c>Kernels</c>).</exception>
    public SemiGlobalMatcher(SgmOptions options)
        : this(options, KernelSet.Best)
    {
    }

    /// <summary>Creates a matcher that uses the given kernels (tests compare implementations with this).</summary>
    internal SemiGlobalMatcher(SgmOptions options, KernelSet kernels)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kernels);
        options.Validate(nameof(options));
        Options = options;
        _kernel = SgmKernel.For(kernels.Sgm);
        _census = kernels.Census;
        _costs = kernels.Cost;
        _job = new StageJob(this);
    }

    /// <summary>The settings this matcher was created with.</summary>
    public SgmOptions Options { get; }


    /// <summary>The byte cost volume of the last call, [pixel][disparity] (tests).</summary>
    internal byte[] CostVolume => _cost;

    /// <summary>The summed forward-path costs of the last call, [pixel][disparity] (tests).</summary>
    internal ushort[] ForwardAggregate => _forward;

    /// <summary>The summed backward-path costs of the last call, [pixel][disparity] (tests).</summary>
    internal ushort[] BackwardAggregate => _backward;

    /// <summary>Computes the disparity image of the left view.</summary>
    /// <param name="left">Left (reference) image, 8-bit grayscale, row-major, <paramref name="width"/> × <paramref name="height"/>.</param>
    /// <param name="right">Right image, the same size, rectified to the left: corresponding points lie on the same row.</param>
    /// <param name="width">Image width, pixels; more than <see cref="SgmOptions.MaxDisparity"/>.</param>
    /// <param name="height">Image height, pixels; positive.</param>
    /// <param name="disparity">Receives width × height disparities of the left view, pixels (≥ 0), NaN where invalid.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the width is not more than MaxDisparity.</exception>
    /// <exception cref="ArgumentException">A buffer's length is not width × height.</exception>
    /// <exception cref="InvalidOperationException">Another thread is computing with this matcher.</exception>
    public void Compute(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, int width, int height, Span<float> disparity)
    {
        if (width <= 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(width), width, "width must be positive.");
        }

        if (height <= 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(height), height, "height must be positive.");
        }

        int d = Options.MaxDisparity;
        if (width <= d)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(width), width, string.Create(CultureInfo.InvariantCulture, $"width must be more than MaxDisparity ({d}), but was {width}."));
        }

        long pixels = (long)width * height;
        if (pixels * d > Array.MaxLength)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(height), height, string.Create(CultureInfo.InvariantCulture, $"{width} × {height} pixels × {d} disparities is too large a cost volume."));
        }

        CheckLength(left.Length, pixels, nameof(left));
        CheckLength(right.Length, pixels, nameof(right));
        CheckLength(disparity.Length, pixels, nameof(disparity));
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("This matcher is computing on another thread: a matcher serves one call at a time (make one per thread).");
        }

        try
        {
            ComputeValidated(left, right, width, height, disparity);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void ComputeValidated(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, int width, int height, Span<float> disparity)
    {
        Ensure(width, height);
        fixed (byte* l = left, r = right)
        fixed (float* output = disparity)
        {
            int rowJobs = (height + RowsPerJob - 1) / RowsPerJob;
            int workers = WorkerPool.Shared.WorkerCount;
            _job.Start(output);
            Pad(l, Pointer(_paddedLeft));
            Pad(r, Pointer(_paddedRight));
            _job.Stage = Stage.Census;
            WorkerPool.Shared.Run(_job, rowJobs, workers);
            _job.Stage = Stage.Cost;
            WorkerPool.Shared.Run(_job, rowJobs, workers);
            _job.Stage = Stage.Aggregate;
            WorkerPool.Shared.Run(_job, 2, workers);
            _job.Stage = Stage.Select;
            WorkerPool.Shared.Run(_job, rowJobs, workers);
            if (Options.MedianFilter)
            {
                _job.Stage = Stage.Median;
                WorkerPool.Shared.Run(_job, rowJobs, workers);
            }
        }
    }

    private static void CheckLength(int actual, long expected, string name)
    {
        if (actual != expected)
        {
            ThrowHelper.BufferSize(name, actual, (int)Math.Min(expected, int.MaxValue), "a width × height image");
        }
    }

    /// <summary>(Re)allocates the buffers when the image size changes.</summary>
    private void Ensure(int width, int height)
    {
        if (width == _width && height == _height)
        {
            return;
        }

        int d = Options.MaxDisparity;
        int pixels = width * height;
        _width = 0;
        _cost = GC.AllocateUninitializedArray<byte>(pixels * d, pinned: true);
        _forward = GC.AllocateUninitializedArray<ushort>(pixels * d, pinned: true);
        _backward = GC.AllocateUninitializedArray<ushort>(pixels * d, pinned: true);
        _censusLeft = GC.AllocateUninitializedArray<ulong>(pixels, pinned: true);
        _censusRight = GC.AllocateUninitializedArray<ulong>(pixels, pinned: true);
        _raw = GC.AllocateUninitializedArray<float>(Options.MedianFilter ? pixels : 0, pinned: true);
        _paddedLeft = GC.AllocateUninitializedArray<byte>((width + 8) * (height + 6), pinned: true);
        _paddedRight = GC.AllocateUninitializedArray<byte>((width + 8) * (height + 6), pinned: true);
        _zeroPath = GC.AllocateArray<ushort>(d + 2, pinned: true);
        _zeroPath[0] = SgmKernel.Pad;
        _zeroPath[d + 1] = SgmKernel.Pad;
        int directions = Options.Paths / 2;
        _forwardPass = new PassBuffers(width, d, directions);
        _backwardPass = new PassBuffers(width, d, directions);
        _workers = new WorkerBuffers[WorkerPool.Shared.WorkerCount];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new WorkerBuffers(width, d);
        }

        _width = width;
        _height = height;
    }

    private static T* Pointer<T>(T[] array)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    /// <summary>Copies an image into a buffer with 4 columns and 3 rows of edge replication on each side.</summary>
    private void Pad(byte* image, byte* padded)
    {
        int width = _width, height = _height, stride = width + 8;
        for (int y = -3; y < height + 3; y++)
        {
            byte* source = image + (Math.Clamp(y, 0, height - 1) * width);
            byte* target = padded + ((y + 3) * stride);
            new ReadOnlySpan<byte>(source, width).CopyTo(new Span<byte>(target + 4, width));
            for (int k = 0; k < 4; k++)
            {
                target[k] = source[0];
                target[width + 4 + k] = source[width - 1];
            }
        }
    }

    /// <summary>
    /// 9 × 7 census of rows [y0, y1) of one padded image: one bit per neighbour, set where it is darker than the
    /// centre, the six off-centre rows first (9 bits each, top to bottom, left to right), then the centre row without
    /// the centre (8 bits): 62 bits in all.
    /// </summary>
    private void Census(byte* padded, ulong* census, int y0, int y1)
    {
        int width = _width, stride = width + 8;
        for (int y = y0; y < y1; y++)
        {
            byte* row = padded + ((y + 3) * stride);
            ulong* output = census + (y * width);
            int x = 0;
            if (_census >= KernelWidth.Vector128)
            {
                // 16-byte loads from the pixel's window start stay inside the padded row for x + 16 ≤ stride.
                x = CensusVector128(row, stride, Math.Max(0, width - 8), output);
            }

            CensusScalar(row, stride, x, width, output);
        }
    }

    /// <summary>The scalar census of pixels [x0, x1) of one padded row (the reference of <see cref="CensusVector128"/>).</summary>
    internal static void CensusScalar(byte* row, int stride, int x0, int x1, ulong* output)
    {
        for (int x = x0; x < x1; x++)
        {
            byte* p = row + x;
            int c = p[4];
            ulong bits = Darker9(p - (3 * stride), c);
            bits = (bits << 9) | Darker9(p - (2 * stride), c);
            bits = (bits << 9) | Darker9(p - stride, c);
            bits = (bits << 9) | Darker9(p + stride, c);
            bits = (bits << 9) | Darker9(p + (2 * stride), c);
            bits = (bits << 9) | Darker9(p + (3 * stride), c);
            ulong centre = Darker9(p, c);
            output[x] = (bits << 8) | ((centre >> 5) << 4) | (centre & 15);
        }
    }

    /// <summary>
    /// The census of pixels [0, count) of one padded row with one 16-byte compare per window row: the compare's sign
    /// mask holds the row's 9 bits first pixel lowest, and a table reverses them into <see cref="Darker9"/>'s order.
    /// Identical to <see cref="CensusScalar"/> (tests). Returns <paramref name="count"/>.
    /// </summary>
    internal static int CensusVector128(byte* row, int stride, int count, ulong* output)
    {
        ReadOnlySpan<ushort> reverse = Reverse9;
        for (int x = 0; x < count; x++)
        {
            byte* p = row + x;
            Vector128<byte> c = Vector128.Create(p[4]);
            ulong bits = reverse[(int)(Vector128.LessThan(Vector128.Load(p - (3 * stride)), c).ExtractMostSignificantBits() & 511)];
            bits = (bits << 9) | reverse[(int)(Vector128.LessThan(Vector128.Load(p - (2 * stride)), c).ExtractMostSignificantBits() & 511)];
            bits = (bits << 9) | reverse[(int)(Vector128.LessThan(Vector128.Load(p - stride), c).ExtractMostSignificantBits() & 511)];
            bits = (bits << 9) | reverse[(int)(Vector128.LessThan(Vector128.Load(p + stride), c).ExtractMostSignificantBits() & 511)];
            bits = (bits << 9) | reverse[(int)(Vector128.LessThan(Vector128.Load(p + (2 * stride)), c).ExtractMostSignificantBits() & 511)];
            bits = (bits << 9) | reverse[(int)(Vector128.LessThan(Vector128.Load(p + (3 * stride)), c).ExtractMostSignificantBits() & 511)];
            ulong centre = reverse[(int)(Vector128.LessThan(Vector128.Load(p), c).ExtractMostSignificantBits() & 511)];
            output[x] = (bits << 8) | ((centre >> 5) << 4) | (centre & 15);
        }

        return count;
    }

    /// <summary>The 9 low bits of an index in reverse order.</summary>
    private static readonly ushort[] Reverse9 = BuildReverse9();

    private static ushort[] BuildReverse9()
    {
        var table = new ushort[512];
        for (int m = 0; m < 512; m++)
        {
            int r = 0;
            for (int k = 0; k < 9; k++)
            {
                r |= ((m >> k) & 1) << (8 - k);
            }

            table[m] = (ushort)r;
        }

        return table;
    }

    /// <summary>Nine bits, the first pixel in the highest: set where r[k] &lt; c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Darker9(byte* r, int c) =>
        ((ulong)((uint)(r[0] - c) >> 31) << 8) | ((ulong)((uint)(r[1] - c) >> 31) << 7) | ((ulong)((uint)(r[2] - c) >> 31) << 6)
        | ((ulong)((uint)(r[3] - c) >> 31) << 5) | ((ulong)((uint)(r[4] - c) >> 31) << 4) | ((ulong)((uint)(r[5] - c) >> 31) << 3)
        | ((ulong)((uint)(r[6] - c) >> 31) << 2) | ((ulong)((uint)(r[7] - c) >> 31) << 1) | (ulong)((uint)(r[8] - c) >> 31);

    /// <summary>Hamming costs of rows [y0, y1) for every disparity (<see cref="SgmCosts"/>).</summary>
    private void Costs(WorkerBuffers w, int y0, int y1)
    {
        int width = _width, dmax = Options.MaxDisparity;
        ulong* cl = Pointer(_censusLeft), cr = Pointer(_censusRight), reversed = Pointer(w.Reversed);
        byte* volume = Pointer(_cost);
        for (int y = y0; y < y1; y++)
        {
            nint row = (nint)y * width;
            SgmCosts.Row(_costs, cl + row, cr + row, reversed, width, dmax, volume + (row * dmax));
        }
    }

    /// <summary>
    /// One sweep over the image: forward (top to bottom, left to right) follows the paths from the left, top-left, top
    /// and top-right; backward (bottom to top, right to left) the opposite four. With 4 paths only the first two of each.
    /// Each sweep writes its own aggregate volume, so the two run concurrently.
    /// </summary>
    private void Aggregate(bool forward)
    {
        int width = _width, height = _height, dmax = Options.MaxDisparity, stride = dmax + 2;
        ushort p1 = (ushort)Options.P1, p2 = (ushort)Options.P2;
        PassBuffers pass = (forward ? _forwardPass : _backwardPass)!;
        int directions = pass.Directions;
        int s = forward ? 1 : -1;
        byte* costs = Pointer(_cost);
        ushort* volume = Pointer(forward ? _forward : _backward);
        ushort* zero = Pointer(_zeroPath) + 1;
        SgmKernel kernel = _kernel;
        ushort** prevRows = stackalloc ushort*[4];
        ushort** curRows = stackalloc ushort*[4];
        ushort** prevMins = stackalloc ushort*[4];
        ushort** curMins = stackalloc ushort*[4];
        ushort** previous = stackalloc ushort*[4];
        ushort** current = stackalloc ushort*[4];
        ushort* previousMin = stackalloc ushort[4];
        ushort* min = stackalloc ushort[4];
        for (int yi = 0; yi < height; yi++)
        {
            int y = forward ? yi : height - 1 - yi;
            for (int k = 0; k < directions; k++)
            {
                prevRows[k] = Pointer(pass.Rows[k][(yi + 1) & 1]) + 1;
                curRows[k] = Pointer(pass.Rows[k][yi & 1]) + 1;
                prevMins[k] = Pointer(pass.Mins[k][(yi + 1) & 1]);
                curMins[k] = Pointer(pass.Mins[k][yi & 1]);
            }

            bool top = yi == 0;
            for (int xi = 0; xi < width; xi++)
            {
                int x = forward ? xi : width - 1 - xi;
                nint pixel = (nint)((y * width) + x) * dmax;
                nint here = (nint)x * stride;
                for (int k = 0; k < directions; k++)
                {
                    current[k] = curRows[k] + here;
                }

                // Along the row: the previous pixel of this row.
                bool has = xi > 0;
                previous[0] = has ? curRows[0] + here - (s * stride) : zero;
                previousMin[0] = has ? curMins[0][x - s] : (ushort)0;

                // Along the column: the same column of the previous row.
                has = !top;
                previous[1] = has ? prevRows[1] + here : zero;
                previousMin[1] = has ? prevMins[1][x] : (ushort)0;
                if (directions == 4)
                {
                    // Diagonal: the previous row, one column back.
                    has = !top && xi > 0;
                    previous[2] = has ? prevRows[2] + here - (s * stride) : zero;
                    previousMin[2] = has ? prevMins[2][x - s] : (ushort)0;

                    // Anti-diagonal: the previous row, one column ahead.
                    has = !top && xi < width - 1;
                    previous[3] = has ? prevRows[3] + here + (s * stride) : zero;
                    previousMin[3] = has ? prevMins[3][x + s] : (ushort)0;
                }

                kernel.Steps(costs + pixel, previous, previousMin, current, min, volume + pixel, directions, dmax, p1, p2);
                for (int k = 0; k < directions; k++)
                {
                    curMins[k][x] = min[k];
                }
            }
        }
    }

    /// <summary>Winner-takes-all, sub-pixel fit, uniqueness and left-right checks for rows [y0, y1).</summary>
    private void Select(WorkerBuffers w, float* output, int y0, int y1)
    {
        int width = _width, dmax = Options.MaxDisparity;
        bool subpixel = Options.Subpixel;
        float keep = 1f - Options.UniquenessRatio;
        float tolerance = Options.LeftRightTolerance;
        ushort* fa = Pointer(_forward), fb = Pointer(_backward);
        ushort* sum = Pointer(w.Sum);
        int[] rightCost = w.RightCost, rightDisparity = w.RightDisparity;
        SgmKernel kernel = _kernel;
        for (int y = y0; y < y1; y++)
        {
            float* row = output + (y * width);
            rightCost.AsSpan().Fill(int.MaxValue);
            rightDisparity.AsSpan().Fill(-1);
            for (int u = 0; u < width; u++)
            {
                nint pixel = (nint)((y * width) + u) * dmax;
                int best = kernel.SumArgMin(fa + pixel, fb + pixel, sum, dmax, out ushort min);

                // The right view: this pixel is candidate (u, d) for right column u − d.
                fixed (int* rc = rightCost, rd = rightDisparity)
                {
                    kernel.UpdateRight(sum, rc, rd, u, Math.Min(u + 1, dmax));
                }

                if (best > u)
                {
                    row[u] = float.NaN; // the winner has no match in the right image
                    continue;
                }

                // Second best, away from the winner's neighbours.
                int lo = Math.Max(best - 1, 0), hi = Math.Min(best + 1, dmax - 1);
                ushort s0 = sum[lo], s1 = sum[best], s2 = sum[hi];
                sum[lo] = sum[best] = sum[hi] = ushort.MaxValue;
                ushort second = kernel.Min(sum, dmax);
                sum[lo] = s0;
                sum[best] = s1;
                sum[hi] = s2;
                if (second * keep <= min)
                {
                    row[u] = float.NaN;
                    continue;
                }

                float disparity = best;
                if (subpixel && best > 0 && best < dmax - 1)
                {
                    int a = sum[best - 1], c = sum[best + 1];
                    int slope = Math.Max(a, c) - min;
                    if (slope > 0)
                    {
                        disparity += (a - c) / (2f * slope);
                    }
                }

                row[u] = disparity;
            }

            if (float.IsPositiveInfinity(tolerance))
            {
                continue;
            }

            for (int u = 0; u < width; u++)
            {
                float d = row[u];
                if (float.IsNaN(d))
                {
                    continue;
                }

                int x = u - (int)MathF.Round(d);
                if (x < 0 || rightDisparity[x] < 0 || MathF.Abs(d - rightDisparity[x]) > tolerance)
                {
                    row[u] = float.NaN;
                }
            }
        }
    }

    /// <summary>3 × 3 median over the valid neighbours of each valid pixel of rows [y0, y1); invalid pixels stay invalid.</summary>
    private void Median(float* output, int y0, int y1)
    {
        float* raw = Pointer(_raw);
        for (int y = y0; y < y1; y++)
        {
            _kernel.MedianRow(raw, output, y, _width, _height);
        }
    }

    private enum Stage
    {
        Census,
        Cost,
        Aggregate,
        Select,
        Median,
    }

    /// <summary>Path vectors of the previous and current row for each direction of one sweep, padded for the ±1 loads.</summary>
    private sealed class PassBuffers
    {
        public PassBuffers(int width, int disparities, int directions)
        {
            Directions = directions;
            Rows = new ushort[directions][][];
            Mins = new ushort[directions][][];
            for (int k = 0; k < directions; k++)
            {
                Rows[k] = new ushort[2][];
                Mins[k] = new ushort[2][];
                for (int i = 0; i < 2; i++)
                {
                    // One pixel's vector at x·(D + 2) + 1; the slots either side hold the pad and are never written again.
                    ushort[] row = GC.AllocateArray<ushort>((width * (disparities + 2)) + 16, pinned: true);
                    for (int x = 0; x < width; x++)
                    {
                        row[x * (disparities + 2)] = SgmKernel.Pad;
                        row[(x * (disparities + 2)) + disparities + 1] = SgmKernel.Pad;
                    }

                    Rows[k][i] = row;
                    Mins[k][i] = GC.AllocateArray<ushort>(width, pinned: true);
                }
            }
        }

        public int Directions { get; }

        public ushort[][][] Rows { get; }

        public ushort[][][] Mins { get; }
    }

    /// <summary>One worker's scratch for the selection stage.</summary>
    private sealed class WorkerBuffers(int width, int disparities)
    {
        public ushort[] Sum { get; } = GC.AllocateArray<ushort>(disparities, pinned: true);

        public int[] RightCost { get; } = new int[width];

        public int[] RightDisparity { get; } = new int[width];

        /// <summary>A right census row reversed, with its padding, for the vector cost rows.</summary>
        public ulong[] Reversed { get; } = GC.AllocateArray<ulong>(width + SgmCosts.ReversedPadding(disparities), pinned: true);
    }

    private sealed class StageJob(SemiGlobalMatcher owner) : ParallelJob
    {
        private float* _output;

        public Stage Stage { get; set; }

        public void Start(float* output)
        {
            _output = output;
        }

        public override void Execute(int index, int worker)
        {
            int y0 = index * RowsPerJob, y1 = Math.Min(owner._height, y0 + RowsPerJob);
            switch (Stage)
            {
                case Stage.Census:
                    owner.Census(Pointer(owner._paddedLeft), Pointer(owner._censusLeft), y0, y1);
                    owner.Census(Pointer(owner._paddedRight), Pointer(owner._censusRight), y0, y1);
                    break;
                case Stage.Cost:
                    owner.Costs(owner._workers[worker], y0, y1);
                    break;
                case Stage.Aggregate:
                    owner.Aggregate(index == 0);
                    break;
                case Stage.Select:
                    owner.Select(owner._workers[worker], owner.Options.MedianFilter ? Pointer(owner._raw) : _output, y0, y1);
                    break;
                default:
                    owner.Median(_output, y0, y1);
                    break;
            }
        }
    }
}
