using System.Collections.Generic;

namespace Occupancy;

/// <summary>
/// The SIMD kernels this process uses, one implementation per family (scalar, 128-, 256- or 512-bit vectors), and
/// how to force one. Each family's widest implementation that the machine runs is used unless the environment
/// variable <see cref="EnvironmentVariable"/> says otherwise: <c>OCCUPANCY_KERNEL=walk=vector256,projective=scalar</c>
/// forces implementations, <c>OCCUPANCY_KERNEL=all=vector128</c> caps every family at 128-bit vectors. A value that
/// names a family or width that does not exist, or an implementation this machine cannot run, is an error
/// (<see cref="System.InvalidOperationException"/> from the first map, matcher or report), never ignored. Every
/// implementation gives the same results bit for bit; the choice changes only speed.
/// </summary>
/// <remarks>
/// NativeAOT: a published program is compiled for one instruction set; without <c>IlcInstructionSet</c> it targets
/// baseline x86-64 and only the scalar and 128-bit implementations run. Set <c>IlcInstructionSet=x86-64-v3</c>
/// (AVX2) or <c>x86-64-v4</c> (AVX-512) to get the wide ones, and check here which ones run.
/// <para>Threads: holds no state, so safe to call from any thread.</para>
/// </remarks>
public static class Kernels
{
    /// <summary>The environment variable that forces implementations: <c>OCCUPANCY_KERNEL</c>.</summary>
    public const string EnvironmentVariable = KernelSet.EnvironmentVariable;

    /// <summary>The implementation in use for each family, with the others this machine could run.</summary>
    /// <exception cref="System.InvalidOperationException"><see cref="EnvironmentVariable"/> asks for something this machine cannot run.</exception>
    public static IReadOnlyList<KernelInUse> InUse
    {
        get
        {
            KernelSet best = KernelSet.Best;
            var list = new List<KernelInUse>(KernelFamilies.All.Count);
            foreach (KernelFamily f in KernelFamilies.All)
            {
                var supported = new List<string>();
                foreach (KernelWidth w in f.Supported)
                {
                    supported.Add(KernelNames.Of(w));
                }

                var all = new List<string>();
                foreach (KernelWidth w in f.Widths)
                {
                    all.Add(KernelNames.Of(w));
                }

                list.Add(new KernelInUse(f.Name, KernelNames.Of(best[f]), supported, all, f.Summary));
            }

            return list;
        }
    }

    /// <summary>The kernels in use on one line: <c>projective=vector256 endpoints=vector512 ...</c>.</summary>
    /// <exception cref="System.InvalidOperationException"><see cref="EnvironmentVariable"/> asks for something this machine cannot run.</exception>
    public static string Describe() => KernelSet.Best.ToString().Replace(',', ' ');
}

/// <summary>One kernel family and the implementation this process uses for it.</summary>
/// <param name="Family">The family's name, as <see cref="Kernels.EnvironmentVariable"/> spells it.</param>
/// <param name="Implementation">The implementation in use: scalar, vector128, vector256 or vector512.</param>
/// <param name="Supported">The implementations this machine runs, narrowest first.</param>
/// <param name="Implementations">Every implementation the family has.</param>
/// <param name="Summary">What the family computes.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record KernelInUse(string Family, string Implementation, IReadOnlyList<string> Supported, IReadOnlyList<string> Implementations, string Summary);
