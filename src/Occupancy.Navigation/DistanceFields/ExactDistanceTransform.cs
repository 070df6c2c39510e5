using System;

namespace Occupancy.Navigation;

/// <summary>
/// Exact Euclidean distance transform of sampled functions (Felzenszwalb and Huttenlocher, 2012, "Distance
/// Transforms of Sampled Functions"): the squared distance to the nearest seed, computed one axis at a time with the
/// lower envelope of parabolas, O(n) per line. Not a chamfer approximation: results are exact squared distances in cells.
/// </summary>
internal static class ExactDistanceTransform
{
    /// <summary>Stands for "no seed on this line yet": large but finite, so sums stay finite.</summary>
    public const float Far = 1e12f; // far above any real squared distance (a 64 Mi-voxel region reaches 2e8), yet Far + q² stays exact in double

    /// <summary>In place over a dense grid (x fastest): f holds 0 at seeds and <see cref="Far"/> elsewhere on entry, squared cell distances on exit.</summary>
    public static void Squared(Span<float> f, int nx, int ny, int nz)
    {
        int longest = Math.Max(nx, Math.Max(ny, nz));
        var line = new float[longest];
        var result = new float[longest];
        var vertices = new int[longest];
        var bounds = new float[longest + 1];
        for (int z = 0; z < nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                Pass(f, ((z * ny) + y) * nx, 1, nx, line, result, vertices, bounds);
            }
        }

        if (ny > 1)
        {
            for (int z = 0; z < nz; z++)
            {
                for (int x = 0; x < nx; x++)
                {
                    Pass(f, (z * ny * nx) + x, nx, ny, line, result, vertices, bounds);
                }
            }
        }

        if (nz > 1)
        {
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    Pass(f, (y * nx) + x, nx * ny, nz, line, result, vertices, bounds);
                }
            }
        }
    }

    private static void Pass(Span<float> f, int start, int stride, int n, float[] line, float[] result, int[] vertices, float[] bounds)
    {
        for (int i = 0; i < n; i++)
        {
            line[i] = f[start + (i * stride)];
        }

        OneDimension(line.AsSpan(0, n), result.AsSpan(0, n), vertices, bounds);
        for (int i = 0; i < n; i++)
        {
            f[start + (i * stride)] = result[i];
        }
    }

    /// <summary>d(p) = min over q of (p − q)² + f(q), for one line.</summary>
    public static void OneDimension(ReadOnlySpan<float> f, Span<float> d, int[] v, float[] z)
    {
        int n = f.Length;
        int k = 0;
        v[0] = 0;
        z[0] = float.NegativeInfinity;
        z[1] = float.PositiveInfinity;
        for (int q = 1; q < n; q++)
        {
            // Intersection of the parabola from q with the rightmost one of the envelope (in double: the squares are large).
            double s = Intersect(f, q, v[k]);
            while (s <= z[k])
            {
                k--;
                s = Intersect(f, q, v[k]);
            }

            k++;
            v[k] = q;
            z[k] = (float)s;
            z[k + 1] = float.PositiveInfinity;
        }

        k = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[k + 1] < q)
            {
                k++;
            }

            double dq = q - v[k];
            d[q] = (float)((dq * dq) + f[v[k]]);
        }
    }

    private static double Intersect(ReadOnlySpan<float> f, int q, int p) =>
        ((f[q] + ((double)q * q)) - (f[p] + ((double)p * p))) / (2.0 * (q - p));
}
