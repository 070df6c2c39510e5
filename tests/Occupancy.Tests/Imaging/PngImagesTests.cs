using System;
using System.IO;
using Occupancy.Imaging;
using Xunit;

namespace Occupancy.Tests.Imaging;

public class PngImagesTests
{
    private static string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"occupancy-{Environment.ProcessId}-{name}");

    [Fact]
    public void Depth_round_trips_through_a_16_bit_png()
    {
        var random = new Random(9);
        var depth = new ushort[37 * 23];
        for (int i = 0; i < depth.Length; i++)
        {
            depth[i] = (ushort)(random.Next(6) == 0 ? 0 : random.Next(1, 65536)); // 0 is no return; TUM's 5000 = 1 m
        }

        string path = TempFile("depth.png");
        PngImages.SaveDepth(path, 37, 23, depth);
        DecodedImage<ushort> loaded = PngImages.LoadDepth(path);
        Assert.Equal((37, 23), (loaded.Width, loaded.Height));
        Assert.Equal(depth, loaded.Pixels);
        File.Delete(path);
    }

    [Fact]
    public void Bad_files_get_clear_errors()
    {
        string path = TempFile("bad.png");
        var depth = new ushort[64 * 64];
        PngImages.SaveDepth(path, 64, 64, depth);
        byte[] good = File.ReadAllBytes(path);

        File.WriteAllBytes(path, good[..(good.Length / 2)]); // truncated
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, [0x42, 0x4D, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // a BMP signature
        Assert.Contains("PNG", Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, HugeHeader(100_000, 100_000)); // a header claiming 10^10 pixels
        Assert.Contains("IEND", Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path)).Message, StringComparison.Ordinal); // refused before any size is taken on trust

        File.Delete(path);
        Assert.Throws<FileNotFoundException>(() => PngImages.LoadDepth(path));
        Assert.Equal("depth", Assert.Throws<ArgumentException>(() => PngImages.SaveDepth(path, 3, 3, new ushort[8])).ParamName);
    }

    [Fact]
    public void A_well_formed_png_declaring_more_than_the_pixel_limit_is_refused_before_decoding()
    {
        // Chunks complete and IEND present, so only the size check stands between the header and the decoder.
        string path = TempFile("too-many-pixels.png");
        File.WriteAllBytes(path, Reliability.PngFiles.Encode(8193, 8192, 0, 16, new byte[1000], chunks: 1, declaredOnly: true));
        var e = Assert.Throws<InvalidDataException>(() => PngImages.LoadDepth(path));
        Assert.Contains($"8193x8192 pixels; at most {PngImages.MaxPixels}", e.Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void Colour_images_round_trip_and_enlarge_pixel_by_pixel()
    {
        var random = new Random(10);
        var rgb = new byte[5 * 3 * 3];
        random.NextBytes(rgb);
        string path = TempFile("colour.png");
        PngImages.SaveColor(path, 5, 3, rgb);
        DecodedImage<byte> same = PngImages.LoadColor(path);
        Assert.Equal((5, 3), (same.Width, same.Height));
        Assert.Equal(rgb, same.Pixels);

        PngImages.SaveColor(path, 5, 3, rgb, scale: 3);
        DecodedImage<byte> big = PngImages.LoadColor(path);
        Assert.Equal((15, 9), (big.Width, big.Height));
        for (int y = 0; y < 9; y++)
        {
            for (int x = 0; x < 15; x++)
            {
                int from = 3 * (((y / 3) * 5) + (x / 3)), to = 3 * ((y * 15) + x);
                Assert.Equal(rgb.AsSpan(from, 3).ToArray(), big.Pixels.AsSpan(to, 3).ToArray());
            }
        }

        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => PngImages.SaveColor(path, 5, 3, rgb, scale: 17)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => PngImages.SaveColor(path, 513, 513, new byte[3 * 513 * 513], scale: 16)).ParamName);
        Assert.Equal("rgb", Assert.Throws<ArgumentException>(() => PngImages.SaveColor(path, 5, 3, rgb.AsSpan(1).ToArray())).ParamName);
        File.Delete(path);
    }

    /// <summary>A PNG signature and an IHDR chunk (16-bit greyscale) for the given size, with a correct CRC, and nothing else.</summary>
    private static byte[] HugeHeader(int width, int height)
    {
        byte[] ihdr = [(byte)'I', (byte)'H', (byte)'D', (byte)'R', (byte)(width >> 24), (byte)(width >> 16), (byte)(width >> 8), (byte)width,
            (byte)(height >> 24), (byte)(height >> 16), (byte)(height >> 8), (byte)height, 16, 0, 0, 0, 0];
        uint crc = Reliability.PngFiles.Crc32(ihdr);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        return [.. signature, .. ihdr, (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc];
    }
}
