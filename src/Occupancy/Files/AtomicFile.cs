using System;
using System.Globalization;
using System.IO;

namespace Occupancy.Files;

/// <summary>
/// Replaces a file atomically: the content goes to a temporary file in the same folder (so the rename cannot cross file
/// systems), is flushed to the disk, and is renamed over the target. A failure at any byte deletes the temporary file
/// and leaves the target as it was. Every writer of the library's formats saves through here. The new file has the
/// process's default permissions, and a symbolic link at the path is replaced by the file, not followed.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>.</summary>
    public static void Write(string path, Action<Stream> write) => Write(path, write, static s => s);

    /// <summary>As <see cref="Write(string, Action{Stream})"/>, with the file stream wrapped (tests inject failures here).</summary>
    internal static void Write(string path, Action<Stream> write, Func<Stream, Stream> wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        // Short enough beside any valid name: at most 40 characters of it, and 8 random hex digits.
        string name = Path.GetFileName(full);
        string temporary = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".{(name.Length > 40 ? name[..40] : name)}.{Guid.NewGuid().ToString("N")[..8]}.tmp"));
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream target = wrap(file);
                write(target);
                target.Flush();

                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the failure being reported matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
