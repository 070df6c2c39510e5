using System;
using Xunit;

namespace Occupancy.Tests;

/// <summary>
/// Theory data for identity tests: the implementations of each kernel family that this hardware leg runs, by name
/// (scalar, vector128, vector256, vector512), from the library's own list (<see cref="KernelFamilies"/>).
/// </summary>
public static class KernelData
{
    public static TheoryData<string> Projective => Names(KernelFamilies.Projective);

    public static TheoryData<string> Endpoints => Names(KernelFamilies.Endpoints);

    public static TheoryData<string> Walk => Names(KernelFamilies.Walk);

    public static TheoryData<string> Keys => Names(KernelFamilies.Keys);

    public static TheoryData<string> Lookups => Names(KernelFamilies.Lookups);

    public static TheoryData<string> Counts => Names(KernelFamilies.Counts);

    public static TheoryData<string> Census => Names(KernelFamilies.Census);

    public static TheoryData<string> Sgm => Names(KernelFamilies.Sgm);

    public static TheoryData<string> Decay => Names(KernelFamilies.Decay);

    public static TheoryData<string> Smoothing => Names(KernelFamilies.Smoothing);

    public static TheoryData<string> Merge => Names(KernelFamilies.Merge);

    /// <summary>The width a name stands for.</summary>
    internal static KernelWidth Width(string name) =>
        KernelNames.TryParse(name, out KernelWidth width) ? width : throw new ArgumentException($"no kernel width {name}", nameof(name));

    /// <summary>The process's kernels with one family's implementation replaced.</summary>
    internal static KernelSet With(KernelFamily family, string name) => KernelSet.Best.With(family, Width(name));

    private static TheoryData<string> Names(KernelFamily family)
    {
        var data = new TheoryData<string>();
        foreach (KernelWidth w in family.Supported)
        {
            data.Add(KernelNames.Of(w));
        }

        return data;
    }
}
