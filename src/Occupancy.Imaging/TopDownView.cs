using System;
using System.Numerics;

namespace Occupancy.Imaging;

/// <summary>
/// A bird's-eye picture of a map: one pixel per voxel column, looking down the world z axis, north (+y) up and
/// east (+x) right. A column is occupied when any occupied voxel of it lies in the height band, free when any
/// voxel is free, and unknown otherwise. Pixels are RGB, 3 bytes each, row-major from the top row.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed class TopDownView
{
    private TopDownView(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>Most voxel columns rendered along x or y.</summary>
    internal const int MaxSide = 8192;

    /// <summary>Colour of free columns (also drawn in <see cref="MapPicture"/>'s legend).</summary>
    internal static readonly Vector3 FreeColour = new(235, 235, 235);

    /// <summary>Colour of unknown columns.</summary>
    internal static readonly Vector3 UnknownColour = new(90, 110, 140);

    /// <summary>Colour of an occupied column whose top occupied voxel is at the bottom of the height band.</summary>
    internal static readonly Vector3 OccupiedLowColour = new(120, 0, 0);

    /// <summary>Colour of an occupied column whose top occupied voxel is at the top of the height band.</summary>
    internal static readonly Vector3 OccupiedHighColour = new(255, 220, 0);

    /// <summary>Image width in pixels (voxel columns along x).</summary>
    public int Width { get; }

    /// <summary>Image height in pixels (voxel columns along y).</summary>
    public int Height { get; }

    /// <summary>Pixels: 3 bytes (red, green, blue) each, row-major, top row (largest y) first.</summary>
    public ReadOnlyMemory<byte> Rgb { get; }

    /// <summary>Renders the columns of a region; voxels count when their centres lie inside <paramref name="region"/>.</summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box: its x and y span the picture, its z is the height band, metres.</param>
    /// <exception cref="ArgumentException">The region spans more than 8192 voxels along x or y.</exception>
    public static TopDownView Render(OccupancyMap map, Aabb region)
    {
        ArgumentNullException.ThrowIfNull(map);
        VoxelKey lo = map.KeyOf(region.Min);
        VoxelKey hi = map.KeyOf(region.Max);
        int width = hi.X - lo.X + 1, height = hi.Y - lo.Y + 1;
        if (width > MaxSide || height > MaxSide)
        {
            throw new ArgumentException(RegionTooLarge(width, height), nameof(region));
        }

        var state = new byte[width * height];
        var top = new float[width * height];
        Array.Fill(top, float.MinValue);
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(region))
        {
            int i = ((hi.Y - v.Key.Y) * width) + (v.Key.X - lo.X);
            if ((uint)(v.Key.X - lo.X) >= (uint)width || (uint)(hi.Y - v.Key.Y) >= (uint)height)
            {
                continue;
            }

            byte s = (byte)v.State;
            if (s > state[i] || (s == (byte)VoxelState.Occupied && v.Key.Z > top[i]))
            {
                state[i] = Math.Max(state[i], s);
                if (v.State == VoxelState.Occupied)
                {
                    top[i] = Math.Max(top[i], v.Key.Z);
                }
            }
        }

        float zLo = (float)(region.Min.Z / map.Resolution), zHi = (float)(region.Max.Z / map.Resolution);
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < state.Length; i++)
        {
            Vector3 c = state[i] switch
            {
                (byte)VoxelState.Free => FreeColour,
                // Occupied columns shade from dark red (low) to yellow (high) with the top occupied voxel.
                (byte)VoxelState.Occupied => OccupiedColour(Math.Clamp((top[i] - zLo) / Math.Max(1f, zHi - zLo), 0f, 1f)),
                _ => UnknownColour,
            };
            rgb[(3 * i) + 0] = (byte)c.X;
            rgb[(3 * i) + 1] = (byte)c.Y;
            rgb[(3 * i) + 2] = (byte)c.Z;
        }

        return new TopDownView(width, height, rgb);
    }

    /// <summary>The message for a region wider or taller than <see cref="MaxSide"/> voxel columns.</summary>
    internal static string RegionTooLarge(int width, int height) => $"The region spans {width}x{height} voxels; at most {MaxSide} on a side.";

    /// <summary>The shade of an occupied column, <paramref name="t"/> from 0 (bottom of the band) to 1 (top).</summary>
    internal static Vector3 OccupiedColour(float t) => Vector3.Lerp(OccupiedLowColour, OccupiedHighColour, t);
}
