using System;
using System.Globalization;
using System.IO;

namespace Occupancy.Cli;

/// <summary>
/// <c>diff A B</c>: of the voxels known to either map, the share classified alike (both free or both occupied), and
/// the count of each kind of disagreement.
/// </summary>
internal static class DiffVerb
{
    public static void Run(Arguments a, TextWriter output)
    {
        a.ExpectPositional(2, "A B");
        OccupancyMap first = MapFiles.Load(a.Positional[0], out _), second = MapFiles.Load(a.Positional[1], out _);
        // OctoMap's files print the resolution with 6 significant digits: resolutions that agree to those are one.
        if (Math.Abs(first.Resolution - second.Resolution) > 1e-5 * first.Resolution)
        {
            throw CliException.Input(string.Create(CultureInfo.InvariantCulture, $"the maps' resolutions differ ({first.Resolution} m and {second.Resolution} m): voxels cannot be compared"));
        }

        DiffCounts d = Compare(first, second);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agreement   {100.0 * d.Alike / Math.Max(d.Union, 1):F4}% of {d.Union} voxels known to either classified alike"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"alike       {d.Alike} ({d.BothOccupied} occupied, {d.Alike - d.BothOccupied} free)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A occupied, B free      {d.OccupiedFree}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A free, B occupied      {d.FreeOccupied}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A known, B unknown      {d.OnlyFirst}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A unknown, B known      {d.OnlySecond}"));
    }

    /// <summary>Counts of one comparison; <see cref="Union"/> is every voxel known to either map.</summary>
    internal readonly record struct DiffCounts(long Alike, long BothOccupied, long OccupiedFree, long FreeOccupied, long OnlyFirst, long OnlySecond)
    {
        public long Union => Alike + OccupiedFree + FreeOccupied + OnlyFirst + OnlySecond;
    }

    internal static DiffCounts Compare(OccupancyMap first, OccupancyMap second)
    {
        long alike = 0, bothOccupied = 0, occupiedFree = 0, freeOccupied = 0, onlyFirst = 0, onlySecond = 0;
        foreach (VoxelInfo v in first.EnumerateVoxels())
        {
            switch ((v.State, second.GetState(v.Key)))
            {
                case (VoxelState.Occupied, VoxelState.Occupied):
                    alike++;
                    bothOccupied++;
                    break;
                case (VoxelState.Free, VoxelState.Free):
                    alike++;
                    break;
                case (VoxelState.Occupied, VoxelState.Free):
                    occupiedFree++;
                    break;
                case (VoxelState.Free, VoxelState.Occupied):
                    freeOccupied++;
                    break;
                default:
                    onlyFirst++;
                    break;
            }
        }

        foreach (VoxelInfo v in second.EnumerateVoxels())
        {
            onlySecond += first.GetState(v.Key) == VoxelState.Unknown ? 1 : 0;
        }

        return new DiffCounts(alike, bothOccupied, occupiedFree, freeOccupied, onlyFirst, onlySecond);
    }
}
