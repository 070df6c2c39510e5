using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using Occupancy.Imaging;
using Xunit;

namespace Occupancy.Tests.Imaging;

public class MapPictureTests
{
    private const double Resolution = 0.1;

    // 100 x 60 voxel columns (10 m x 6 m) and a 2 m height band.
    private static readonly Aabb Region = new(new Vector3(0.01f, 0.01f, 0.01f), new Vector3(9.99f, 5.99f, 1.99f));

    private static readonly byte[] Free = [235, 235, 235];
    private static readonly byte[] Unknown = [90, 110, 140];
    private static readonly byte[] OccupiedLow = [120, 0, 0];
    private static readonly byte[] OccupiedHigh = [255, 220, 0];

    private static string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"occupancy-{Environment.ProcessId}-{name}");

    /// <summary>A room: free floor, walls of rising height from west to east, a low box, unknown outside.</summary>
    private static OccupancyMap Room()
    {
        var map = new OccupancyMap(Resolution);
        for (int x = 5; x <= 94; x++)
        {
            for (int y = 5; y <= 54; y++)
            {
                map.UpdateVoxel(new VoxelKey(x, y, 0), occupied: false);
            }
        }

        for (int x = 5; x <= 94; x++)
        {
            int top = (x - 5) * 19 / 89; // 0 (low) in the west to 19 (top of the band) in the east
            map.UpdateVoxel(new VoxelKey(x, 5, top), occupied: true);
            map.UpdateVoxel(new VoxelKey(x, 54, top), occupied: true);
        }

        for (int y = 5; y <= 54; y++)
        {
            map.UpdateVoxel(new VoxelKey(5, y, 0), occupied: true);
            map.UpdateVoxel(new VoxelKey(94, y, 19), occupied: true);
        }

        map.UpdateVoxel(new VoxelKey(99, 59, 19), occupied: true); // the north-east corner of the region
        return map;
    }

    private static byte[] Pixel(MapPicture picture, int x, int y) => picture.Rgb.Span.Slice(3 * ((y * picture.Width) + x), 3).ToArray();

    private static bool InsideMap(MapPicture picture, int x, int y, int scale) =>
        x >= picture.MapLeft - 1 && x <= picture.MapLeft + (100 * scale) && y >= picture.MapTop - 1 && y <= picture.MapTop + (60 * scale);

    /// <summary>Bounding box (left, top, right, bottom, inclusive) of the pixels of a colour outside the map and its outline.</summary>
    private static (int Left, int Top, int Right, int Bottom, int Count) BoxOf(MapPicture picture, byte[] colour, int scale)
    {
        int left = int.MaxValue, top = int.MaxValue, right = -1, bottom = -1, count = 0;
        for (int y = 0; y < picture.Height; y++)
        {
            for (int x = 0; x < picture.Width; x++)
            {
                if (!InsideMap(picture, x, y, scale) && Pixel(picture, x, y).AsSpan().SequenceEqual(colour))
                {
                    (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
                    count++;
                }
            }
        }

        return (left, top, right, bottom, count);
    }

    /// <summary>
    /// Where a line of text drawn with the built-in font at size 2 appears: its ink all one colour and the blank font
    /// pixels of its box another. Null when it does not appear.
    /// </summary>
    private static (int X, int Y)? FindText(MapPicture picture, string text)
    {
        int w = BitmapFont.MeasureWidth(text, 2), h = BitmapFont.LineHeight(2);
        var stamp = new byte[3 * w * h];
        BitmapFont.Draw(stamp, w, 0, 0, text, 2, 1, 1, 1);
        int firstInk = Array.IndexOf(stamp, (byte)1) / 3;
        ReadOnlySpan<byte> rgb = picture.Rgb.Span;
        for (int y = 0; y + h <= picture.Height; y++)
        {
            for (int x = 0; x + w <= picture.Width; x++)
            {
                if (Matches(rgb, picture.Width, x, y, stamp, w, h, firstInk))
                {
                    return (x, y);
                }
            }
        }

        return null;
    }

    private static bool Matches(ReadOnlySpan<byte> rgb, int width, int x, int y, byte[] stamp, int w, int h, int firstInk)
    {
        ReadOnlySpan<byte> ink = rgb.Slice(3 * (((y + (firstInk / w)) * width) + x + (firstInk % w)), 3);
        for (int sy = 0; sy < h; sy++)
        {
            for (int sx = 0; sx < w; sx++)
            {
                bool isInk = stamp[3 * ((sy * w) + sx)] == 1;
                if (isInk != rgb.Slice(3 * (((y + sy) * width) + x + sx), 3).SequenceEqual(ink))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void The_map_pixels_are_the_top_down_view_enlarged_inside_a_larger_frame(int scale)
    {
        OccupancyMap map = Room();
        TopDownView view = TopDownView.Render(map, Region);
        MapPicture picture = MapPicture.Render(map, Region, "Room", scale);

        Assert.Equal((100, 60), (view.Width, view.Height));
        Assert.True(picture.Width >= (view.Width * scale) + 20, $"width {picture.Width}");
        Assert.True(picture.Height >= (view.Height * scale) + (3 * 14) + 20, $"height {picture.Height}"); // a title line above, two rows below
        Assert.True(picture.MapTop > 14 && picture.MapLeft > 0);
        Assert.True(picture.MapLeft + (view.Width * scale) < picture.Width && picture.MapTop + (view.Height * scale) < picture.Height);
        for (int y = 0; y < view.Height * scale; y++)
        {
            for (int x = 0; x < view.Width * scale; x++)
            {
                byte[] expected = view.Rgb.Span.Slice(3 * (((y / scale) * view.Width) + (x / scale)), 3).ToArray();
                Assert.Equal(expected, Pixel(picture, picture.MapLeft + x, picture.MapTop + y));
            }
        }

        // North (+y) up, east (+x) right: the occupied corner voxel (99, 59), high in the band, is the top-right block.
        byte[] corner = Pixel(picture, picture.MapLeft + (99 * scale), picture.MapTop);
        Assert.True(corner[0] > 240 && corner[1] > 200 && corner[2] == 0, $"corner {corner[0]},{corner[1]},{corner[2]}");
        Assert.Equal(Unknown, Pixel(picture, picture.MapLeft, picture.MapTop));
        Assert.Equal(Free, Pixel(picture, picture.MapLeft + (50 * scale), picture.MapTop + (30 * scale)));

        // The grey outline surrounds the map on all four sides.
        byte[] outline = Pixel(picture, picture.MapLeft - 1, picture.MapTop - 1);
        Assert.Equal(outline, Pixel(picture, picture.MapLeft + (100 * scale), picture.MapTop + (60 * scale)));
        Assert.Equal(outline, Pixel(picture, picture.MapLeft + (50 * scale), picture.MapTop - 1));
        Assert.Equal(outline, Pixel(picture, picture.MapLeft - 1, picture.MapTop + (30 * scale)));
        Assert.NotEqual(outline, Pixel(picture, 0, 0));
    }

    [Fact]
    public void The_legend_has_swatches_of_exactly_the_view_colours_beside_their_labels()
    {
        MapPicture picture = MapPicture.Render(Room(), Region, "Room", scale: 2);
        int mapBottom = picture.MapTop + (60 * 2);

        foreach ((byte[] colour, string label) in new[] { (Free, "free"), (Unknown, "unknown") })
        {
            (int left, int top, int right, int bottom, int count) = BoxOf(picture, colour, 2);
            Assert.True(count > 0, label);
            Assert.Equal((right - left + 1) * (bottom - top + 1), count); // one solid square
            Assert.True(right - left >= 7 && bottom - top >= 7, $"{label} swatch {right - left + 1}x{bottom - top + 1}");
            Assert.True(top > mapBottom, $"{label} swatch below the map");
            (int X, int Y)? text = FindText(picture, label);
            Assert.NotNull(text);
            Assert.True(text.Value.X > right && text.Value.X - right < 20 && Math.Abs(text.Value.Y - top) < 4, $"{label} at {text} beside the swatch at {left},{top}");
        }

        // Occupied: a shading from the low colour (left) to the high colour (right) in one row band.
        (int lowLeft, int lowTop, int lowRight, _, int lowCount) = BoxOf(picture, OccupiedLow, 2);
        (int highLeft, int highTop, _, _, int highCount) = BoxOf(picture, OccupiedHigh, 2);
        Assert.True(lowCount > 0 && highCount > 0);
        Assert.True(highLeft > lowRight + 10, $"low at {lowLeft}, high at {highLeft}");
        Assert.Equal(lowTop, highTop);
        Assert.True(lowTop > mapBottom);
        (int X, int Y)? occupied = FindText(picture, "occupied (low->high)");
        Assert.NotNull(occupied);
        Assert.True(occupied.Value.X > highLeft);
        Assert.NotNull(FindText(picture, "Room"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void The_scale_bar_is_as_long_as_its_label_says(int scale)
    {
        MapPicture picture = MapPicture.Render(Room(), Region, "Room", scale);
        Assert.Equal(2.0, picture.ScaleBarMetres); // a fifth of 10 m

        byte[] bar = [0, 0, 0];
        (int left, int top, int right, int bottom, int count) = BoxOf(picture, bar, scale);
        Assert.True(count > 0);
        Assert.Equal((int)Math.Round(picture.ScaleBarMetres / Resolution * scale), right - left + 1);
        Assert.Equal(20 * scale, right - left + 1);
        Assert.True(top > picture.MapTop + (60 * scale));

        // Nothing else in the picture, the map included, has the bar's colour.
        for (int y = 0; y < picture.Height; y++)
        {
            for (int x = 0; x < picture.Width; x++)
            {
                bool inBox = x >= left && x <= right && y >= top && y <= bottom;
                Assert.True(inBox || !Pixel(picture, x, y).AsSpan().SequenceEqual(bar), $"bar colour at {x},{y}");
            }
        }

        (int X, int Y)? label = FindText(picture, "2 m");
        Assert.NotNull(label);
        Assert.True(label.Value.X > right && label.Value.X - right < 20 && label.Value.Y >= top - 4 && label.Value.Y <= bottom, $"label at {label}, bar {left}..{right}");
        Assert.NotNull(FindText(picture, "0.1 m voxels"));
        Assert.NotNull(FindText(picture, "north (+y) up"));
    }

    [Theory]
    [InlineData(10, 2)]
    [InlineData(100, 20)]
    [InlineData(1000, 200)]
    [InlineData(3, 0.5)]  // a fifth is 0.6: 0.5 is nearer by ratio than 1
    [InlineData(7, 1)]    // 1.4: 1 is nearer by ratio than 2
    [InlineData(37, 10)]  // 7.4: 10 is nearer by ratio than 5
    [InlineData(0.2, 0.05)]
    [InlineData(0.25, 0.05)]
    [InlineData(0.0015, 0.0002)]
    [InlineData(0.003, 0.0005)]
    public void Scale_bar_lengths_are_round_and_about_a_fifth_of_the_width(double widthMetres, double expected)
    {
        // Exactly the double nearest the decimal, as the label shows it (not 5 × 0.0001 with its rounding error).
        Assert.Equal(expected, MapPicture.ScaleBarLength(widthMetres, 1e-9));
    }

    [Fact]
    public void A_scale_bar_is_never_shorter_than_a_pixel()
    {
        var map = new OccupancyMap(Resolution);
        var one = new Aabb(new Vector3(0.01f, 0.01f, 0.01f), new Vector3(0.02f, 0.02f, 0.02f)); // one voxel column
        MapPicture picture = MapPicture.Render(map, one, "One");
        Assert.True(picture.ScaleBarMetres / Resolution >= 0.5, $"{picture.ScaleBarMetres} m");
        Assert.True(BoxOf(picture, [0, 0, 0], 1).Count > 0);
    }

    [Fact]
    public void Glyphs_render_with_ink_and_differ_from_each_other()
    {
        var seen = new Dictionary<string, char>();
        for (char c = ' '; c <= '~'; c++)
        {
            var bits = new char[BitmapFont.GlyphWidth * BitmapFont.GlyphHeight];
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
            {
                for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                {
                    bits[(row * BitmapFont.GlyphWidth) + column] = BitmapFont.IsInk(c, column, row) ? '#' : '.';
                }
            }

            string glyph = new(bits);
            Assert.True(c == ' ' || glyph.Contains('#', StringComparison.Ordinal), $"'{c}' is blank");
            Assert.False(seen.TryGetValue(glyph, out char twin), $"'{c}' looks like '{twin}'");
            seen.Add(glyph, c);
        }

        // Capitals stand on the baseline; g, j, p, q and y reach below it.
        for (int column = 0; column < BitmapFont.GlyphWidth; column++)
        {
            for (char c = 'A'; c <= 'Z'; c++)
            {
                Assert.False(BitmapFont.IsInk(c, column, BitmapFont.GlyphHeight - 1), $"'{c}' below the baseline");
            }
        }

        foreach (char c in "gjpqy")
        {
            Assert.Contains(true, Enumerable.Range(0, BitmapFont.GlyphWidth).Select(column => BitmapFont.IsInk(c, column, BitmapFont.GlyphHeight - 1)));
        }

        // Drawn at size 3, 'A' covers 9 pixels per font pixel, all in the ink colour, inside its 15 x 24 cell.
        int inkPixels = 0;
        for (int row = 0; row < BitmapFont.GlyphHeight; row++)
        {
            for (int column = 0; column < BitmapFont.GlyphWidth; column++)
            {
                inkPixels += BitmapFont.IsInk('A', column, row) ? 1 : 0;
            }
        }

        var image = new byte[3 * 20 * 28];
        BitmapFont.Draw(image, 20, 1, 2, "A", 3, 7, 8, 9);
        int drawn = 0;
        for (int i = 0; i < 20 * 28; i++)
        {
            if (image[3 * i] != 0)
            {
                Assert.Equal(new byte[] { 7, 8, 9 }, image.AsSpan(3 * i, 3).ToArray());
                int x = i % 20, y = i / 20;
                Assert.True(x >= 1 && x < 16 && y >= 2 && y < 26, $"ink at {x},{y}");
                drawn++;
            }
        }

        Assert.Equal(9 * inkPixels, drawn);
        Assert.True(inkPixels > 10);
    }

    [Fact]
    public void Characters_outside_the_font_are_drawn_as_question_marks()
    {
        Assert.Equal("a->b", BitmapFont.ToPrintable("a→b"));
        Assert.Equal("caf? ? ?", BitmapFont.ToPrintable("café \U0001F600 \n"));
        for (int row = 0; row < BitmapFont.GlyphHeight; row++)
        {
            for (int column = 0; column < BitmapFont.GlyphWidth; column++)
            {
                Assert.Equal(BitmapFont.IsInk('?', column, row), BitmapFont.IsInk('é', column, row));
            }
        }

        MapPicture picture = MapPicture.Render(Room(), Region, "Küche → Flur");
        Assert.NotNull(FindText(picture, "K?che -> Flur"));
    }

    [Fact]
    public void A_title_too_wide_for_a_picture_is_cut_short()
    {
        MapPicture picture = MapPicture.Render(Room(), Region, new string('W', 2000));
        Assert.InRange(picture.Width, 8000, 8192);
    }

    [Fact]
    public void Save_writes_the_picture_as_a_png()
    {
        MapPicture picture = MapPicture.Render(Room(), Region, "Room", scale: 2);
        string path = TempFile("map-picture.png");
        picture.Save(path);
        DecodedImage<byte> loaded = PngImages.LoadColor(path);
        Assert.Equal((picture.Width, picture.Height), (loaded.Width, loaded.Height));
        Assert.Equal(picture.Rgb.ToArray(), loaded.Pixels);
        File.Delete(path);
    }

    [Fact]
    public void Bad_arguments_throw_naming_the_parameter()
    {
        OccupancyMap map = Room();
        Assert.Equal("map", Assert.Throws<ArgumentNullException>(() => MapPicture.Render(null!, Region, "Room")).ParamName);
        Assert.Equal("title", Assert.Throws<ArgumentNullException>(() => MapPicture.Render(map, Region, null!)).ParamName);
        foreach (int scale in new[] { 0, -1, 17 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => MapPicture.Render(map, Region, "Room", scale));
            Assert.Equal("scale", e.ParamName);
            Assert.Equal(scale, e.ActualValue);
            Assert.Contains($"but was {scale}", e.Message, StringComparison.Ordinal);
        }

        // 8000 voxel columns fit a top-down view, but not enlarged twice.
        var wide = new Aabb(new Vector3(0.01f, 0.01f, 0), new Vector3(799.99f, 0.99f, 1));
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => MapPicture.Render(map, wide, "Wide", scale: 2)).ParamName);

        // 8190 columns fit a top-down view, but not with the frame around them.
        var framed = new Aabb(new Vector3(0.01f, 0.01f, 0), new Vector3(818.99f, 0.99f, 1));
        var tooWide = Assert.Throws<ArgumentException>(() => MapPicture.Render(map, framed, "Wide"));
        Assert.Equal("region", tooWide.ParamName);
        Assert.Contains("at most 8192 pixels on a side", tooWide.Message, StringComparison.Ordinal);

        var huge = new Aabb(new Vector3(0.01f, 0.01f, 0), new Vector3(1000f, 0.99f, 1));
        Assert.Equal("region", Assert.Throws<ArgumentException>(() => MapPicture.Render(map, huge, "Huge")).ParamName);
    }
}
