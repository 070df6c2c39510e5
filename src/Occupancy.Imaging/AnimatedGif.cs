using System;
using System.Collections.Generic;
using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace Occupancy.Imaging;

/// <summary>
/// An animated GIF built frame by frame from RGB pictures of one size (such as <see cref="MapPicture"/>s of one region),
/// looping forever. Colours are reduced to each frame's 256-colour palette when saved.
/// </summary>
/// <remarks>Threads: one animation serves one thread.</remarks>
public sealed class AnimatedGif
{
    /// <summary>Most frames one animation holds.</summary>
    public const int MaxFrames = 4096;

    private readonly List<byte[]> _frames = [];

    /// <summary>Creates an empty animation.</summary>
    /// <param name="width">Pixels across; 1 to 8192.</param>
    /// <param name="height">Pixels down; 1 to 8192.</param>
    /// <param name="frameSeconds">Time each frame shows, seconds; 0.02 to 655 (GIF counts hundredths).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the frame time is out of range.</exception>
    public AnimatedGif(int width, int height, double frameSeconds)
    {
        if (width is < 1 or > TopDownView.MaxSide)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, string.Create(CultureInfo.InvariantCulture, $"width must be between 1 and {TopDownView.MaxSide}, but was {width}."));
        }

        if (height is < 1 or > TopDownView.MaxSide)
        {
            throw new ArgumentOutOfRangeException(nameof(height), height, string.Create(CultureInfo.InvariantCulture, $"height must be between 1 and {TopDownView.MaxSide}, but was {height}."));
        }

        if (!(frameSeconds >= 0.02 && frameSeconds <= 655))
        {
            throw new ArgumentOutOfRangeException(nameof(frameSeconds), frameSeconds, string.Create(CultureInfo.InvariantCulture, $"frameSeconds must be between 0.02 and 655, but was {frameSeconds}."));
        }

        Width = width;
        Height = height;
        FrameSeconds = frameSeconds;
    }

    /// <summary>Pixels across.</summary>
    public int Width { get; }

    /// <summary>Pixels down.</summary>
    public int Height { get; }

    /// <summary>Time each frame shows, seconds.</summary>
    public double FrameSeconds { get; }

    /// <summary>Frames added.</summary>
    public int Frames => _frames.Count;

    /// <summary>Adds a frame (copied).</summary>
    /// <param name="rgb">Pixels, 3 bytes each (red, green, blue), row-major, top row first.</param>
    /// <exception cref="ArgumentException">The buffer does not hold Width × Height pixels.</exception>
    /// <exception cref="InvalidOperationException">The animation already holds <see cref="MaxFrames"/> frames.</exception>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != 3L * Width * Height)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"rgb has {rgb.Length} bytes but a {Width}x{Height} frame needs {3L * Width * Height}."), nameof(rgb));
        }

        if (_frames.Count == MaxFrames)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"an animation holds at most {MaxFrames} frames."));
        }

        _frames.Add(rgb.ToArray());
    }

    /// <summary>Writes the animation.</summary>
    /// <param name="path">File path.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="InvalidOperationException">No frame was added.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_frames.Count == 0)
        {
            throw new InvalidOperationException("an animation needs at least one frame.");
        }

        int delay = (int)Math.Round(FrameSeconds * 100);
        using var animation = Image.LoadPixelData<Rgb24>(_frames[0], Width, Height);
        animation.Metadata.GetGifMetadata().RepeatCount = 0;
        animation.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delay;
        for (int i = 1; i < _frames.Count; i++)
        {
            using var frame = Image.LoadPixelData<Rgb24>(_frames[i], Width, Height);
            frame.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delay;
            animation.Frames.AddFrame(frame.Frames.RootFrame);
        }

        animation.SaveAsGif(path);
    }
}
