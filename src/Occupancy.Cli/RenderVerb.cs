using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using Occupancy.Imaging;

namespace Occupancy.Cli;

/// <summary><c>render IN OUT.png</c>: the top-down picture of a map with its name, a legend and a scale bar.</summary>
internal static class RenderVerb
{
    public static void Run(Arguments a, TextWriter output)
    {
        a.ExpectPositional(2, "IN OUT.png [--scale N] [--zmin Z] [--zmax Z]");
        OccupancyMap map = MapFiles.Load(a.Positional[0], out _);
        if (Bounds.Of(map) is not { } box)
        {
            throw CliException.Input($"{a.Positional[0]}: the map has no known voxel to draw");
        }

        double zMin = a.Number("zmin", box.Min.Z, -1e6, 1e6), zMax = a.Number("zmax", box.Max.Z, -1e6, 1e6);
        if (zMax < zMin)
        {
            throw CliException.UsageError("render: --zmax must not be below --zmin");
        }

        // Voxels count when their centres lie in the region: shrink the box half a voxel.
        float half = (float)(map.Resolution / 2);
        var region = new Aabb(new Vector3(box.Min.X + half, box.Min.Y + half, (float)zMin), new Vector3(box.Max.X - half, box.Max.Y - half, (float)zMax));
        int columns = (int)Math.Round((box.Max.X - box.Min.X) / map.Resolution);
        int scale = (int)a.Number("scale", Math.Clamp(800 / Math.Max(columns, 1), 1, 16), 1, 16);
        MapPicture picture;
        try
        {
            picture = MapPicture.Render(map, region, Path.GetFileName(a.Positional[0]), scale);
        }
        catch (ArgumentException e)
        {
            throw CliException.Input($"{a.Positional[0]}: {e.Message}");
        }

        picture.Save(a.Positional[1]);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Positional[1]}: {picture.Width}x{picture.Height} px, {scale} px a voxel, z {zMin:F2}..{zMax:F2} m"));
    }
}
