using System;
using System.Collections.Generic;
using System.Globalization;

namespace Occupancy;

/// <summary>
/// One family of kernels: the implementations it has, one per vector width, each with the hardware it needs. Every
/// family has a scalar implementation, its reference; the others compute the same results bit for bit (tests iterate
/// <see cref="Supported"/> and compare each with the scalar one).
/// </summary>
internal sealed class KernelFamily
{
    private readonly (KernelWidth Width, Func<bool> Runs)[] _implementations;

    /// <param name="name">The name used in <see cref="KernelSet.EnvironmentVariable"/> and reports.</param>
    /// <param name="index">Position in <see cref="KernelFamilies.All"/>.</param>
    /// <param name="summary">What the family computes, for reports.</param>
    /// <param name="implementations">Widths with the test of whether this machine runs them; scalar first.</param>
    public KernelFamily(string name, int index, string summary, params (KernelWidth Width, Func<bool> Runs)[] implementations)
    {
        Name = name;
        Index = index;
        Summary = summary;
        _implementations = implementations;
        var widths = new KernelWidth[implementations.Length];
        for (int i = 0; i < widths.Length; i++)
        {
            widths[i] = implementations[i].Width;
        }

        Widths = widths;
    }

    /// <summary>The family's name (lower case, as the environment variable spells it).</summary>
    public string Name { get; }

    /// <summary>Position in <see cref="KernelFamilies.All"/> and in a <see cref="KernelSet"/>.</summary>
    public int Index { get; }

    /// <summary>What the family computes.</summary>
    public string Summary { get; }

    /// <summary>Every implementation, narrowest first, whether or not this machine runs it.</summary>
    public IReadOnlyList<KernelWidth> Widths { get; }

    /// <summary>The implementations this machine runs (with the current DOTNET_ settings), narrowest first.</summary>
    public IReadOnlyList<KernelWidth> Supported
    {
        get
        {
            var supported = new List<KernelWidth>(_implementations.Length);
            foreach ((KernelWidth width, Func<bool> runs) in _implementations)
            {
                if (runs())
                {
                    supported.Add(width);
                }
            }

            return supported;
        }
    }

    /// <summary>The widest implementation this machine runs.</summary>
    public KernelWidth Widest => Supported[^1];

    /// <summary>The widest implementation this machine runs that is no wider than <paramref name="cap"/>.</summary>
    public KernelWidth WidestUpTo(KernelWidth cap)
    {
        KernelWidth best = KernelWidth.Scalar;
        foreach (KernelWidth w in Supported)
        {
            if (w <= cap)
            {
                best = w;
            }
        }

        return best;
    }

    private int IndexOf(KernelWidth width) => Array.FindIndex(_implementations, i => i.Width == width);

    /// <summary>True when the family has an implementation of this width and this machine runs it.</summary>
    public bool Runs(KernelWidth width)
    {
        foreach ((KernelWidth w, Func<bool> runs) in _implementations)
        {
            if (w == width)
            {
                return runs();
            }
        }

        return false;
    }

    /// <summary>Throws unless this machine runs the implementation of <paramref name="width"/>.</summary>
    /// <param name="width">The implementation asked for.</param>
    /// <param name="source">Who asks (for the message).</param>
    /// <exception cref="InvalidOperationException">The family has no such implementation, or this machine cannot run it.</exception>
    public void EnsureRuns(KernelWidth width, string source)
    {
        if (!Runs(width))
        {
            string why = IndexOf(width) < 0 ? "this family does not have" : "this machine cannot run";
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{source} asks for {Name}={KernelNames.Of(width)}, which {why}: {Name} has {KernelNames.List(Widths)}, and this machine runs {KernelNames.List(Supported)}."));
        }
    }
}
