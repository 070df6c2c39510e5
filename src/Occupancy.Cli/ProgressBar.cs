using System;
using System.Diagnostics;
using System.IO;

namespace Occupancy.Cli;

/// <summary>
/// Progress of long work (a scan graph's nodes) on stderr: a bar redrawn in place on a terminal, or a line every 10% when stderr is redirected
/// (logs stay readable). Nothing when the work is done within a second.
/// </summary>
internal sealed class ProgressBar(TextWriter error, long total, string what)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _shown = -1; // the percentage last shown; -1 before the first

    public void Report(long done)
    {
        if (_clock.ElapsedMilliseconds < 1000 && (done < total || _shown < 0))
        {
            return;
        }

        int percent = total == 0 ? 100 : (int)(100 * done / total);
        if (Console.IsErrorRedirected)
        {
            if (_shown < 0 || percent / 10 != _shown / 10)
            {
                error.WriteLine($"{what}: {done}/{total} ({percent}%), {_clock.Elapsed.TotalSeconds:F1} s");
                _shown = percent;
            }

            return;
        }

        if (percent != _shown)
        {
            int filled = percent * 30 / 100;
            error.Write($"\r{what} [{new string('#', filled)}{new string('.', 30 - filled)}] {done}/{total} {_clock.Elapsed.TotalSeconds:F1} s");
            _shown = percent;
            if (done >= total)
            {
                error.WriteLine();
            }
        }
    }
}
