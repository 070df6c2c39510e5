using System;

namespace Occupancy.Cli;

/// <summary>A failure the tool reports as one line on stderr, with its exit code (1 bad input, 2 usage).</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public const int BadInput = 1;
    public const int Usage = 2;

    public int ExitCode { get; } = exitCode;

    public static CliException UsageError(string message) => new(Usage, message);

    public static CliException Input(string message) => new(BadInput, message);
}
