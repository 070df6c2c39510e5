using System;
using System.IO;

namespace Occupancy.Cli;

/// <summary>
/// The <c>occupancy</c> tool: <c>info</c>, <c>convert</c>, <c>integrate</c>, <c>render</c>, <c>diff</c>. Exit codes: 0 ok,
/// 1 bad input (one line on stderr), 2 usage.
/// </summary>
internal static class Program
{
    public const string Usage = """
        usage: occupancy VERB ...
          info FILE                 format, resolution, voxels, bounds, memory of a map (.occ .bt .ot) or points of a cloud
          convert IN OUT            between .occ, .bt and .ot, and to .ply [--cubes] [--color height|class]
          integrate IN OUT          build a map from a .graph (scan graph; progress on stderr), .ply or .xyz cloud
                                    [--resolution R (0.1)] [--max-range M (unlimited)]
                                    [--mode exact|discretized|first-point (exact; discretized: OctoMap's)]
                                    [--origin x,y,z (0,0,0; clouds only)] [--cubes] [--color height]
          render IN OUT.png         top-down picture with title, legend and scale bar [--scale N] [--zmin Z] [--zmax Z]
                                    (the map's full height by default: --zmax to look under a ceiling)
          diff A B                  voxel agreement of two maps of any readable format
        Coordinates: metres, world frame, z up. Exit codes: 0 ok, 1 bad input, 2 usage.
        """;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs one command line; the writers take what the tool prints.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0)
        {
            error.WriteLine(Usage);
            return CliException.Usage;
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(Usage);
            return 0;
        }

        try
        {
            ReadOnlySpan<string> rest = args.AsSpan(1);
            switch (args[0])
            {
                case "info":
                    InfoVerb.Run(new Arguments("info", rest, [], []), output);
                    break;
                case "convert":
                    ConvertVerb.Run(new Arguments("convert", rest, ["color"], ["cubes"]), output);
                    break;
                case "integrate":
                    IntegrateVerb.Run(new Arguments("integrate", rest, ["resolution", "max-range", "mode", "origin", "color"], ["cubes"]), output, error);
                    break;
                case "render":
                    RenderVerb.Run(new Arguments("render", rest, ["scale", "zmin", "zmax"], []), output);
                    break;
                case "diff":
                    DiffVerb.Run(new Arguments("diff", rest, [], []), output);
                    break;
                default:
                    throw CliException.UsageError($"unknown verb '{args[0]}' (info, convert, integrate, render, diff; --help for usage)");
            }

            return 0;
        }
        catch (CliException e)
        {
            error.WriteLine($"occupancy: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            error.WriteLine($"occupancy: {e.Message}");
            return CliException.BadInput;
        }
    }
}
