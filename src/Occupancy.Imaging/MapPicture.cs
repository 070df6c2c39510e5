using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Imaging;

/// <summary>
/// A top-down map picture ready to show someone: a title line, the <see cref="TopDownView"/> of a region (each voxel
/// column a <c>scale</c> × <c>scale</c> block, north (+y) up and east (+x) right) in a grey outline, a legend of its
/// colours (occupied shaded from dark red, low, to yellow, high; free; unknown) and a scale bar with a round length in
/// metres, the voxel size and which way is north. Coordinates are the world frame: metres, right-handed, z up; the
/// picture looks down the z axis. Text is drawn with a built-in 5×7 pixel font (printable ASCII; other characters are
/// drawn as '?', '→' as "->"). Pixels are RGB, 3 bytes each, row-major from the top row.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class MapPicture
{
    /// <summary>Largest enlargement of a voxel column, pixels per side.</summary>
    private const int MaxScale = 16;

    /// <summary>Blank border around everything, pixels.</summary>
    private const int Padding = 10;

    /// <summary>Enlargement of the built-in font: glyph cells of 10 × 16 pixels.</summary>
    private const int TextSize = 2;

    /// <summary>Space between the title, the map and the rows below it, pixels.</summary>
    private const int RowGap = 8;

    /// <summary>Space between the items of a row, pixels.</summary>
    private const int ItemGap = 24;

    /// <summary>Space between a swatch or the scale bar and its label, pixels.</summary>
    private const int LabelGap = 6;

    /// <summary>Thickness of the scale bar, pixels.</summary>
    private const int BarThickness = 6;

    private static readonly byte[] Background = [255, 255, 255];
    private static readonly byte[] Ink = [30, 30, 30];
    private static readonly byte[] Outline = [128, 128, 128];

    /// <summary>The scale bar's colour, used nowhere else in the picture (no map colour has red below 90).</summary>
    private static readonly byte[] Bar = [0, 0, 0];

    private static int LineHeight => BitmapFont.LineHeight(TextSize);

    private readonly VoxelKey _low;
    private readonly VoxelKey _high;
    private readonly int _scale;
    private readonly double _resolution;

    private MapPicture(int width, int height, byte[] rgb, int mapLeft, int mapTop, double scaleBarMetres, VoxelKey low, VoxelKey high, int scale, double resolution)
    {
        _low = low;
        _high = high;
        _scale = scale;
        _resolution = resolution;
        Width = width;
        Height = height;
        Rgb = rgb;
        MapLeft = mapLeft;
        MapTop = mapTop;
        ScaleBarMetres = scaleBarMetres;
    }

    /// <summary>Picture width in pixels.</summary>
    public int Width { get; }

    /// <summary>Picture height in pixels.</summary>
    public int Height { get; }

    /// <summary>Pixels: 3 bytes (red, green, blue) each, row-major, top row first.</summary>
    public ReadOnlyMemory<byte> Rgb { get; }

    /// <summary>
    /// Column of the picture where the map's westmost (smallest x) voxel column begins; the voxel column i along x
    /// covers pixel columns MapLeft + i·scale to MapLeft + (i + 1)·scale − 1.
    /// </summary>
    public int MapLeft { get; }

    /// <summary>Row of the picture where the map's northmost (largest y) voxel row begins: north (+y) is up.</summary>
    public int MapTop { get; }

    /// <summary>The length the scale bar stands for, metres: 1, 2 or 5 times a power of ten, about a fifth of the map's width.</summary>
    public double ScaleBarMetres { get; }

    /// <summary>
    /// Renders the voxel columns of a region as <see cref="TopDownView.Render"/> does and frames them with a title,
    /// a legend and a scale bar. North (+y) is up and east (+x) right; coordinates are world metres, z up.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box, metres: its x and y span the map, its z is the height band.</param>
    /// <param name="title">The title line, such as the map's name; cut short with "..." when wider than a picture may be.</param>
    /// <param name="scale">Pixels per voxel column along each side, 1 to 16 (enlarges small maps).</param>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> or <paramref name="title"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is outside 1 to 16.</exception>
    /// <exception cref="ArgumentException">
    /// The region lies outside the map's index range or spans more than 8192 voxels along x or y, or the framed
    /// picture would be wider or taller than 8192 pixels.
    /// </exception>
    public static MapPicture Render(OccupancyMap map, Aabb region, string title, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(title);
        if (scale is < 1 or > MaxScale)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(scale), scale, string.Create(CultureInfo.InvariantCulture, $"scale must be between 1 and {MaxScale}, but was {scale}."));
        }

        // Sizes first, so that a picture too large is refused before the map is read.
        VoxelKey lo = map.KeyOf(region.Min), hi = map.KeyOf(region.Max);
        int columns = hi.X - lo.X + 1, rows = hi.Y - lo.Y + 1;
        if (columns > TopDownView.MaxSide || rows > TopDownView.MaxSide)
        {
            ThrowHelper.Argument(nameof(region), TopDownView.RegionTooLarge(columns, rows));
        }

        int mapWidth = columns * scale, mapHeight = rows * scale;
        double barMetres = ScaleBarLength(columns * map.Resolution, map.Resolution / scale);
        int barPixels = (int)Math.Round(barMetres / map.Resolution * scale, MidpointRounding.AwayFromZero);
        string barLabel = FormatMetres(barMetres) + " m";
        string voxelLabel = FormatMetres(map.Resolution) + " m voxels";
        const string NorthLabel = "north (+y) up";

        int legendWidth = SwatchWidth(3) + LabelGap + TextWidth("occupied (low->high)") + ItemGap +
                          SwatchWidth(1) + LabelGap + TextWidth("free") + ItemGap +
                          SwatchWidth(1) + LabelGap + TextWidth("unknown");
        int infoWidth = barPixels + LabelGap + TextWidth(barLabel) + ItemGap + TextWidth(voxelLabel) + ItemGap + TextWidth(NorthLabel);
        string line = FitTitle(BitmapFont.ToPrintable(title), TopDownView.MaxSide - (2 * Padding));
        int contentWidth = Math.Max(Math.Max(mapWidth + 2, TextWidth(line)), Math.Max(legendWidth, infoWidth));
        int width = contentWidth + (2 * Padding);
        int height = (2 * Padding) + (3 * LineHeight) + (3 * RowGap) + mapHeight + 2;
        if (width > TopDownView.MaxSide || height > TopDownView.MaxSide)
        {
            ThrowHelper.Argument(scale > 1 ? nameof(scale) : nameof(region), string.Create(CultureInfo.InvariantCulture, $"a {columns}x{rows} voxel region at scale {scale} makes a {width}x{height} picture; at most {TopDownView.MaxSide} pixels on a side."));
        }

        TopDownView view = TopDownView.Render(map, region);
        var rgb = new byte[3 * width * height];
        Fill(rgb, width, 0, 0, width, height, Background);

        int y = Padding;
        BitmapFont.Draw(rgb, width, Padding, y, line, TextSize, Ink[0], Ink[1], Ink[2]);
        y += LineHeight + RowGap;

        int mapLeft = Padding + ((contentWidth - (mapWidth + 2)) / 2) + 1, mapTop = y + 1;
        Fill(rgb, width, mapLeft - 1, mapTop - 1, mapWidth + 2, mapHeight + 2, Outline);
        CopyEnlarged(view, scale, rgb, width, mapLeft, mapTop);
        y += mapHeight + 2 + RowGap;

        int x = Padding;
        x = DrawSwatch(rgb, width, x, y, SwatchWidth(3), occupied: true, TopDownView.OccupiedLowColour);
        x = DrawLabel(rgb, width, x, y, "occupied (low->high)");
        x = DrawSwatch(rgb, width, x, y, SwatchWidth(1), occupied: false, TopDownView.FreeColour);
        x = DrawLabel(rgb, width, x, y, "free");
        x = DrawSwatch(rgb, width, x, y, SwatchWidth(1), occupied: false, TopDownView.UnknownColour);
        DrawLabel(rgb, width, x, y, "unknown");
        y += LineHeight + RowGap;

        x = Padding;
        DrawScaleBar(rgb, width, x, y, barPixels);
        x = DrawLabel(rgb, width, x + barPixels + LabelGap, y, barLabel);
        x = DrawLabel(rgb, width, x, y, voxelLabel);
        DrawLabel(rgb, width, x, y, NorthLabel);

        return new MapPicture(width, height, rgb, mapLeft, mapTop, barMetres, lo, hi, scale, map.Resolution);
    }

    /// <summary>The pixel a world point (x, y) falls on, inside the map's area of the picture (for drawing over it).</summary>
    /// <param name="x">World x, metres.</param>
    /// <param name="y">World y, metres.</param>
    /// <param name="column">Pixel column; from the left.</param>
    /// <param name="row">Pixel row; from the top.</param>
    /// <returns>False, with -1 for both, when the point lies outside the region drawn or is not finite.</returns>
    public bool TryGetPixel(double x, double y, out int column, out int row)
    {
        double cx = Math.Floor(x / _resolution * _scale) - ((double)_low.X * _scale), ry = (((double)_high.Y + 1) * _scale) - Math.Floor(y / _resolution * _scale) - 1;
        if (!(cx >= 0 && cx < (_high.X - _low.X + 1) * _scale && ry >= 0 && ry < (_high.Y - _low.Y + 1) * _scale))
        {
            column = row = -1;
            return false;
        }

        column = MapLeft + (int)cx;
        row = MapTop + (int)ry;
        return true;
    }

    /// <summary>Writes the picture as an 8-bit RGB PNG with <see cref="PngImages.SaveColor"/>.</summary>
    /// <param name="path">File path.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public void Save(string path) => PngImages.SaveColor(path, Width, Height, Rgb.Span);

    /// <summary>
    /// The round length (1, 2 or 5 times a power of ten, metres) nearest a fifth of <paramref name="mapWidthMetres"/>
    /// by ratio, and at least about <paramref name="minimumMetres"/> (one pixel) so that the bar can be drawn.
    /// </summary>
    internal static double ScaleBarLength(double mapWidthMetres, double minimumMetres)
    {
        double target = Math.Max(mapWidthMetres / 5, minimumMetres);
        double decade = Math.Pow(10, Math.Floor(Math.Log10(target)));
        double best = decade;
        foreach (double step in (ReadOnlySpan<double>)[1, 2, 5, 10])
        {
            double candidate = step * decade;
            if (Math.Abs(Math.Log(candidate / target)) < Math.Abs(Math.Log(best / target)))
            {
                best = candidate;
            }
        }

        // Six significant digits remove the power's rounding (0.30000000000000004 becomes 0.3).
        return double.Parse(best.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string FormatMetres(double metres) => metres.ToString("G6", CultureInfo.InvariantCulture);

    private static int TextWidth(string text) => BitmapFont.MeasureWidth(text, TextSize);

    /// <summary>Width of a swatch as wide as <paramref name="squares"/> line-high squares.</summary>
    private static int SwatchWidth(int squares) => squares * LineHeight;

    /// <summary>The title, cut short with "..." where it is wider than <paramref name="maxWidth"/> pixels.</summary>
    private static string FitTitle(string title, int maxWidth)
    {
        if (TextWidth(title) <= maxWidth)
        {
            return title;
        }

        // n characters are (n·Advance − 1)·TextSize pixels wide.
        int fits = ((maxWidth / TextSize) + 1) / BitmapFont.Advance;
        return string.Concat(title.AsSpan(0, fits - 3), "...");
    }

    private static void CopyEnlarged(TopDownView view, int scale, byte[] rgb, int width, int left, int top)
    {
        ReadOnlySpan<byte> source = view.Rgb.Span;
        for (int y = 0; y < view.Height * scale; y++)
        {
            ReadOnlySpan<byte> sourceRow = source.Slice(3 * (y / scale) * view.Width, 3 * view.Width);
            Span<byte> row = rgb.AsSpan(3 * (((top + y) * width) + left), 3 * view.Width * scale);
            for (int x = 0; x < view.Width * scale; x++)
            {
                sourceRow.Slice(3 * (x / scale), 3).CopyTo(row.Slice(3 * x, 3));
            }
        }
    }

    /// <summary>
    /// A line-high swatch in a grey outline: one colour, or for occupied the shading from low (left) to high
    /// (right) exactly as <see cref="TopDownView"/> computes it. Returns where its label begins.
    /// </summary>
    private static int DrawSwatch(byte[] rgb, int width, int x, int y, int swatchWidth, bool occupied, Vector3 colour)
    {
        Fill(rgb, width, x, y, swatchWidth, LineHeight, Outline);
        int inner = swatchWidth - 2;
        for (int i = 0; i < inner; i++)
        {
            Vector3 c = occupied ? TopDownView.OccupiedColour(i / (float)(inner - 1)) : colour;
            Fill(rgb, width, x + 1 + i, y + 1, 1, LineHeight - 2, [(byte)c.X, (byte)c.Y, (byte)c.Z]);
        }

        return x + swatchWidth + LabelGap;
    }

    /// <summary>A label; returns where the next item of the row begins.</summary>
    private static int DrawLabel(byte[] rgb, int width, int x, int y, string text)
    {
        BitmapFont.Draw(rgb, width, x, y, text, TextSize, Ink[0], Ink[1], Ink[2]);
        return x + TextWidth(text) + ItemGap;
    }

    /// <summary>A bar <paramref name="length"/> pixels long, centred on the line, with a line-high tick at each end.</summary>
    private static void DrawScaleBar(byte[] rgb, int width, int x, int y, int length)
    {
        int tick = Math.Min(2, length);
        Fill(rgb, width, x, y + ((LineHeight - BarThickness) / 2), length, BarThickness, Bar);
        Fill(rgb, width, x, y, tick, LineHeight, Bar);
        Fill(rgb, width, x + length - tick, y, tick, LineHeight, Bar);
    }

    private static void Fill(byte[] rgb, int width, int x, int y, int w, int h, ReadOnlySpan<byte> colour)
    {
        for (int row = y; row < y + h; row++)
        {
            for (int column = x; column < x + w; column++)
            {
                colour.CopyTo(rgb.AsSpan(3 * ((row * width) + column), 3));
            }
        }
    }
}
