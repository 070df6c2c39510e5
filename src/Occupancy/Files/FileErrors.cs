using System.Globalization;
using System.IO;

namespace Occupancy.Files;

/// <summary>The one shape of every reader's corruption error: the format, the byte offset and what was wrong there.</summary>
internal static class FileErrors
{
    /// <summary>An <see cref="InvalidDataException"/> such as "Invalid .bt file at byte 42: the tree ends early".</summary>
    public static InvalidDataException At(string format, long offset, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Invalid {format} file at byte {offset}: {what}"));
}
