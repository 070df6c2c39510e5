using System.Numerics;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Occupancy.Simulation;

namespace Occupancy.Benchmarks;

/// <summary>
/// The projective brick kernel by instruction-set strategy, on 64 bricks in front of a camera of the standard room;
/// run with --legs to see each strategy under each hardware setting (unsupported strategies are skipped).
/// Also the cost of the per-voxel update alone for float and int16 storage, which decided the stored type.
/// </summary>
public unsafe class KernelBenchmarks
{
    private float[] _bricks = null!;
    private BrickProjection[] _projections = null!;
    private ProjectiveFrame _frame;
    private byte[] _noEndpoints = null!;
    private ProjectiveKernel _kernel = null!;
    private float[] _deltaF = null!;
    private short[] _bricksQ = null!;
    private short[] _deltaQ = null!;

    [Params("scalar", "vector128", "vector256")]
    public string Kernel { get; set; } = "vector256";

    [GlobalSetup]
    public void Setup()
    {
        _kernel = ProjectiveKernel.All.Single(k => KernelNames.Of(k.Width) == Kernel);
        if (!KernelFamilies.Projective.Runs(_kernel.Width))
        {
            _kernel = ProjectiveKernel.All[0];
        }

        SensorModel m = SensorModel.Default;
        _frame = new ProjectiveFrame
        {
            Fx = 525, Fy = 525, Cx = 319.5f, Cy = 239.5f, Width = 640, Height = 480, MaxRangeSquared = 25, Band = 0.025f, MinDepth = 1e-4f,
            Hit = m.HitLogOdds, Miss = m.MissLogOdds, ClampMin = m.ClampMinLogOdds, ClampMax = m.ClampMaxLogOdds,
        };
        _bricks = new float[64 * 512];
        Array.Fill(_bricks, float.NaN);
        _projections = new BrickProjection[64];
        var pose = StandardRoom.CameraPose(0);
        var toCamera = Quaternion.Conjugate(pose.Rotation);
        float r = (float)StandardRoom.Resolution;
        for (int i = 0; i < 64; i++)
        {
            // A 4 x 4 x 4 block of bricks 1.5 to 3 m in front of the camera.
            Vector3 world = pose.Transform(new Vector3(((i & 3) - 2) * 8 * r, (((i >> 2) & 3) - 2) * 8 * r, 1.5f + ((i >> 4) * 8 * r)));
            _projections[i] = new BrickProjection(
                Vector3.Transform(world - pose.Position, toCamera),
                Vector3.Transform(new Vector3(r, 0, 0), toCamera),
                Vector3.Transform(new Vector3(0, r, 0), toCamera),
                Vector3.Transform(new Vector3(0, 0, r), toCamera));
        }

        _noEndpoints = new byte[64];
        var random = new Random(1);
        _deltaF = new float[64 * 512];
        _deltaQ = new short[64 * 512];
        _bricksQ = new short[64 * 512];
        for (int i = 0; i < _deltaF.Length; i++)
        {
            _deltaF[i] = random.Next(3) switch { 0 => 0f, 1 => m.HitLogOdds, _ => m.MissLogOdds };
            _deltaQ[i] = (short)(_deltaF[i] * 4096);
            _bricksQ[i] = short.MinValue;
        }
    }

    [Benchmark(Description = "projective kernel, 64 bricks")]
    public int Projective()
    {
        int updated = 0;
        fixed (float* bricks = _bricks, depth = RoomData.Depth[0])
        fixed (byte* none = _noEndpoints)
        {
            for (int i = 0; i < 64; i++)
            {
                updated += _kernel.IntegrateBrick(bricks + (i * 512), _projections[i], _frame, depth, none) & 0xFFFF;
            }
        }

        return updated;
    }

    /// <summary>The update step alone, float storage: unknown (NaN) to 0, add, clamp, select (64 bricks).</summary>
    [Benchmark(Description = "update step only, float storage, 64 bricks")]
    public void UpdateFloat()
    {
        SensorModel m = SensorModel.Default;
        var lo = Vector256.Create(m.ClampMinLogOdds);
        var hi = Vector256.Create(m.ClampMaxLogOdds);
        fixed (float* b = _bricks, d = _deltaF)
        {
            for (int i = 0; i < _bricks.Length; i += 8)
            {
                var old = Vector256.Load(b + i);
                var delta = Vector256.Load(d + i);
                var known = old & Vector256.Equals(old, old);
                var v = Vector256.MinNative(Vector256.MaxNative(known + delta, lo), hi);
                Vector256.ConditionalSelect(Vector256.Equals(delta, Vector256<float>.Zero), old, v).Store(b + i);
            }
        }
    }

    private void UpdateInt16Scalar(SensorModel m)
    {
        short lo = (short)(m.ClampMinLogOdds * 4096), hi = (short)(m.ClampMaxLogOdds * 4096);
        for (int i = 0; i < _bricksQ.Length; i++)
        {
            short delta = _deltaQ[i];
            if (delta != 0)
            {
                int old = _bricksQ[i] == short.MinValue ? 0 : _bricksQ[i];
                _bricksQ[i] = (short)Math.Clamp(old + delta, lo, hi);
            }
        }
    }

    /// <summary>The update step alone, int16 storage (log-odds × 4096, short.MinValue unknown, saturating add, clamp).</summary>
    [Benchmark(Description = "update step only, int16 storage, 64 bricks")]
    public void UpdateInt16()
    {
        SensorModel m = SensorModel.Default;
        var lo = Vector256.Create((short)(m.ClampMinLogOdds * 4096));
        var hi = Vector256.Create((short)(m.ClampMaxLogOdds * 4096));
        var unknown = Vector256.Create(short.MinValue);
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            UpdateInt16Scalar(m);
            return;
        }

        fixed (short* b = _bricksQ, d = _deltaQ)
        {
            for (int i = 0; i < _bricksQ.Length; i += 16)
            {
                var old = Vector256.Load(b + i);
                var delta = Vector256.Load(d + i);
                var known = Vector256.AndNot(old, Vector256.Equals(old, unknown));
                var sum = System.Runtime.Intrinsics.X86.Avx2.AddSaturate(known, delta);
                var v = Vector256.Min(Vector256.Max(sum, lo), hi);
                Vector256.ConditionalSelect(Vector256.Equals(delta, Vector256<short>.Zero), old, v).Store(b + i);
            }
        }
    }
}
