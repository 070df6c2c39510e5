using System;
using System.Linq;
using Xunit;

namespace Occupancy.Tests.Internal;

/// <summary>One mechanism chooses every kernel family's implementation; the environment variable forces them, loudly.</summary>
public class KernelSelectionTests
{
    [Fact]
    public void Every_family_is_reported_with_its_implementations()
    {
        Assert.Equal(new[] { "projective", "endpoints", "walk", "keys", "lookups", "counts", "census", "sgm", "decay", "smoothing", "merge", "cost" }, Kernels.InUse.Select(k => k.Family));
        foreach (KernelInUse k in Kernels.InUse)
        {
            Assert.Equal("scalar", k.Implementations[0]);
            Assert.Contains(k.Implementation, k.Supported);
            Assert.All(k.Supported, s => Assert.Contains(s, k.Implementations));
        }

        Assert.Equal(string.Join(' ', Kernels.InUse.Select(k => $"{k.Family}={k.Implementation}")), Kernels.Describe());
    }

    [Fact]
    public void Entries_force_one_family_and_all_caps_every_family()
    {
        Assert.Equal(KernelWidth.Scalar, KernelSet.FromEnvironment("walk=scalar").Walk);
        Assert.Equal(KernelSet.Widest.Projective, KernelSet.FromEnvironment("walk=scalar").Projective);
        KernelSet capped = KernelSet.FromEnvironment("all=scalar");
        Assert.All(KernelFamilies.All, f => Assert.Equal(KernelWidth.Scalar, capped[f]));
        // Entries apply in order: a family named after all= keeps its own width, all= after it overrides it.
        string widest = KernelNames.Of(KernelSet.Widest.Projective);
        KernelSet named = KernelSet.FromEnvironment($" all=scalar , Projective={widest.ToUpperInvariant()} ");
        Assert.Equal(KernelSet.Widest.Projective, named.Projective);
        Assert.Equal(KernelWidth.Scalar, named.Walk);
        Assert.Equal(KernelWidth.Scalar, KernelSet.FromEnvironment($"projective={widest},all=scalar").Projective);
        foreach (KernelFamily f in KernelFamilies.All)
        {
            // all=vector128 caps each family at the widest it runs of those no wider than 128 bits.
            KernelWidth expected = f.Supported.Where(w => w is KernelWidth.Scalar or KernelWidth.Vector128).Max();
            Assert.Equal(expected, KernelSet.FromEnvironment("all=vector128")[f]);
        }

        Assert.Equal(KernelSet.Widest.ToString(), KernelSet.FromEnvironment("").ToString());
    }

    [Theory]
    [InlineData("walk=vector128", "this family does not have")]
    [InlineData("walks=scalar", "no kernel family 'walks'")]
    [InlineData("walk=fast", "not family=width")]
    [InlineData("vector256", "not family=width")]
    public void A_wrong_entry_is_an_error_that_says_what_is_wrong(string value, string expected)
    {
        var e = Assert.Throws<InvalidOperationException>(() => KernelSet.FromEnvironment(value));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("OCCUPANCY_KERNEL=", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forcing_an_implementation_this_machine_cannot_run_is_an_error()
    {
        foreach (KernelFamily f in KernelFamilies.All)
        {
            foreach (KernelWidth w in f.Widths.Where(w => !f.Runs(w)))
            {
                string name = $"{f.Name}={KernelNames.Of(w)}";
                var e = Assert.Throws<InvalidOperationException>(() => KernelSet.FromEnvironment(name));
                Assert.Contains("this machine cannot run", e.Message, StringComparison.Ordinal);
            }
        }

        // Checked on every machine: a set refuses an implementation the family does not have.
        var missing = Assert.Throws<InvalidOperationException>(() => KernelSet.Best.With(KernelFamilies.Walk, KernelWidth.Vector128));
        Assert.Contains("walk=vector128, which this family does not have", missing.Message, StringComparison.Ordinal);
    }
}
