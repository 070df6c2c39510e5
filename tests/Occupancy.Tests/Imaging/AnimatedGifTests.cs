using System;
using System.IO;
using System.Numerics;
using Occupancy.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Occupancy.Tests.Imaging;

/// <summary>The animated GIF writer read back by ImageSharp's decoder, and MapPicture's world-to-pixel mapping.</summary>
public class AnimatedGifTests
{
    [Fact]
    public void Frames_come_back_in_order_with_their_colours_and_delay()
    {
        byte[][] colours = [[200, 30, 40], [10, 220, 90], [20, 40, 250]];
        var gif = new AnimatedGif(5, 4, 0.2);
        foreach (byte[] c in colours)
        {
            var rgb = new byte[5 * 4 * 3];
            for (int i = 0; i < rgb.Length; i++)
            {
                rgb[i] = c[i % 3];
            }

            gif.Add(rgb);
        }

        string path = Path.Combine(Path.GetTempPath(), $"occupancy-{Environment.ProcessId}-animation.gif");
        try
        {
            gif.Save(path);
            using Image<Rgb24> image = Image.Load<Rgb24>(path);
            Assert.Equal(3, image.Frames.Count);
            Assert.Equal((5, 4), (image.Width, image.Height));
            for (int f = 0; f < 3; f++)
            {
                Assert.Equal(20, image.Frames[f].Metadata.GetGifMetadata().FrameDelay);
                Rgb24 pixel = image.Frames[f][2, 3];
                Assert.Equal((colours[f][0], colours[f][1], colours[f][2]), (pixel.R, pixel.G, pixel.B));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_sizes_and_buffers_are_refused()
    {
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => new AnimatedGif(0, 4, 0.2)).ParamName);
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => new AnimatedGif(4, 9000, 0.2)).ParamName);
        Assert.Equal("frameSeconds", Assert.Throws<ArgumentOutOfRangeException>(() => new AnimatedGif(4, 4, 0.001)).ParamName);
        var gif = new AnimatedGif(4, 4, 0.1);
        Assert.Equal("rgb", Assert.Throws<ArgumentException>(() => gif.Add(new byte[47])).ParamName);
        Assert.Throws<InvalidOperationException>(() => gif.Save(Path.Combine(Path.GetTempPath(), "never.gif")));
    }

    [Fact]
    public void A_world_point_lands_on_the_pixel_of_its_voxel_column()
    {
        var map = new OccupancyMap(0.1);
        var region = new Aabb(new Vector3(0.01f, 0.01f, 0.01f), new Vector3(4.99f, 2.99f, 1.99f));
        map.UpdateVoxel(map.KeyOf(new Vector3(1.23f, 2.47f, 0.5f)), occupied: true);
        TopDownView view = TopDownView.Render(map, region);
        foreach (int scale in new[] { 1, 3 })
        {
            MapPicture picture = MapPicture.Render(map, region, "t", scale);
            Assert.True(picture.TryGetPixel(1.23, 2.47, out int column, out int row));
            // Column 12 from the west, row 29 − 24 = 5 from the north, in the top-down view.
            ReadOnlySpan<byte> expected = view.Rgb.Span.Slice(3 * ((5 * view.Width) + 12), 3);
            Assert.Equal(expected.ToArray(), picture.Rgb.Span.Slice(3 * ((row * picture.Width) + column), 3).ToArray());
            Assert.Equal((picture.MapLeft + (12 * scale), picture.MapTop + (5 * scale)), (column - (column - picture.MapLeft) % scale, row - (row - picture.MapTop) % scale));
            Assert.False(picture.TryGetPixel(6.0, 1.0, out column, out row));
            Assert.Equal((-1, -1), (column, row));
            Assert.False(picture.TryGetPixel(double.NaN, 1.0, out _, out _));
        }
    }
}
