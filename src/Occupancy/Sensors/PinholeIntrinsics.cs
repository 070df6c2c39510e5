using System;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// Intrinsics of a pinhole camera without distortion, in the optical frame (z forward, x right, y down). A point
/// (x, y, z) in that frame projects to pixel coordinates u = fx·x/z + cx, v = fy·y/z + cy, where integer (u, v) is the
/// centre of pixel (u, v): pixel (0, 0) covers [−0.5, 0.5) × [−0.5, 0.5). Focal lengths and principal point in pixels.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly struct PinholeIntrinsics : IEquatable<PinholeIntrinsics>
{
    /// <summary>Most pixels an image may have: 2^28 (16 384 × 16 384; a 1 GiB depth image of floats).</summary>
    public const int MaxPixels = 1 << 28;

    /// <summary>
    /// Creates intrinsics; all values must be finite, width and height at least 1 and at most 65 536 pixels with at most
    /// <see cref="MaxPixels"/> pixels in all (so every pixel count and buffer size fits an int), focal lengths at least
    /// 1 pixel (a smaller one maps the whole image into one pixel's width).
    /// </summary>
    /// <param name="width">Image width, pixels.</param>
    /// <param name="height">Image height, pixels.</param>
    /// <param name="fx">Focal length along x, pixels.</param>
    /// <param name="fy">Focal length along y, pixels.</param>
    /// <param name="cx">Principal point x, pixels.</param>
    /// <param name="cy">Principal point y, pixels.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is not finite, a size is out of range (the height is named when the pixel count is), or a focal length is below 1 pixel.</exception>
    public PinholeIntrinsics(int width, int height, float fx, float fy, float cx, float cy)
    {
        if (width <= 0 || width > 65536)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(width), width, "width must be between 1 and 65536 pixels.");
        }

        if (height <= 0 || height > 65536)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(height), height, "height must be between 1 and 65536 pixels.");
        }

        if ((long)width * height > MaxPixels)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(height), height, string.Create(CultureInfo.InvariantCulture, $"a {width}x{height} image has {(long)width * height} pixels; at most {MaxPixels} are supported."));
        }

        CheckFocal(fx, nameof(fx));
        CheckFocal(fy, nameof(fy));
        if (!float.IsFinite(cx))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(cx), cx, string.Create(CultureInfo.InvariantCulture, $"cx must be finite, but was {cx}."));
        }

        if (!float.IsFinite(cy))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(cy), cy, string.Create(CultureInfo.InvariantCulture, $"cy must be finite, but was {cy}."));
        }

        Width = width;
        Height = height;
        Fx = fx;
        Fy = fy;
        Cx = cx;
        Cy = cy;
    }

    private static void CheckFocal(float f, string name)
    {
        if (!(f >= 1) || !float.IsFinite(f))
        {
            ThrowHelper.ArgumentOutOfRange(name, f, string.Create(CultureInfo.InvariantCulture, $"{name} must be finite and at least 1 pixel, but was {f}."));
        }
    }

    /// <summary>Image width, pixels.</summary>
    public int Width { get; }

    /// <summary>Image height, pixels.</summary>
    public int Height { get; }

    /// <summary>Focal length along x, pixels.</summary>
    public float Fx { get; }

    /// <summary>Focal length along y, pixels.</summary>
    public float Fy { get; }

    /// <summary>Principal point x, pixels.</summary>
    public float Cx { get; }

    /// <summary>Principal point y, pixels.</summary>
    public float Cy { get; }

    /// <summary>Pixels in one image: <see cref="Width"/> × <see cref="Height"/>, at most <see cref="MaxPixels"/>.</summary>
    public int PixelCount => Width * Height;

    /// <summary>True when constructed with valid values (a default instance is not).</summary>
    public bool IsValid => Width > 0 && Height > 0 && Fx > 0 && Fy > 0;

    /// <summary>The optical-frame direction through the centre of pixel (u, v), with z = 1 (not unit length).</summary>
    public System.Numerics.Vector3 RayThrough(float u, float v) => new((u - Cx) / Fx, (v - Cy) / Fy, 1f);

    /// <inheritdoc />
    public bool Equals(PinholeIntrinsics other) =>
        Width == other.Width && Height == other.Height && Fx.Equals(other.Fx) && Fy.Equals(other.Fy) && Cx.Equals(other.Cx) && Cy.Equals(other.Cy);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PinholeIntrinsics other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Width, Height, Fx, Fy, Cx, Cy);

    /// <summary>Equality of every parameter.</summary>
    public static bool operator ==(PinholeIntrinsics left, PinholeIntrinsics right) => left.Equals(right);

    /// <summary>Inequality of some parameter.</summary>
    public static bool operator !=(PinholeIntrinsics left, PinholeIntrinsics right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"PinholeIntrinsics({Width}x{Height}, fx {Fx}, fy {Fy}, cx {Cx}, cy {Cy})");
}
