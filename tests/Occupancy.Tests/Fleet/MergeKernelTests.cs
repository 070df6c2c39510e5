using System;
using System.Linq;
using Occupancy.Fleet;
using Xunit;

namespace Occupancy.Tests.Fleet;

/// <summary>The evidence kernels against the scalar ones, and the scalar ones against their definition.</summary>
public class MergeKernelTests
{
    private static float[] RandomBrick(Random random, int trial)
    {
        float[] brick = new float[512];
        for (int i = 0; i < brick.Length; i++)
        {
            brick[i] = (trial % 4) switch
            {
                0 => random.Next(3) == 0 ? float.NaN : (random.NextSingle() - 0.4f) * 7f,
                1 => random.Next(2) == 0 ? float.NaN : (random.NextSingle() - 0.5f) * 600f, // beyond the ±127 clamp
                2 => (random.Next(-1000, 1000) + 0.5f) / EvidenceMap.Scale, // exact halves: round to even
                _ => random.Next(50) == 0 ? -0f : random.NextSingle() * 1e-4f,
            };
        }

        return brick;
    }

    [Theory]
    [MemberData(nameof(KernelData.Merge), MemberType = typeof(KernelData))]
    public void Every_quantize_kernel_gives_the_scalar_kernels_bits(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(11);
        for (int trial = 0; trial < 800; trial++)
        {
            float[] brick = RandomBrick(random, trial);
            int[] s = new int[512], v = Enumerable.Repeat(99, 512).ToArray();
            ulong[] sk = new ulong[8], vk = Enumerable.Repeat(ulong.MaxValue, 8).ToArray();
            MergeKernel.QuantizeScalar(brick, s, sk);
            MergeKernel.Quantize(brick, v, vk, width);
            Assert.Equal(s, v);
            Assert.Equal(sk, vk);
        }
    }

    [Theory]
    [MemberData(nameof(KernelData.Merge), MemberType = typeof(KernelData))]
    public void Every_increment_reader_gives_the_scalar_readers_bits_and_finds_the_same_bad_voxel(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(13);
        float[] bad = [0.5f / 65536, 256f, float.PositiveInfinity, -float.PositiveInfinity, BitConverter.Int32BitsToSingle(0x7FC00001), 1e-30f];
        for (int trial = 0; trial < 600; trial++)
        {
            float[] brick = new float[512];
            for (int i = 0; i < 512; i++)
            {
                brick[i] = random.Next(3) == 0 ? float.NaN : random.Next(-(1 << 23), 1 << 23) / 65536f;
            }

            brick[1] = -0f;
            int expectedBad = -1;
            if (trial % 2 == 1)
            {
                expectedBad = random.Next(512);
                brick[expectedBad] = bad[trial / 2 % bad.Length];
            }

            int[] s = new int[512], v = new int[512];
            ulong[] sk = new ulong[8], vk = Enumerable.Repeat(ulong.MaxValue, 8).ToArray();
            Assert.Equal(expectedBad, MergeKernel.ReadIncrementsScalar(brick, s, sk));
            Assert.Equal(expectedBad, MergeKernel.ReadIncrements(brick, v, vk, width));
            if (expectedBad < 0)
            {
                Assert.Equal(s, v);
                Assert.Equal(sk, vk);
                for (int i = 0; i < 512; i++)
                {
                    Assert.Equal(float.IsNaN(brick[i]) ? 0 : (int)(brick[i] * 65536), s[i]);
                }
            }
        }
    }

    [Fact]
    public void The_scalar_quantize_kernel_rounds_to_the_nearest_2_to_the_minus_16_and_clamps_at_127()
    {
        float[] brick = new float[512];
        Array.Fill(brick, float.NaN);
        brick[0] = 1f;
        brick[1] = 0.5f / EvidenceMap.Scale;  // a half: to even (0)
        brick[2] = 1.5f / EvidenceMap.Scale;  // a half: to even (2)
        brick[3] = -3.511f;
        brick[64] = 1000f;
        brick[511] = -1000f;
        int[] q = new int[512];
        ulong[] known = new ulong[8];
        MergeKernel.QuantizeScalar(brick, q, known);
        Assert.Equal(65536, q[0]);
        Assert.Equal(0, q[1]);
        Assert.Equal(2, q[2]);
        Assert.Equal((int)Math.Round(-3.511f * 65536.0, MidpointRounding.ToEven), q[3]);
        Assert.Equal(127 * 65536, q[64]);
        Assert.Equal(-127 * 65536, q[511]);
        Assert.Equal(0b1111UL, known[0]);
        Assert.Equal(1UL, known[1]);
        Assert.Equal(1UL << 63, known[7]);
        Assert.Equal(0, q[5]); // unknown: 0
    }

    [Theory]
    [MemberData(nameof(KernelData.Merge), MemberType = typeof(KernelData))]
    public void Every_accumulate_and_dequantize_kernel_gives_the_scalar_kernels_bits(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(12);
        for (int trial = 0; trial < 800; trial++)
        {
            int[] a = new int[512], b = new int[512];
            ulong[] ak = new ulong[8], bk = new ulong[8];
            for (int i = 0; i < 512; i++)
            {
                a[i] = trial % 5 == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(-300_000, 300_000); // wraps too
                b[i] = random.Next(-300_000, 300_000);
            }

            for (int w = 0; w < 8; w++)
            {
                ak[w] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
                bk[w] = (ulong)random.NextInt64();
            }

            int[] s = (int[])b.Clone(), v = (int[])b.Clone();
            ulong[] sk = (ulong[])bk.Clone(), vk = (ulong[])bk.Clone();
            MergeKernel.AccumulateScalar(a, s);
            MergeKernel.Accumulate(a, ak, v, vk, width);
            for (int w = 0; w < 8; w++)
            {
                sk[w] |= ak[w];
            }

            Assert.Equal(s, v);
            Assert.Equal(sk, vk);
            Assert.Equal(unchecked(a[7] + b[7]), s[7]);

            float lo = -2f - random.NextSingle(), hi = 3f + random.NextSingle();
            float[] fs = new float[512], fv = new float[512];
            MergeKernel.DequantizeScalar(s, sk, lo, hi, fs);
            MergeKernel.Dequantize(s, sk, lo, hi, fv, width);
            Assert.Equal(fs.Select(BitConverter.SingleToInt32Bits), fv.Select(BitConverter.SingleToInt32Bits));
            for (int i = 0; i < 512; i++)
            {
                bool known = (sk[i >> 6] & (1UL << (i & 63))) != 0;
                Assert.Equal(known ? Math.Clamp((float)s[i] / 65536f, lo, hi) : float.NaN, fs[i]);
            }
        }
    }
}
