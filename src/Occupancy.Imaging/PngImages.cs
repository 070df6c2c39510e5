using System;
using System.Globalization;
using System.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace Occupancy.Imaging;

/// <summary>A decoded image: width × height pixels, row-major from the top-left, as an array of <typeparamref name="T"/>.</summary>
/// <typeparam name="T">ushort for depth, byte for RGB (three per pixel).</typeparam>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Pixels">The samples.</param>
/// <remarks>Threads: holds the pixel array it was given: share it read-only.</remarks>
public sealed record DecodedImage<T>(int Width, int Height, T[] Pixels);

/// <summary>
/// Loads PNG files safely with ImageSharp 2.1 (end of life upstream, so it is fenced in): only the PNG decoder is
/// registered, decoding may allocate at most <see cref="AllocationLimitMegabytes"/>, and before any pixel is decoded
/// the file's chunks are walked (a signature, IHDR first, IEND last, no chunk cut short), the size is checked against
/// <see cref="MaxPixels"/>, the sample format against what is asked for, and the compressed data against the declared
/// pixels (deflate compresses at most 1032:1, so less data cannot hold them: a small file cannot make the decoder
/// allocate for a huge image). Every failure is an <see cref="InvalidDataException"/> that says what was wrong.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class PngImages
{
    /// <summary>Largest image accepted, in pixels (8192 × 8192).</summary>
    public const long MaxPixels = 8192L * 8192;

    /// <summary>Largest file accepted, in bytes (256 MiB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Memory the decoder may allocate, megabytes.</summary>
    public const int AllocationLimitMegabytes = 512;

    private static readonly Configuration Png = CreateConfiguration();

    /// <summary>
    /// Loads a 16-bit greyscale depth PNG, such as a TUM RGB-D or RealSense frame (8-bit or colour PNGs are refused:
    /// converting them would scale the values). Multiply by the dataset's
    /// scale for metres (0.001 for millimetres, 1/5000 for TUM); 0 is no return.
    /// </summary>
    /// <param name="path">File path.</param>
    /// <exception cref="InvalidDataException">Not a PNG, truncated or corrupt, or too large.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DecodedImage<ushort> LoadDepth(string path)
    {
        using Image<L16> image = Load<L16>(path, depth: true);
        var pixels = new ushort[image.Width * image.Height];
        image.CopyPixelDataTo(System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, L16>(pixels.AsSpan()));
        return new DecodedImage<ushort>(image.Width, image.Height, pixels);
    }

    /// <summary>Loads a colour PNG as 8-bit RGB, three bytes per pixel.</summary>
    /// <param name="path">File path.</param>
    /// <exception cref="InvalidDataException">Not a PNG, truncated or corrupt, or too large.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static DecodedImage<byte> LoadColor(string path)
    {
        using Image<Rgb24> image = Load<Rgb24>(path, depth: false);
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new DecodedImage<byte>(image.Width, image.Height, pixels);
    }

    /// <summary>Writes a 16-bit depth PNG (the inverse of <see cref="LoadDepth"/>).</summary>
    /// <param name="path">File path.</param>
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="depth">width × height samples.</param>
    /// <exception cref="ArgumentException">The buffer size does not match.</exception>
    public static void SaveDepth(string path, int width, int height, ReadOnlySpan<ushort> depth)
    {
        if (width <= 0 || height <= 0 || depth.Length != (long)width * height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"depth has {depth.Length} samples but a {width}x{height} image needs {(long)width * height}."), nameof(depth));
        }

        using var image = Image.LoadPixelData<L16>(Png, System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, L16>(depth), width, height);
        image.SaveAsPng(path, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale });
    }

    /// <summary>
    /// Writes an 8-bit RGB PNG, each pixel enlarged to a <paramref name="scale"/> × <paramref name="scale"/> block
    /// (nearest neighbour, so single voxels of a map picture stay sharp).
    /// </summary>
    /// <param name="path">File path.</param>
    /// <param name="width">Pixels per row of <paramref name="rgb"/>.</param>
    /// <param name="height">Rows of <paramref name="rgb"/>.</param>
    /// <param name="rgb">width × height pixels, three bytes each (red, green, blue), row-major from the top-left.</param>
    /// <param name="scale">Enlargement, 1 to 16.</param>
    /// <exception cref="ArgumentException">The buffer size does not match, or the written image would exceed <see cref="MaxPixels"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is outside 1 to 16.</exception>
    public static void SaveColor(string path, int width, int height, ReadOnlySpan<byte> rgb, int scale = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (scale is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be between 1 and 16.");
        }

        if (width <= 0 || height <= 0 || rgb.Length != 3L * width * height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"rgb has {rgb.Length} bytes but a {width}x{height} image needs {3L * width * height}."), nameof(rgb));
        }

        long outWidth = (long)width * scale, outHeight = (long)height * scale;
        if (outWidth * outHeight > MaxPixels)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"a {width}x{height} image enlarged {scale} times has {outWidth * outHeight} pixels; at most {MaxPixels} are written."), nameof(scale));
        }

        int w = (int)outWidth, h = (int)outHeight;
        var enlarged = new byte[3 * w * h];
        for (int y = 0; y < h; y++)
        {
            ReadOnlySpan<byte> source = rgb.Slice(3 * (y / scale) * width, 3 * width);
            Span<byte> row = enlarged.AsSpan(3 * y * w, 3 * w);
            for (int x = 0; x < w; x++)
            {
                source.Slice(3 * (x / scale), 3).CopyTo(row.Slice(3 * x, 3));
            }
        }

        using var image = Image.LoadPixelData<Rgb24>(Png, enlarged, w, h);
        image.SaveAsPng(path);
    }

    private static Image<TPixel> Load<TPixel>(string path, bool depth)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path} does not exist.", path);
        }

        if (info.Length > MaxFileBytes)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} is {info.Length} bytes; at most {MaxFileBytes} are accepted."));
        }

        byte[] bytes = File.ReadAllBytes(path);
        PngStructure png = PngStructure.Read(bytes, path);
        if ((long)png.Width * png.Height > MaxPixels)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} is {png.Width}x{png.Height} pixels; at most {MaxPixels} pixels are accepted."));
        }

        if (depth && (png.ColorType != 0 || png.BitDepth != 16))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} has colour type {png.ColorType} at {png.BitDepth} bits; a depth PNG must be 16-bit greyscale (colour type 0, bit depth 16)."));
        }

        png.CheckDataCanHoldPixels(path);
        try
        {
            return Image.Load<TPixel>(Png, bytes);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or InvalidMemoryOperationException)
        {
            throw new InvalidDataException($"{path} could not be decoded (truncated or corrupt PNG): {e.Message}", e);
        }
    }

    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(new PngConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = AllocationLimitMegabytes }),
        };
        return configuration;
    }
}
