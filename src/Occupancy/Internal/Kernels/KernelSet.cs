using System;
using System.Globalization;
using System.Threading;

namespace Occupancy;

/// <summary>
/// The implementation chosen for each kernel family. A map carries one (its integrators take the map's), a stereo
/// matcher another; the default is <see cref="Best"/>. Tests build sets that differ in one family
/// (<see cref="With"/>) to compare every implementation with the scalar one.
/// </summary>
internal sealed class KernelSet
{
    /// <summary>The environment variable that forces implementations (documented on the public <c>Kernels</c> report).</summary>
    public const string EnvironmentVariable = "OCCUPANCY_KERNEL";

    private static KernelSet? _best;
    private readonly KernelWidth[] _widths;

    private KernelSet(KernelWidth[] widths) => _widths = widths;

    /// <summary>
    /// The widest implementation of each family that this machine runs, or the ones <see cref="EnvironmentVariable"/>
    /// names: entries <c>family=width</c> force one implementation, <c>all=width</c> caps every family at that width;
    /// entries are separated by commas, and a later entry overrides an earlier one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The variable names a family or width that does not exist, or one this machine cannot run.</exception>
    public static KernelSet Best
    {
        get
        {
            KernelSet? best = Volatile.Read(ref _best);
            if (best is null)
            {
                best = FromEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable));
                Volatile.Write(ref _best, best);
            }

            return best;
        }
    }

    /// <summary>The widest implementation of every family this machine runs, whatever the environment says.</summary>
    public static KernelSet Widest
    {
        get
        {
            var widths = new KernelWidth[KernelFamilies.All.Count];
            foreach (KernelFamily f in KernelFamilies.All)
            {
                widths[f.Index] = f.Widest;
            }

            return new KernelSet(widths);
        }
    }

    /// <summary>Every family's scalar implementation.</summary>
    public static KernelSet Scalar { get; } = new(new KernelWidth[KernelFamilies.All.Count]);

    public KernelWidth Projective => _widths[KernelFamilies.Projective.Index];

    public KernelWidth Endpoints => _widths[KernelFamilies.Endpoints.Index];

    public KernelWidth Walk => _widths[KernelFamilies.Walk.Index];

    public KernelWidth Keys => _widths[KernelFamilies.Keys.Index];

    public KernelWidth Lookups => _widths[KernelFamilies.Lookups.Index];

    public KernelWidth Counts => _widths[KernelFamilies.Counts.Index];

    public KernelWidth Census => _widths[KernelFamilies.Census.Index];

    public KernelWidth Sgm => _widths[KernelFamilies.Sgm.Index];

    public KernelWidth Decay => _widths[KernelFamilies.Decay.Index];

    public KernelWidth Smoothing => _widths[KernelFamilies.Smoothing.Index];

    public KernelWidth Merge => _widths[KernelFamilies.Merge.Index];

    public KernelWidth Cost => _widths[KernelFamilies.Cost.Index];

    /// <summary>The implementation chosen for a family.</summary>
    public KernelWidth this[KernelFamily family] => _widths[family.Index];

    /// <summary>This set with one family's implementation replaced.</summary>
    /// <exception cref="InvalidOperationException">This machine cannot run that implementation.</exception>
    public KernelSet With(KernelFamily family, KernelWidth width)
    {
        family.EnsureRuns(width, "a kernel set");
        var widths = (KernelWidth[])_widths.Clone();
        widths[family.Index] = width;
        return new KernelSet(widths);
    }

    /// <summary>family=width for every family, in order.</summary>
    public override string ToString()
    {
        var parts = new string[_widths.Length];
        foreach (KernelFamily f in KernelFamilies.All)
        {
            parts[f.Index] = f.Name + "=" + KernelNames.Of(_widths[f.Index]);
        }

        return string.Join(",", parts);
    }

    /// <summary>The set the environment variable's value describes (null or empty: the widest of each family).</summary>
    internal static KernelSet FromEnvironment(string? value)
    {
        var widths = new KernelWidth[KernelFamilies.All.Count];
        foreach (KernelFamily f in KernelFamilies.All)
        {
            widths[f.Index] = f.Widest;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            return new KernelSet(widths);
        }

        string source = EnvironmentVariable + "=" + value;
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? string.Empty : part[..eq].Trim();
            string widthName = eq < 0 ? part : part[(eq + 1)..].Trim();
            if (eq < 0 || !KernelNames.TryParse(widthName, out KernelWidth width))
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{source}: '{part}' is not family=width with a width of scalar, vector128, vector256 or vector512 (for example projective=vector128, or all=scalar)."));
            }

            if (string.Equals(name, "all", StringComparison.OrdinalIgnoreCase))
            {
                foreach (KernelFamily f in KernelFamilies.All)
                {
                    widths[f.Index] = f.WidestUpTo(width);
                }

                continue;
            }

            KernelFamily? family = null;
            foreach (KernelFamily f in KernelFamilies.All)
            {
                family = string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase) ? f : family;
            }

            if (family is null)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{source}: there is no kernel family '{name}' (families: {string.Join(", ", Array.ConvertAll([.. KernelFamilies.All], f => f.Name))}, or all)."));
            }

            family.EnsureRuns(width, source);
            widths[family.Index] = width;
        }

        return new KernelSet(widths);
    }
}
