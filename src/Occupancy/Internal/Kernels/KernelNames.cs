using System;
using System.Collections.Generic;

namespace Occupancy;

/// <summary>The names of kernel widths as the environment variable and the reports spell them.</summary>
internal static class KernelNames
{
    public static string Of(KernelWidth width) => width switch
    {
        KernelWidth.Scalar => "scalar",
        KernelWidth.Vector128 => "vector128",
        KernelWidth.Vector256 => "vector256",
        KernelWidth.Vector512 => "vector512",
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "not a kernel width"),
    };

    public static bool TryParse(string name, out KernelWidth width)
    {
        foreach (KernelWidth w in (ReadOnlySpan<KernelWidth>)[KernelWidth.Scalar, KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512])
        {
            if (string.Equals(Of(w), name, StringComparison.OrdinalIgnoreCase))
            {
                width = w;
                return true;
            }
        }

        width = default;
        return false;
    }

    public static string List(IEnumerable<KernelWidth> widths)
    {
        var names = new List<string>();
        foreach (KernelWidth w in widths)
        {
            names.Add(Of(w));
        }

        return string.Join(", ", names);
    }
}
