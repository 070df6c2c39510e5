using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Cli;

/// <summary>A verb's arguments: positional ones in order, and <c>--name value</c> options; unknown options are usage errors.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public Arguments(string verb, ReadOnlySpan<string> args, string[] valueOptions, string[] flagOptions)
    {
        Verb = verb;
        var positional = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(a);
                continue;
            }

            string name = a[2..];
            if (Array.IndexOf(flagOptions, name) >= 0)
            {
                _flags.Add(name);
            }
            else if (Array.IndexOf(valueOptions, name) >= 0)
            {
                if (i + 1 >= args.Length)
                {
                    throw CliException.UsageError($"{verb}: option --{name} needs a value");
                }

                _options[name] = args[++i];
            }
            else
            {
                throw CliException.UsageError($"{verb}: unknown option {a}");
            }
        }

        Positional = positional;
    }

    public string Verb { get; }

    public IReadOnlyList<string> Positional { get; }

    public void ExpectPositional(int count, string usage)
    {
        if (Positional.Count != count)
        {
            throw CliException.UsageError($"usage: occupancy {Verb} {usage}");
        }
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Text(string name) => _options.GetValueOrDefault(name);

    public double Number(string name, double fallback, double min, double max)
    {
        if (!_options.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= min && v <= max))
        {
            throw CliException.UsageError(string.Create(CultureInfo.InvariantCulture, $"{Verb}: --{name} must be a number from {min} to {max}, but was '{text}'"));
        }

        return v;
    }

    public Vector3 Point(string name, Vector3 fallback)
    {
        if (!_options.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        string[] parts = text.Split(',');
        var v = new float[3];
        if (parts.Length != 3 || !float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out v[0]) ||
            !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out v[1]) ||
            !float.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out v[2]) ||
            !float.IsFinite(v[0]) || !float.IsFinite(v[1]) || !float.IsFinite(v[2]))
        {
            throw CliException.UsageError($"{Verb}: --{name} must be x,y,z in metres, but was '{text}'");
        }

        return new Vector3(v[0], v[1], v[2]);
    }
}
