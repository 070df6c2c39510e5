using System;

namespace Occupancy.Tests.Stereo;

/// <summary>
/// A synthetic rectified stereo pair with known disparity, drawn from continuous procedural textures (no renderer, no
/// resampling of one view into the other): every surface carries its own value-noise texture in its own coordinate
/// (the left column at which it is seen), and each view samples the texture of the surface it sees at each pixel.
/// Layout in the left view: a fronto-parallel background (disparity 12) in the upper rows, a raised rectangle (24) in
/// front of it, and a ground plane in the lower rows whose disparity grows linearly from 8 to 20 down the rows, so most
/// of its rows have a fractional disparity.
/// </summary>
internal sealed class StereoScene
{
    public const float Background = 12f, Raised = 24f, GroundNear = 20f, GroundFar = 8f;

    private const float Spacing = 1.6f; // texture lattice spacing, pixels: random dots a little blurred by the interpolation
    private readonly float[][] _lattice = new float[3][];
    private readonly int _latticeWidth, _latticeHeight;

    public StereoScene(int width, int height, int seed, float noise = 2f)
    {
        Width = width;
        Height = height;
        GroundTop = height * 5 / 8;
        RectLeft = width * 3 / 8;
        RectRight = width * 5 / 8;
        RectTop = height / 6;
        RectBottom = height / 2;
        var random = new Random(seed);
        _latticeWidth = (int)((width + 64) / Spacing) + 4;
        _latticeHeight = (int)(height / Spacing) + 4;
        for (int s = 0; s < 3; s++)
        {
            _lattice[s] = new float[_latticeWidth * _latticeHeight];
            for (int i = 0; i < _lattice[s].Length; i++)
            {
                _lattice[s][i] = random.NextSingle() * 255f;
            }
        }

        Left = new byte[width * height];
        Right = new byte[width * height];
        Truth = new float[width * height];
        for (int v = 0; v < height; v++)
        {
            for (int u = 0; u < width; u++)
            {
                int s = LeftSurface(u, v);
                Truth[(v * width) + u] = SurfaceDisparity(s, v);
                Left[(v * width) + u] = Pixel(Texture(s, u, v) + ((random.NextSingle() - 0.5f) * 2f * noise));
                int r = RightSurface(u, v);
                Right[(v * width) + u] = Pixel(Texture(r, u + SurfaceDisparity(r, v), v) + ((random.NextSingle() - 0.5f) * 2f * noise));
            }
        }
    }

    public int Width { get; }

    public int Height { get; }

    public int GroundTop { get; }

    public int RectLeft { get; }

    public int RectRight { get; }

    public int RectTop { get; }

    public int RectBottom { get; }

    public byte[] Left { get; }

    public byte[] Right { get; }

    /// <summary>True disparity of every left pixel.</summary>
    public float[] Truth { get; }

    /// <summary>
    /// The truth with NaN wherever a matcher cannot be expected to be right: pixels seen only by the left camera
    /// (occluded in the right, or matching left of the right image), those within <paramref name="margin"/> pixels of
    /// such a pixel or of a disparity discontinuity, and the image borders the census window overhangs.
    /// </summary>
    public float[] TruthAwayFromBorders(int margin)
    {
        int w = Width, h = Height;
        var bad = new bool[w * h];
        for (int v = 0; v < h; v++)
        {
            for (int u = 0; u < w; u++)
            {
                float d = Truth[(v * w) + u];
                int x = (int)MathF.Round(u - d);
                bool occluded = x < 4 || RightSurface(x, v) != LeftSurface(u, v);
                bool edge = (u + 1 < w && MathF.Abs(Truth[(v * w) + u + 1] - d) > 1) || (v + 1 < h && MathF.Abs(Truth[((v + 1) * w) + u] - d) > 1);
                bad[(v * w) + u] = occluded || edge || u < 4 || u >= w - 4 || v < 3 || v >= h - 3;
            }
        }

        var result = (float[])Truth.Clone();
        for (int v = 0; v < h; v++)
        {
            for (int u = 0; u < w; u++)
            {
                if (!bad[(v * w) + u])
                {
                    continue;
                }

                for (int y = Math.Max(0, v - margin); y <= Math.Min(h - 1, v + margin); y++)
                {
                    for (int x = Math.Max(0, u - margin); x <= Math.Min(w - 1, u + margin); x++)
                    {
                        result[(y * w) + x] = float.NaN;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>0 background, 1 raised rectangle, 2 ground: the surface seen at left pixel (u, v).</summary>
    private int LeftSurface(int u, int v) => InRect(u, v) ? 1 : v >= GroundTop ? 2 : 0;

    /// <summary>The surface seen at right pixel (x, v): the nearest one whose extent holds left column x + d.</summary>
    private int RightSurface(int x, int v) => InRect(x + (int)Raised, v) ? 1 : v >= GroundTop ? 2 : 0;

    private bool InRect(int u, int v) => u >= RectLeft && u < RectRight && v >= RectTop && v < RectBottom;

    private float SurfaceDisparity(int surface, int v) => surface switch
    {
        0 => Background,
        1 => Raised,
        _ => GroundFar + ((GroundNear - GroundFar) * (v - GroundTop) / (Height - 1 - GroundTop)),
    };

    /// <summary>Value noise with smooth (cubic Hermite) interpolation between random lattice values, 0 to 255.</summary>
    private float Texture(int surface, float xi, int v)
    {
        float gx = (xi + 32f) / Spacing, gy = v / Spacing;
        int ix = (int)MathF.Floor(gx), iy = (int)MathF.Floor(gy);
        float fx = gx - ix, fy = gy - iy;
        fx = fx * fx * (3 - (2 * fx));
        fy = fy * fy * (3 - (2 * fy));
        float[] l = _lattice[surface];
        float a = l[(iy * _latticeWidth) + ix], b = l[(iy * _latticeWidth) + ix + 1];
        float c = l[((iy + 1) * _latticeWidth) + ix], d = l[((iy + 1) * _latticeWidth) + ix + 1];
        return (a + ((b - a) * fx)) + (((c + ((d - c) * fx)) - (a + ((b - a) * fx))) * fy);
    }

    private static byte Pixel(float value) => (byte)Math.Clamp((int)MathF.Round(value), 0, 255);
}
