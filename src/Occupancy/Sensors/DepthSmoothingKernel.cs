using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>
/// One row of <see cref="DepthSmoothing"/>: each pixel with a return becomes the harmonic mean of the returns in its
/// window whose depth lies within the tolerance of its own (the mean of inverse depths, inverted). Two
/// implementations, identical bit for bit: scalar (the reference) and 256-bit vectors of 8 pixels, which add the same
/// inverse depths in the same order (rows of the window top to bottom, columns left to right) with no fused
/// multiply-add. The vector one takes the columns whose whole window lies inside the image and leaves the borders to
/// the scalar one.
/// </summary>
/// <remarks>
/// Inputs are the sanitised planes: <c>depth</c> holds a return's depth or NaN, <c>inverse</c> its reciprocal (NaN for
/// none), so that a comparison with a missing return is false and no branch is needed.
/// </remarks>
internal static unsafe class DepthSmoothingKernel
{
    /// <summary>Smooths row <paramref name="y"/> into <paramref name="output"/> (one row, width pixels).</summary>
    public static void Row(float* depth, float* inverse, float* output, int width, int height, int y, int radius, float toleranceBase, float toleranceQuadratic, KernelWidth kernel)
    {
        int y0 = Math.Max(0, y - radius), y1 = Math.Min(height - 1, y + radius);
        int x = 0;
        if (kernel >= KernelWidth.Vector256 && width >= (2 * radius) + Vector256<float>.Count)
        {
            ScalarColumns(depth, inverse, output, width, y, y0, y1, 0, radius, radius, toleranceBase, toleranceQuadratic);
            x = Vector256Columns(depth, inverse, output, width, y, y0, y1, radius, width - radius, radius, toleranceBase, toleranceQuadratic);
        }

        ScalarColumns(depth, inverse, output, width, y, y0, y1, x, width, radius, toleranceBase, toleranceQuadratic);
    }

    /// <summary>The scalar reference over columns [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static void ScalarColumns(float* depth, float* inverse, float* output, int width, int y, int y0, int y1, int from, int to, int radius, float toleranceBase, float toleranceQuadratic)
    {
        float* row = depth + ((long)y * width);
        for (int x = from; x < to; x++)
        {
            float c = row[x];
            if (float.IsNaN(c))
            {
                output[x] = float.NaN;
                continue;
            }

            float tolerance = (toleranceQuadratic * c * c) + toleranceBase;
            int x0 = Math.Max(0, x - radius), x1 = Math.Min(width - 1, x + radius);
            float sum = 0f, count = 0f;
            for (int yy = y0; yy <= y1; yy++)
            {
                float* d = depth + ((long)yy * width);
                float* inv = inverse + ((long)yy * width);
                for (int xx = x0; xx <= x1; xx++)
                {
                    if (MathF.Abs(d[xx] - c) <= tolerance)
                    {
                        sum += inv[xx];
                        count += 1f;
                    }
                }
            }

            output[x] = count / sum;
        }
    }

    /// <summary>8 pixels at a time from <paramref name="from"/> while the window stays left of <paramref name="end"/>; returns the first column not done.</summary>
    [SkipLocalsInit]
    public static int Vector256Columns(float* depth, float* inverse, float* output, int width, int y, int y0, int y1, int from, int end, int radius, float toleranceBase, float toleranceQuadratic)
    {
        float* row = depth + ((long)y * width);
        Vector256<float> a = Vector256.Create(toleranceBase), b = Vector256.Create(toleranceQuadratic), one = Vector256.Create(1f);
        int x = from;
        for (; x + Vector256<float>.Count <= end; x += Vector256<float>.Count)
        {
            Vector256<float> c = Vector256.Load(row + x);
            Vector256<float> tolerance = (b * c * c) + a;
            Vector256<float> sum = Vector256<float>.Zero, count = Vector256<float>.Zero;
            for (int yy = y0; yy <= y1; yy++)
            {
                float* d = depth + ((long)yy * width) + x - radius;
                float* inv = inverse + ((long)yy * width) + x - radius;
                for (int k = 0; k <= 2 * radius; k++)
                {
                    Vector256<float> near = Vector256.LessThanOrEqual(Vector256.Abs(Vector256.Load(d + k) - c), tolerance);
                    sum += Vector256.Load(inv + k) & near;
                    count += one & near;
                }
            }

            // A pixel without a return (NaN) matched nothing: 0 / 0 gives the NaN it must stay.
            (count / sum).Store(output + x);
        }

        return x;
    }
}
