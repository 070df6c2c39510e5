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
