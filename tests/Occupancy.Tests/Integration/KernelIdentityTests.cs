using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Integration;

/// <summary>
/// Every SIMD kernel against its scalar twin. CI runs this suite three times: by default, with DOTNET_EnableAVX2=0
/// and with DOTNET_EnableHWIntrinsic=0, so each width is exercised where it is the one in use.
/// </summary>
public class KernelIdentityTests
{
    [Fact]
    public void The_hardware_legs_select_the_widest_implementation_each_family_runs()
    {
        // What each leg of CI (default, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0, DOTNET_EnableAVX512=0) must pick.
        bool avx2 = Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx2.IsSupported;
        bool avx512 = avx2 && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;
        KernelWidth generic = Vector256.IsHardwareAccelerated ? KernelWidth.Vector256 : Vector128.IsHardwareAccelerated ? KernelWidth.Vector128 : KernelWidth.Scalar;
        KernelSet widest = KernelSet.Widest;
        Assert.Equal(generic, widest.Projective);
        Assert.Equal(generic, widest.Sgm);
        Assert.Equal(generic, widest.Counts);
        Assert.Equal(Vector128.IsHardwareAccelerated ? KernelWidth.Vector128 : KernelWidth.Scalar, widest.Census);
        Assert.Equal(avx512 ? KernelWidth.Vector512 : avx2 ? KernelWidth.Vector256 : KernelWidth.Scalar, widest.Keys);
        Assert.Equal(avx512 ? KernelWidth.Vector512 : avx2 ? KernelWidth.Vector256 : KernelWidth.Scalar, widest.Endpoints);
        Assert.Equal(avx2 ? KernelWidth.Vector256 : KernelWidth.Scalar, widest.Lookups);
        bool lanes512 = avx2 && Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported;
        Assert.Equal(lanes512 ? KernelWidth.Vector512 : avx2 ? KernelWidth.Vector256 : KernelWidth.Scalar, widest.Walk);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Kernels.EnvironmentVariable)))
        {
            Assert.Equal(widest.ToString(), KernelSet.Best.ToString());
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"kernels {Kernels.Describe()}");
    }

    [Theory]
    [MemberData(nameof(KernelData.Projective), MemberType = typeof(KernelData))]
    public unsafe void Projective_kernel_equals_scalar_on_random_bricks(string name)
    {
        ProjectiveKernel kernel = ProjectiveKernel.For(KernelData.Width(name));
        ProjectiveKernel scalar = ProjectiveKernel.All[0];
        var random = new Random(99);
        const int width = 97, height = 61; // odd sizes: no row or lane alignment to lean on
        var depth = new float[width * height];
        for (int i = 0; i < depth.Length; i++)
        {
            int kind = random.Next(20);
            depth[i] = kind switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => 0f,
                3 => -1f,
                4 => 50f, // beyond the range
                _ => 0.2f + (random.NextSingle() * 4f),
            };
        }

        ProjectiveFrame frame = Frame(60.5f, 58.25f, 47.3f, 31.1f, width, height, maxRangeSquared: 16f, band: 0.09f);
        for (int trial = 0; trial < 400; trial++)
        {
            (Vector3 stepX, Vector3 stepY, Vector3 stepZ) = RandomSteps(random, 0.2f);
            var projection = new BrickProjection(
                new Vector3((random.NextSingle() - 0.5f) * 3, (random.NextSingle() - 0.5f) * 3, (random.NextSingle() * 4) - 0.5f),
                stepX,
                stepY,
                stepZ);
            // Half the trials with endpoint voxels, anywhere in the brick.
            AssertSameAsScalar(kernel, scalar, random, projection, frame, depth, withEndpoints: trial % 2 == 1);
        }
    }

    /// <summary>A frame of the given pinhole and range with the default sensor model.</summary>
    private static ProjectiveFrame Frame(float fx, float fy, float cx, float cy, int width, int height, float maxRangeSquared, float band) => new()
    {
        Fx = fx, Fy = fy, Cx = cx, Cy = cy, Width = width, Height = height, MaxRangeSquared = maxRangeSquared, Band = band, MinDepth = 1e-4f,
        Hit = SensorModel.Default.HitLogOdds, Miss = SensorModel.Default.MissLogOdds, ClampMin = SensorModel.Default.ClampMinLogOdds, ClampMax = SensorModel.Default.ClampMaxLogOdds,
    };

    /// <summary>A brick's voxel steps, randomly rotated, of a random size from 0.02 to 0.02 + <paramref name="span"/> m (the rotation drawn first, then the size).</summary>
    private static (Vector3 X, Vector3 Y, Vector3 Z) RandomSteps(Random random, float span)
    {
        var rotation = Quaternion.Normalize(new Quaternion(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f));
        float res = 0.02f + (random.NextSingle() * span);
        return (Vector3.Transform(new Vector3(res, 0, 0), rotation), Vector3.Transform(new Vector3(0, res, 0), rotation), Vector3.Transform(new Vector3(0, 0, res), rotation));
    }

    /// <summary>Runs both strategies on copies of one random brick (with random endpoint voxels if asked) and compares every bit.</summary>
    private static unsafe void AssertSameAsScalar(ProjectiveKernel kernel, ProjectiveKernel scalar, Random random, in BrickProjection projection, in ProjectiveFrame frame, float[] depth, bool withEndpoints)
    {
        float[] a = RandomBrick(random), b = (float[])a.Clone();
        var endpoints = new byte[64];
        if (withEndpoints)
        {
            random.NextBytes(endpoints);
            for (int i = 0; i < endpoints.Length; i++)
            {
                endpoints[i] &= (byte)random.Next(256);
            }
        }

        int na, nb;
        fixed (float* pa = a, pb = b, pd = depth)
        fixed (byte* pe = endpoints)
        {
            na = scalar.IntegrateBrick(pa, projection, frame, pd, pe);
            nb = kernel.IntegrateBrick(pb, projection, frame, pd, pe);
        }

        Assert.Equal(na, nb);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(a[i]), BitConverter.SingleToInt32Bits(b[i]));
        }
    }

    [Theory]
    [MemberData(nameof(KernelData.Projective), MemberType = typeof(KernelData))]
    public unsafe void Projective_kernel_skipping_rows_behind_the_deepest_return_equals_scalar(string name)
    {
        // Returns no deeper than 1.2 m and bricks reaching 3 m: many rows lie wholly behind every return. With Behind set
        // as the integrator sets it (the deepest return plus the band and its margin), a strategy may skip those rows;
        // the scalar reference reads every row. Bricks must come out bit for bit the same.
        ProjectiveKernel kernel = ProjectiveKernel.For(KernelData.Width(name));
        ProjectiveKernel scalar = ProjectiveKernel.All[0];
        var random = new Random(7);
        const int width = 83, height = 59;
        var depth = new float[width * height];
        float deepest = 0;
        for (int i = 0; i < depth.Length; i++)
        {
            int kind = random.Next(12);
            depth[i] = kind switch
            {
                0 => float.NaN,
                1 => float.PositiveInfinity,
                2 => 0f,
                _ => 0.2f + (random.NextSingle() * 1f),
            };
            deepest = depth[i] > deepest && float.IsFinite(depth[i]) ? depth[i] : deepest;
        }

        ProjectiveFrame frame = Frame(50.5f, 49.25f, 41.3f, 29.1f, width, height, maxRangeSquared: 25f, band: 0.05f);
        float behind = deepest + frame.Band + 1e-3f + (deepest * 1e-5f);
        int rowsBehind = 0, rowsAcross = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            (Vector3 stepX, Vector3 stepY, Vector3 stepZ) = RandomSteps(random, 0.1f);
            var projection = new BrickProjection(
                new Vector3((random.NextSingle() - 0.5f) * 2, (random.NextSingle() - 0.5f) * 2, 0.6f + (random.NextSingle() * 1.6f)),
                stepX,
                stepY,
                stepZ) { Behind = behind };
            for (int row = 0; row < 64; row++)
            {
                Vector3 first = projection.Origin + ((row % 8) * projection.StepY) + ((row / 8) * projection.StepZ);
                bool wholly = first.Z + Math.Min(0f, 7 * stepX.Z) > behind;
                rowsBehind += wholly ? 1 : 0;
                rowsAcross += wholly ? 0 : 1;
            }

            AssertSameAsScalar(kernel, scalar, random, projection, frame, depth, withEndpoints: trial % 3 == 1); // endpoint rows are never skipped
        }

        Assert.True(rowsBehind > 3000 && rowsAcross > 3000, $"rows behind {rowsBehind}, across {rowsAcross}");
    }

    [Theory]
    [MemberData(nameof(KernelData.Projective), MemberType = typeof(KernelData))]
    public unsafe void Projective_kernel_in_front_of_the_surfaces_equals_reading_the_image(string name)
    {
        // Bricks wholly in front of an image with a return at every pixel: the kernel that does not read the image
        // gives what the scalar kernel that reads it gives, bit for bit.
        ProjectiveKernel kernel = ProjectiveKernel.For(KernelData.Width(name));
        ProjectiveKernel scalar = ProjectiveKernel.All[0];
        var random = new Random(41);
        const int width = 97, height = 61;
        var depth = new float[width * height];
        for (int i = 0; i < depth.Length; i++)
        {
            depth[i] = random.Next(10) == 0 ? 50f : 4.5f + random.NextSingle(); // some beyond the range: free as well
        }

        ProjectiveFrame frame = Frame(60.5f, 58.25f, 47.3f, 31.1f, width, height, maxRangeSquared: 16f, band: 0.09f);
        int tested = 0, updates = 0;
        for (int trial = 0; trial < 600; trial++)
        {
            (Vector3 stepX, Vector3 stepY, Vector3 stepZ) = RandomSteps(random, 0.2f);
            var projection = new BrickProjection(
                new Vector3((random.NextSingle() - 0.5f) * 4, (random.NextSingle() - 0.5f) * 3, (random.NextSingle() * 4) - 0.5f),
                stepX,
                stepY,
                stepZ);
            float zMax = float.MinValue;
            for (int corner = 0; corner < 8; corner++)
            {
                Vector3 c = projection.Origin + ((corner & 1) * 7 * projection.StepX) + (((corner >> 1) & 1) * 7 * projection.StepY) + ((corner >> 2) * 7 * projection.StepZ);
                zMax = Math.Max(zMax, c.Z);
            }

            if (zMax + frame.Band + 1e-3f >= 4.5f)
            {
                continue; // not wholly in front
            }

            tested++;
            float[] a = RandomBrick(random), b = (float[])a.Clone();
            var endpoints = new byte[64];
            if (trial % 2 == 1)
            {
                random.NextBytes(endpoints);
            }

            int na, nb;
            fixed (float* pa = a, pb = b, pd = depth)
            fixed (byte* pe = endpoints)
            {
                na = scalar.IntegrateBrick(pa, projection, frame, pd, pe);
                nb = kernel.IntegrateBrick(pb, projection, frame, null, pe);
            }

            Assert.Equal(na, nb);
            updates += na & 0xFFFF;
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(a[i]), BitConverter.SingleToInt32Bits(b[i]));
            }
        }

        Assert.True(tested > 200 && updates > 20_000, $"tested {tested} bricks, {updates} updates");
    }

    [Theory]
    [MemberData(nameof(KernelData.Projective), MemberType = typeof(KernelData))]
    public void Projective_kernel_builds_the_same_room_as_scalar(string name)
    {
        ProjectiveKernel kernel = ProjectiveKernel.For(KernelData.Width(name));
        var expected = new OccupancyMap(StandardRoom.Resolution);
        var actual = new OccupancyMap(StandardRoom.Resolution);
        var scalarIntegrator = new DepthImageIntegrator(expected, StandardRoom.MaxRange, null, ProjectiveKernel.All[0], BrickSkipping.BehindAndInFront);
        var integrator = new DepthImageIntegrator(actual, StandardRoom.MaxRange, null, kernel, BrickSkipping.BehindAndInFront);
        for (int i = 0; i < StandardRoom.FrameCount; i += 3)
        {
            scalarIntegrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
            integrator.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
        }

        TestData.AssertSameMap(TestData.Snapshot(expected), TestData.Snapshot(actual));
    }

    [Theory]
    [MemberData(nameof(KernelData.Counts), MemberType = typeof(KernelData))]
    public void Voxel_count_kernels_equal_scalar_on_odd_and_brick_sizes(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(23);
        foreach (int length in new[] { 0, 8, 16, 24, 64, 512, 1024 })
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = random.Next(4) == 0 ? float.NaN : (random.NextSingle() * 6) - 3;
            }

            (int Known, int Occupied) expected = VoxelCountKernel.CountScalar(values, 0f);
            Assert.Equal(expected, VoxelCountKernel.Count(values, 0f, width));
        }

        foreach (int odd in new[] { 1, 7, 9, 15, 17, 63 })
        {
            var values = new float[odd];
            values.AsSpan().Fill(1f);
            Assert.Equal((odd, odd), VoxelCountKernel.Count(values, 0f, width));
        }
    }

    [Theory]
    [MemberData(nameof(KernelData.Counts), MemberType = typeof(KernelData))]
    public void Voxel_mask_kernels_equal_scalar_and_the_counts(string name)
    {
        KernelWidth width = KernelData.Width(name);
        var random = new Random(29);
        Span<ulong> known = stackalloc ulong[8], occupied = stackalloc ulong[8];
        Span<ulong> knownScalar = stackalloc ulong[8], occupiedScalar = stackalloc ulong[8];
        for (int trial = 0; trial < 200; trial++)
        {
            // Unknown, values either side of the threshold, the threshold itself, infinities and the clamps.
            var brick = new float[512];
            int unknownShare = random.Next(5);
            for (int i = 0; i < brick.Length; i++)
            {
                brick[i] = random.Next(4) < unknownShare ? float.NaN : random.Next(8) switch
                {
                    0 => 0.5f,
                    1 => float.PositiveInfinity,
                    2 => float.NegativeInfinity,
                    3 => -2f,
                    _ => (random.NextSingle() * 6) - 3,
                };
            }

            VoxelMaskKernel.MasksScalar(brick, 0.5f, knownScalar, occupiedScalar);
            VoxelMaskKernel.Masks(brick, 0.5f, known, occupied, width);
            Assert.True(known.SequenceEqual(knownScalar), $"known masks differ in trial {trial}");
            Assert.True(occupied.SequenceEqual(occupiedScalar), $"occupied masks differ in trial {trial}");

            // The scalar masks against the brick itself: bit y·8 + x of word z is voxel (x, y, z).
            int bitsKnown = 0, bitsOccupied = 0;
            for (int i = 0; i < 512; i++)
            {
                bool k = ((knownScalar[i >> 6] >> (i & 63)) & 1) != 0, o = ((occupiedScalar[i >> 6] >> (i & 63)) & 1) != 0;
                Assert.Equal(!float.IsNaN(brick[i]), k);
                Assert.Equal(brick[i] >= 0.5f, o);
                bitsKnown += k ? 1 : 0;
                bitsOccupied += o ? 1 : 0;
            }

            Assert.Equal(VoxelCountKernel.CountScalar(brick, 0.5f), (bitsKnown, bitsOccupied));
        }

        Assert.Throws<ArgumentException>(() => VoxelMaskKernel.Masks(new float[511], 0.5f, new ulong[8], new ulong[8], width));
    }

    private static float[] RandomBrick(Random random)
    {
        var brick = new float[512];
        for (int i = 0; i < brick.Length; i++)
        {
            brick[i] = random.Next(3) == 0 ? float.NaN : (random.NextSingle() * 5.5f) - 2f;
        }

        return brick;
    }
}

/// <summary>Parallel integration gives the same map, bit for bit, whatever the number of threads.</summary>
public class ParallelIntegrationTests
{
    [Fact]
    public void Depth_integration_does_not_depend_on_the_thread_count()
    {
        var one = new OccupancyMap(StandardRoom.Resolution);
        var many = new OccupancyMap(StandardRoom.Resolution);
        var a = new DepthImageIntegrator(one, StandardRoom.MaxRange) { MaxDegreeOfParallelism = 1 };
        var b = new DepthImageIntegrator(many, StandardRoom.MaxRange) { MaxDegreeOfParallelism = 64 };
        for (int i = 0; i < StandardRoom.FrameCount; i += 4)
        {
            IntegrationStats sa = a.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
            IntegrationStats sb = b.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i));
            Assert.Equal(sa, sb);
        }

        TestData.AssertSameMap(TestData.Snapshot(one), TestData.Snapshot(many));
    }

    [Theory]
    [InlineData(2.0f, 0.0f)]
    [InlineData(1.37f, 0.3f)]
    [InlineData(3.11f, -0.7f)]
    public void A_wall_facing_the_camera_is_the_same_whether_bricks_in_front_read_the_image_or_not(float distance, float roll)
    {
        // Every pixel sees the wall at one depth: bricks that reach into the band around it must read the image (their
        // voxels there are hits); only bricks wholly in front of the band may skip it.
        var skipping = new OccupancyMap(0.05);
        var reading = new OccupancyMap(0.05);
        // A band of three voxels: voxels in it that hold no return are hits only because of it (with the default half
        // voxel, every voxel in the band of a densely seen wall holds a return).
        var counting = new CountingKernel(ProjectiveKernel.For(KernelSet.Best.Projective));
        var a = new DepthImageIntegrator(skipping, 5f, 0.15f, counting, BrickSkipping.BehindAndInFront);
        var b = new DepthImageIntegrator(reading, 5f, 0.15f, null, BrickSkipping.Behind);
        var eye = new Vector3(0.013f, -0.021f, 0.4f);
        Pose3 look = Pose3.LookAt(eye, eye + new Vector3(1f, 0.05f, -0.02f), Vector3.UnitZ);
        var pose = new Pose3(eye, Quaternion.Normalize(look.Rotation * Quaternion.CreateFromAxisAngle(Vector3.UnitZ, roll)));
        var depth = new float[StandardRoom.Intrinsics.PixelCount];
        Array.Fill(depth, distance);
        Assert.Equal(
            b.Integrate(depth, StandardRoom.Intrinsics, pose),
            a.Integrate(depth, StandardRoom.Intrinsics, pose));
        Assert.True(counting.InFront > 20, $"only {counting.InFront} bricks in front");
        TestData.AssertSameMap(TestData.Snapshot(reading), TestData.Snapshot(skipping));
    }

    [Fact]
    public void Updating_bricks_in_front_of_surfaces_without_reading_the_image_changes_nothing()
    {
        var skipping = new OccupancyMap(StandardRoom.Resolution);
        var reading = new OccupancyMap(StandardRoom.Resolution);
        var skippingKernel = new CountingKernel(ProjectiveKernel.For(KernelSet.Best.Projective));
        var readingKernel = new CountingKernel(ProjectiveKernel.For(KernelSet.Best.Projective));
        var a = new DepthImageIntegrator(skipping, StandardRoom.MaxRange, null, skippingKernel, BrickSkipping.BehindAndInFront);
        var b = new DepthImageIntegrator(reading, StandardRoom.MaxRange, null, readingKernel, BrickSkipping.Behind);
        for (int i = 0; i < StandardRoom.FrameCount; i += 2)
        {
            Assert.Equal(
                b.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i)),
                a.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i)));
        }

        TestData.AssertSameMap(TestData.Snapshot(reading), TestData.Snapshot(skipping));
        Assert.True(skippingKernel.InFront > 500, $"only {skippingKernel.InFront} bricks in front"); // about 130 a frame
        Assert.Equal(0, readingKernel.InFront);
    }

    [Fact]
    public void Skipping_bricks_behind_surfaces_changes_nothing()
    {
        var culled = new OccupancyMap(StandardRoom.Resolution);
        var all = new OccupancyMap(StandardRoom.Resolution);
        var a = new DepthImageIntegrator(culled, StandardRoom.MaxRange);
        var b = new DepthImageIntegrator(all, StandardRoom.MaxRange, null, null, BrickSkipping.None);
        for (int i = 0; i < StandardRoom.FrameCount; i += 3)
        {
            Assert.Equal(
                b.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i)),
                a.Integrate(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i)));
        }

        TestData.AssertSameMap(TestData.Snapshot(all), TestData.Snapshot(culled));
    }

    [Theory]
    [InlineData(PointCloudMode.Exact)]
    [InlineData(PointCloudMode.Discretized)]
    [InlineData(PointCloudMode.FirstPointPerVoxel)]
    public void Point_cloud_integration_does_not_depend_on_the_thread_count(PointCloudMode mode)
    {
        var one = new OccupancyMap(StandardRoom.Resolution);
        var many = new OccupancyMap(StandardRoom.Resolution);
        var a = new PointCloudIntegrator(one, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = 1 };
        var b = new PointCloudIntegrator(many, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = 64 };
        var cloud = new Vector3[StandardRoom.Intrinsics.PixelCount];
        for (int i = 1; i < StandardRoom.FrameCount; i += 5)
        {
            int n = DepthProjection.BackProject(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i), cloud);
            Assert.Equal(a.IntegrateWorldFrame(cloud.AsSpan(0, n), StandardRoom.CameraPose(i).Position), b.IntegrateWorldFrame(cloud.AsSpan(0, n), StandardRoom.CameraPose(i).Position));
        }

        TestData.AssertSameMap(TestData.Snapshot(one), TestData.Snapshot(many));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.MaxDegreeOfParallelism = 0);
    }

    [Theory]
    [InlineData(0.05, "vector256")]
    [InlineData(0.1, "vector256")]
    [InlineData(1.0 / 3, "vector256")]
    [InlineData(0.02, "vector256")]
    [InlineData(0.05, "vector512")]
    [InlineData(0.1, "vector512")]
    [InlineData(1.0 / 3, "vector512")]
    [InlineData(0.02, "vector512")]
    public void Keys_eight_at_a_time_equal_TryGetKey_on_boundaries_limits_and_non_finite_points(double resolution, string name)
    {
        // KeyKernel (AVX-512 double floors, or the float floor with its double fallback) against the scalar reference,
        // one point at a time: the finite and in-map masks, and the keys where the point has one.
        Assert.SkipUnless(KernelFamilies.Keys.Runs(KernelData.Width(name)), $"this leg does not run keys={name}");
        bool wide = KernelData.Width(name) == KernelWidth.Vector512;
        var map = new OccupancyMap(resolution);
        var random = new Random(41);
        float edge = (float)((OccupancyMap.MaxVoxelIndex + 1) * resolution), low = (float)(OccupancyMap.MinVoxelIndex * resolution);
        var special = new List<float> { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 1e9f, -1e9f, float.Epsilon, -float.Epsilon };
        foreach (float limit in new[] { edge, low, -edge })
        {
            for (int u = -3; u <= 3; u++)
            {
                special.Add(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(limit) + u));
            }
        }

        var coordinates = new float[24];
        for (int round = 0; round < 20_000; round++)
        {
            for (int i = 0; i < coordinates.Length; i++)
            {
                coordinates[i] = random.Next(4) switch
                {
                    0 => special[random.Next(special.Count)],
                    1 => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((float)(random.Next(-5000, 5000) * resolution)) + random.Next(-2, 3)), // on and next to voxel boundaries
                    2 => (random.NextSingle() - 0.5f) * 40,
                    _ => (random.NextSingle() - 0.5f) * 2 * edge * 1.1f,
                };
            }

            var points = new Vector3[8];
            for (int lane = 0; lane < 8; lane++)
            {
                points[lane] = new Vector3(coordinates[3 * lane], coordinates[(3 * lane) + 1], coordinates[(3 * lane) + 2]);
            }

            unsafe
            {
                fixed (Vector3* p = points)
                {
                    KeyKernel.Keys8(p, map.InverseResolution, wide, out Vector256<int> ix, out Vector256<int> iy, out Vector256<int> iz, out Vector256<int> finite, out Vector256<int> inMap);
                    for (int lane = 0; lane < 8; lane++)
                    {
                        Vector3 q = points[lane];
                        bool isFinite = float.IsFinite(q.X) && float.IsFinite(q.Y) && float.IsFinite(q.Z);
                        Assert.Equal(isFinite ? -1 : 0, finite.GetElement(lane));
                        bool has = map.TryGetKey(q, out VoxelKey key);
                        Assert.True((has ? -1 : 0) == inMap.GetElement(lane), $"{q} at {resolution}: in map {has}");
                        if (has)
                        {
                            Assert.Equal(key, new VoxelKey(ix.GetElement(lane), iy.GetElement(lane), iz.GetElement(lane)));
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(1, "vector256")]
    [InlineData(3, "vector256")]
    [InlineData(1, "vector512")]
    [InlineData(3, "vector512")]
    public void Endpoint_keys_eight_at_a_time_give_the_same_discretized_scans(int chunks, string name)
    {
        Assert.SkipUnless(KernelFamilies.Keys.Runs(KernelData.Width(name)), $"this leg does not run keys={name}");
        // The 8-wide keys (KeyKernel) against TryGetKey one by one: the same rays, counts and map, on a room frame with
        // points that have no return (NaN, infinities), lie outside the map, sit on voxel boundaries, or repeat.
        var random = new Random(23);
        var cloud = new Vector3[StandardRoom.Intrinsics.PixelCount];
        int n = DepthProjection.BackProject(TestData.RoomFrames[4], StandardRoom.Intrinsics, StandardRoom.CameraPose(4), cloud);
        Array.Resize(ref cloud, n + 1003);
        for (int i = 0; i < cloud.Length; i += 1 + random.Next(40))
        {
            cloud[i] = random.Next(6) switch
            {
                0 => new Vector3(float.NaN, 1, 1),
                1 => new Vector3(1, float.PositiveInfinity, 1),
                2 => new Vector3(1, 1, float.NegativeInfinity),
                3 => new Vector3(1e9f, 0, 1), // outside the map
                4 => new Vector3(0.05f * random.Next(-40, 40), 0.05f * random.Next(-40, 40), 0.05f * random.Next(0, 40)), // on boundaries
                _ => i > 0 ? cloud[i - 1] : cloud[i],
            };
        }

        // A point without a key right before a point of a voxel no other point has: the keys of points without one are
        // not specified (found in review: NaN and out-of-map x gave key x 0, so the next point could pass as a repeat).
        // Pairs inside a group of 8 and across groups (lane 7 to lane 0).
        foreach ((int at, Vector3 bad) in new[] { (19, new Vector3(float.NaN, 1, 1)), (31, new Vector3(1e9f, 1, 1)), (100, new Vector3(float.NaN, 1, 1)), (203, new Vector3(1e9f, 1.2f, 0.9f)) })
        {
            cloud[at] = bad;
            cloud[at + 1] = new Vector3(0.01f, bad.Y + 0.01f, bad.Z + 0.01f);
        }

        // One de-duplication chunk per thread allowed (MaxDegreeOfParallelism), whatever the cores. With the room's
        // range the points outside the map clear up to it (rays of their own); with no range they are counted.
        foreach (float range in new[] { StandardRoom.MaxRange, float.PositiveInfinity })
        {
            var vector = new OccupancyMap(StandardRoom.Resolution, null, KernelData.With(KernelFamilies.Keys, name));
            var scalar = new OccupancyMap(StandardRoom.Resolution, null, KernelSet.Best.With(KernelFamilies.Keys, KernelWidth.Scalar));
            var a = new PointCloudIntegrator(vector, range, PointCloudMode.Discretized) { MaxDegreeOfParallelism = chunks };
            var b = new PointCloudIntegrator(scalar, range, PointCloudMode.Discretized) { MaxDegreeOfParallelism = chunks };
            Vector3 origin = StandardRoom.CameraPose(4).Position;
            IntegrationStats sa = a.IntegrateWorldFrame(cloud, origin), sb = b.IntegrateWorldFrame(cloud, origin);
            Assert.Equal(sb, sa);
            Assert.True(sa.NoReturn > 50 && (float.IsFinite(range) ? sa.OutOfMap == 0 : sa.OutOfMap > 10), $"{sa}");
            TestData.AssertSameMap(TestData.Snapshot(scalar), TestData.Snapshot(vector));
            TestContext.Current.TestOutputHelper?.WriteLine($"keys {name}, range {range}: {sa}");
        }
    }

    [Theory]
    [InlineData(PointCloudMode.Exact, 0.05, 1, "vector512")]
    [InlineData(PointCloudMode.Exact, 0.05, 1, "vector256")]
    [InlineData(PointCloudMode.Exact, 0.02, 64, "vector512")] // the lanes' grid reaches ±2.56 m: most rays leave it for the scalar walk
    [InlineData(PointCloudMode.Exact, 0.02, 64, "vector256")]
    [InlineData(PointCloudMode.Discretized, 0.05, 64, "vector512")]
    [InlineData(PointCloudMode.Discretized, 0.05, 64, "vector256")]
    public void Lane_walk_builds_the_same_maps_as_the_scalar_walk(PointCloudMode mode, double resolution, int threads, string name)
    {
        // Room frames (a scan at a time and three as one update from three origins), then a few scans of 1 to 9 rays
        // (lanes left idle) in every direction, some leaving the grid: every voxel's log-odds must be bit-identical. Both
        // step loops: eight lanes in one 512-bit register (AVX-512) and in two 256-bit ones.
        Assert.SkipUnless(KernelFamilies.Walk.Runs(KernelData.Width(name)), $"this leg does not run walk={name}");
        var lanes = new OccupancyMap(resolution, null, KernelData.With(KernelFamilies.Walk, name));
        var scalar = new OccupancyMap(resolution, null, KernelSet.Best.With(KernelFamilies.Walk, KernelWidth.Scalar));
        var a = new PointCloudIntegrator(lanes, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = threads };
        var b = new PointCloudIntegrator(scalar, StandardRoom.MaxRange, mode) { MaxDegreeOfParallelism = threads };
        var scans = new List<PointCloudScan>();
        for (int i = 2; i < StandardRoom.FrameCount; i += 6)
        {
            var cloud = new Vector3[StandardRoom.Intrinsics.PixelCount];
            int n = DepthProjection.BackProject(TestData.RoomFrames[i], StandardRoom.Intrinsics, StandardRoom.CameraPose(i), cloud);
            Array.Resize(ref cloud, n);
            scans.Add(new PointCloudScan(cloud, StandardRoom.CameraPose(i).Position));
            Assert.Equal(a.IntegrateWorldFrame(cloud, StandardRoom.CameraPose(i).Position), b.IntegrateWorldFrame(cloud, StandardRoom.CameraPose(i).Position));
        }

        Assert.Equal(a.IntegrateWorldFrame(scans), b.IntegrateWorldFrame(scans));

        // Ends on voxel corners and edges: rounding can keep a walk from meeting its end voxel, and it then marks a voxel
        // past it (found in review: this ray marks voxel (4, -1, 34) at 5 cm, a brick beyond its end's).
        var corner = new Random(29);
        for (int scan = 0; scan < 6; scan++)
        {
            Vector3 from = scan == 0 ? new Vector3(-1.2771306f, 2.98636f, 0.5158412f) : new Vector3((corner.NextSingle() - 0.5f) * 6, (corner.NextSingle() - 0.5f) * 6, corner.NextSingle() * 2.5f);
            var ends = new Vector3[scan == 0 ? 1 : 400];
            ends[0] = new Vector3(0.25f, 0.0f, 1.7f);
            for (int i = 1; i < ends.Length; i++)
            {
                float r = (float)resolution;
                ends[i] = from + new Vector3(r * corner.Next(-80, 80), r * corner.Next(-80, 80), r * corner.Next(-40, 40));
                ends[i] = new Vector3(MathF.Round(ends[i].X / r) * r, MathF.Round(ends[i].Y / r) * r, corner.Next(2) == 0 ? MathF.Round(ends[i].Z / r) * r : ends[i].Z);
            }

            Assert.Equal(a.IntegrateWorldFrame(ends, from), b.IntegrateWorldFrame(ends, from));
        }

        var random = new Random(17);
        for (int count = 1; count <= 9; count++)
        {
            var origin = new Vector3((random.NextSingle() - 0.5f) * 4, (random.NextSingle() - 0.5f) * 4, random.NextSingle() * 2);
            var points = new Vector3[count];
            for (int i = 0; i < count; i++)
            {
                var d = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f));
                points[i] = origin + (d * random.NextSingle() * 4.9f);
            }

            Assert.Equal(a.IntegrateWorldFrame(points, origin), b.IntegrateWorldFrame(points, origin));
        }

        // Points of every kind mixed in runs of 8 (with AVX-512 the set-up takes 8 at a time and leaves some to the
        // one-by-one path): no return, outside the map, in or next to the origin's voxel, straight along an axis, beyond
        // the range, on voxel faces, and ordinary ones.
        var kinds = new Random(41);
        var from2 = new Vector3(0.33f, -1.21f, 1.07f);
        var mixed = new Vector3[403];
        for (int i = 0; i < mixed.Length; i++)
        {
            float r = (float)resolution;
            Vector3 direction = Vector3.Normalize(new Vector3(kinds.NextSingle() - 0.5f, kinds.NextSingle() - 0.5f, kinds.NextSingle() - 0.5f));
            mixed[i] = (i % 9) switch
            {
                0 => new Vector3(float.NaN, 1, 1),
                1 => new Vector3(1e30f, 0, 0),
                2 => from2 + new Vector3(r * (kinds.NextSingle() - 0.5f), r * (kinds.NextSingle() - 0.5f), r * (kinds.NextSingle() - 0.5f)),
                3 => from2 + new Vector3((kinds.NextSingle() - 0.5f) * 8, 0, 0),
                4 => from2 + new Vector3(0, 0, (kinds.NextSingle() - 0.5f) * 8),
                5 => from2 + (direction * (StandardRoom.MaxRange + (kinds.NextSingle() * 3))),
                6 => new Vector3(MathF.Round((from2.X / r) + kinds.Next(-60, 60)) * r, MathF.Round((from2.Y / r) + kinds.Next(-60, 60)) * r, from2.Z),
                _ => from2 + (direction * kinds.NextSingle() * 4.9f),
            };
        }

        Assert.Equal(a.IntegrateWorldFrame(mixed, from2), b.IntegrateWorldFrame(mixed, from2));
        TestData.AssertSameMap(TestData.Snapshot(scalar), TestData.Snapshot(lanes));
        Assert.True(TestData.Snapshot(lanes).Count > 100_000);

    }
}

/// <summary>The endpoint kernel (back-projection and voxel keys of a depth row) against its scalar twin.</summary>
public class EndpointKernelTests
{
    /// <summary>Points a row (whose sums carry over from row to row) at one row's buffers.</summary>
    private static unsafe void Aim(ref EndpointRow row, int* x, int* y, int* z, ulong* fresh, float* columnMax, float* columnMin, int* aboveX, int* aboveY, int* aboveZ)
    {
        row.X = x;
        row.Y = y;
        row.Z = z;
        row.Fresh = fresh;
        row.ColumnMax = columnMax;
        row.ColumnMin = columnMin;
        row.AboveX = aboveX;
        row.AboveY = aboveY;
        row.AboveZ = aboveZ;
    }

    [Fact]
    public void Squared_reach_is_the_largest_float_whose_root_is_within_the_range()
    {
        // The vector row compares squared lengths with SquaredReach(r); the scalar row compares √ with r. They agree
        // for every length exactly when s ≤ SquaredReach(r) ⟺ √s ≤ r for all floats s.
        var random = new Random(43);
        var ranges = new List<float> { 5f, 0.3f, 1f, 100f, 1e-20f, float.Epsilon, 1.8446743e19f, 1.8446744e19f, 3e19f, float.MaxValue, float.PositiveInfinity };
        for (int i = 0; i < 2000; i++)
        {
            ranges.Add(BitConverter.Int32BitsToSingle(random.Next(1, 0x7F800000)));
        }

        foreach (float r in ranges)
        {
            float s = EndpointKernel.SquaredReach(r);
            Assert.True(MathF.Sqrt(s) <= r, $"r {r}: √{s} > r");
            if (s < float.MaxValue)
            {
                Assert.True(MathF.Sqrt(MathF.BitIncrement(s)) > r, $"r {r}: {s} is not the largest");
            }

            Assert.Equal(float.PositiveInfinity <= s, MathF.Sqrt(float.PositiveInfinity) <= r); // an overflowing sum
        }
    }

    [Theory]
    [InlineData("vector256")]
    [InlineData("vector512")]
    public unsafe void Vector_row_equals_scalar_row_for_returns_at_the_range_limit(string name)
    {
        // Depths within a few ulps of where each pixel's point reaches the maximum range, on three ranges: keys, fresh
        // bits and the beyond count of the vector row (squared lengths) equal the scalar row's (roots).
        Assert.SkipUnless(KernelFamilies.Endpoints.Runs(KernelData.Width(name)), $"this leg does not run endpoints={name}");
        bool wide = KernelData.Width(name) == KernelWidth.Vector512;
        const int width = 64;
        var k = new PinholeIntrinsics(width, 1, 50f, 50f, 31.5f, 0f);
        var pose = Pose3.LookAt(new Vector3(0.3f, -0.2f, 1.1f), new Vector3(5f, 1f, 0.7f), Vector3.UnitZ);
        var projector = new BackProjector(k, pose);
        var slopes = new float[width];
        var depth = new float[width];
        for (int u = 0; u < width; u++)
        {
            slopes[u] = projector.ColumnSlope(u);
        }

        var random = new Random(47);
        foreach (float maxRange in new[] { 5f, 0.7f, 12.345f })
        {
            for (int u = 0; u < width; u++)
            {
                // The first depth whose point lies beyond the range (bisection over the floats), then a few ulps either side.
                float lo = 0, hi = 4 * maxRange;
                while (MathF.BitIncrement(lo) < hi)
                {
                    float mid = BitConverter.Int32BitsToSingle((int)(((long)BitConverter.SingleToInt32Bits(lo) + BitConverter.SingleToInt32Bits(hi)) / 2));
                    if (Vector3.Distance(projector.PixelToWorld(u, 0, mid), pose.Position) <= maxRange)
                    {
                        lo = mid;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                depth[u] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(hi) + random.Next(-3, 4));
            }

            int[] sx = new int[width], sy = new int[width], sz = new int[width], vx = new int[width], vy = new int[width], vz = new int[width];
            float[] sc = new float[width], vc = new float[width], sn = new float[width], vn = new float[width];
            Array.Fill(sn, float.MaxValue);
            Array.Fill(vn, float.MaxValue);
            ulong[] fa = new ulong[1], fb = new ulong[1];
            fixed (float* d = depth, s = slopes, scm = sc, vcm = vc, snm = sn, vnm = vn)
            fixed (int* ax = sx, ay = sy, az = sz, bx = vx, by = vy, bz = vz)
            fixed (ulong* pfa = fa, pfb = fb)
            {
                var scalarRow = new EndpointRow { X = ax, Y = ay, Z = az, Fresh = pfa, ColumnMax = scm, ColumnMin = snm };
                var vectorRow = new EndpointRow { X = bx, Y = by, Z = bz, Fresh = pfb, ColumnMax = vcm, ColumnMin = vnm };
                EndpointKernel.RowScalar(d, s, width, projector.RowSlope(0), projector, maxRange, 20, ref scalarRow);
                EndpointKernel.RowVector256(d, s, width, projector.RowSlope(0), projector, maxRange, 20, ref vectorRow, wide);
                Assert.Equal(sx, vx);
                Assert.Equal(fa, fb);
                Assert.Equal(scalarRow.Beyond, vectorRow.Beyond);
                Assert.InRange(scalarRow.Beyond, 8, width - 8); // both sides of the limit occur
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelData.Endpoints), MemberType = typeof(KernelData))]
    public unsafe void Vector_row_equals_scalar_row_at_the_edge_of_the_map(string name)
    {
        KernelWidth kernel = KernelData.Width(name);
        // A camera 2 m inside the map's +x face, looking along +x: returns beyond 2 m lie outside the map (no key).
        const double resolution = 0.05;
        float edge = (float)((OccupancyMap.MaxVoxelIndex + 1) * resolution);
        var eye = new Vector3(edge - 2f, 3f, -1f);
        var pose = Pose3.LookAt(eye, eye + new Vector3(1f, 0.1f, 0.05f), Vector3.UnitZ);
        const int width = 61;
        var k = new PinholeIntrinsics(width, 1, 40f, 40f, 30f, 0f);
        var projector = new BackProjector(k, pose);
        var random = new Random(12);
        var depth = new float[width];
        var slopes = new float[width];
        for (int u = 0; u < width; u++)
        {
            slopes[u] = projector.ColumnSlope(u);
            depth[u] = 1f + (random.NextSingle() * 3f); // 1 to 4 m: both sides of the face
        }

        int[] sx = new int[width], sy = new int[width], sz = new int[width], vx = new int[width], vy = new int[width], vz = new int[width];
        float[] sc = new float[width], vc = new float[width], sn = new float[width], vn = new float[width];
        Array.Fill(sn, float.MaxValue);
        Array.Fill(vn, float.MaxValue);
        ulong[] fa = new ulong[1], fb = new ulong[1];
        fixed (float* d = depth, s = slopes, scm = sc, vcm = vc, snm = sn, vnm = vn)
        fixed (int* ax = sx, ay = sy, az = sz, bx = vx, by = vy, bz = vz)
        fixed (ulong* pfa = fa, pfb = fb)
        {
            var scalarRow = new EndpointRow { X = ax, Y = ay, Z = az, Fresh = pfa, ColumnMax = scm, ColumnMin = snm };
            var vectorRow = new EndpointRow { X = bx, Y = by, Z = bz, Fresh = pfb, ColumnMax = vcm, ColumnMin = vnm };
            EndpointKernel.RowScalar(d, s, width, projector.RowSlope(0), projector, 6f, 1 / resolution, ref scalarRow);
            if (kernel != KernelWidth.Scalar)
            {
                EndpointKernel.RowVector256(d, s, width, projector.RowSlope(0), projector, 6f, 1 / resolution, ref vectorRow, kernel == KernelWidth.Vector512);
                Assert.Equal(sx, vx);
                Assert.Equal(sy, vy);
                Assert.Equal(sz, vz);
                Assert.Equal(fa, fb);
            }
        }

        // Oracle: a pixel has a key exactly when its point has one in the map; both cases occur.
        var map = new OccupancyMap(resolution);
        int inside = 0, outside = 0;
        for (int u = 0; u < width; u++)
        {
            bool hasKey = map.TryGetKey(projector.PixelToWorld(u, 0, depth[u]), out VoxelKey key);
            Assert.Equal(hasKey ? key.X : EndpointKernel.NoKey, sx[u]);
            inside += hasKey ? 1 : 0;
            outside += hasKey ? 0 : 1;
        }

        Assert.True(inside > 10 && outside > 10, $"inside {inside}, outside {outside}");
    }

    [Theory]
    [MemberData(nameof(KernelData.Endpoints), MemberType = typeof(KernelData))]
    public unsafe void Vector_row_equals_scalar_row_for_widths_0_to_70(string name)
    {
        KernelWidth kernel = KernelData.Width(name);
        var random = new Random(31);
        var pose = new Pose3(new Vector3(1.3f, -2.2f, 0.7f), Quaternion.Normalize(new Quaternion(0.3f, -0.2f, 0.5f, 0.8f)));
        int aboveOnly = 0; // pixels left unmarked only because the pixel above has their voxel
        for (int width = 0; width <= 70; width++)
        {
            var k = new PinholeIntrinsics(Math.Max(1, width), 3, 50.5f, 51.25f, width / 2f, 1.3f);
            var projector = new BackProjector(k, pose);
            var slopes = new float[width];
            for (int u = 0; u < width; u++)
            {
                slopes[u] = projector.ColumnSlope(u);
            }

            // Two rows: the second is compared against the first ("above"). Depths repeat so that neighbours share voxels.
            var rows = new float[2][];
            for (int r = 0; r < 2; r++)
            {
                rows[r] = new float[width];
                for (int u = 0; u < width; u++)
                {
                    rows[r][u] = width % 3 == 0 // every third width a smooth surface (neighbours above share voxels), with holes
                        ? (random.Next(10) == 0 ? float.NaN : 1.5f + (0.011f * u) + (0.017f * r))
                        : random.Next(8) switch { 0 => float.NaN, 1 => -1f, 2 => 0f, 3 => float.PositiveInfinity, 4 => 9f, 5 => 2.5f, _ => random.NextSingle() * 5 };
                }
            }

            var scalar = new int[2][][];
            var vector = new int[2][][];
            for (int r = 0; r < 2; r++)
            {
                scalar[r] = [new int[width], new int[width], new int[width]];
                vector[r] = [new int[width], new int[width], new int[width]];
            }

            var map = new OccupancyMap(0.05);
            var scalarRow = default(EndpointRow);
            var vectorRow = default(EndpointRow);
            float[] scalarColumns = new float[width], vectorColumns = new float[width];
            float[] scalarShallow = new float[width], vectorShallow = new float[width];
            Array.Fill(scalarShallow, float.MaxValue);
            Array.Fill(vectorShallow, float.MaxValue);
            for (int r = 0; r < 2; r++)
            {
                ulong[] fa = new ulong[(width + 63) / 64], fb = new ulong[(width + 63) / 64];
                fixed (float* d = rows[r], s = slopes, sc = scalarColumns, vc = vectorColumns, sn = scalarShallow, vn = vectorShallow)
                fixed (int* ax = scalar[r][0], ay = scalar[r][1], az = scalar[r][2], bx = vector[r][0], by = vector[r][1], bz = vector[r][2])
                fixed (int* pax = scalar[0][0], pay = scalar[0][1], paz = scalar[0][2], pbx = vector[0][0], pby = vector[0][1], pbz = vector[0][2])
                fixed (ulong* pfa = fa, pfb = fb)
                {
                    Aim(ref scalarRow, ax, ay, az, pfa, sc, sn, r == 0 ? null : pax, r == 0 ? null : pay, r == 0 ? null : paz);
                    EndpointKernel.RowScalar(d, s, width, projector.RowSlope(r), projector, 6f, 1 / 0.05, ref scalarRow);
                    if (kernel != KernelWidth.Scalar)
                    {
                        Aim(ref vectorRow, bx, by, bz, pfb, vc, vn, r == 0 ? null : pbx, r == 0 ? null : pby, r == 0 ? null : pbz);
                        EndpointKernel.RowVector256(d, s, width, projector.RowSlope(r), projector, 6f, 1 / 0.05, ref vectorRow, kernel == KernelWidth.Vector512);
                        Assert.Equal(fa, fb);
                        Assert.Equal(scalar[r][0], vector[r][0]);
                        Assert.Equal(scalar[r][1], vector[r][1]);
                        Assert.Equal(scalar[r][2], vector[r][2]);
                        Assert.Equal(scalarColumns, vectorColumns);
                        Assert.Equal(scalarShallow, vectorShallow);
                        Assert.Equal((scalarRow.Valid, scalarRow.Beyond, scalarRow.MaxDepth), (vectorRow.Valid, vectorRow.Beyond, vectorRow.MaxDepth));
                    }
                }

                // Oracle: back-projection and the map's own key; a fresh pixel's voxel differs from its left and upper neighbours'.
                for (int u = 0; u < width; u++)
                {
                    Vector3 p = projector.PixelToWorld(u, r, rows[r][u]);
                    bool valid = rows[r][u] > 0 && float.IsFinite(rows[r][u]) && Vector3.Distance(p, pose.Position) <= 6f;
                    bool fresh = (fa[u >> 6] & (1UL << u)) != 0;
                    if (!valid)
                    {
                        Assert.False(fresh);
                        Assert.Equal(EndpointKernel.NoKey, scalar[r][0][u]);
                        continue;
                    }

                    var key = new VoxelKey(scalar[r][0][u], scalar[r][1][u], scalar[r][2][u]);
                    Assert.Equal(map.KeyOf(p), key);
                    bool sameLeft = u > 0 && new VoxelKey(scalar[r][0][u - 1], scalar[r][1][u - 1], scalar[r][2][u - 1]) == key;
                    bool sameAbove = r == 1 && new VoxelKey(scalar[0][0][u], scalar[0][1][u], scalar[0][2][u]) == key;
                    aboveOnly += sameAbove && !sameLeft ? 1 : 0;

                    Assert.Equal(!sameLeft && !sameAbove, fresh);
                }
            }

            // Oracle for the sums over both rows: returns, those beyond the range, the deepest, each column's deepest.
            int returns = 0, beyond = 0;
            float deepest = 0;
            for (int u = 0; u < width; u++)
            {
                float column = 0, shallow = float.MaxValue;
                for (int r = 0; r < 2; r++)
                {
                    float depth = rows[r][u];
                    shallow = Math.Min(shallow, depth > 0 && float.IsFinite(depth) ? depth : 0);
                    if (depth > 0 && float.IsFinite(depth))
                    {
                        returns++;
                        beyond += Vector3.Distance(projector.PixelToWorld(u, r, depth), pose.Position) > 6f ? 1 : 0;
                        deepest = Math.Max(deepest, depth);
                        column = Math.Max(column, depth);
                    }
                }

                Assert.Equal(column, scalarColumns[u]);
                Assert.Equal(shallow, scalarShallow[u]);
            }

            Assert.Equal((returns, beyond, deepest), (scalarRow.Valid, scalarRow.Beyond, scalarRow.MaxDepth));
        }

        Assert.True(aboveOnly > 10, $"only {aboveOnly} pixels exercise the row above");
    }
}

/// <summary>
/// A projective kernel that counts the bricks it updates without reading the image (wholly in front of the surfaces),
/// and can throw on its n-th brick: the integrator's brick pass seen from the kernel's side.
/// </summary>
internal sealed class CountingKernel(ProjectiveKernel inner, int throwOnBrick = -1) : ProjectiveKernel
{
    private int _bricks;

    public int InFront;

    public override KernelWidth Width => inner.Width;

    public override unsafe int IntegrateBrick(float* brick, in BrickProjection projection, in ProjectiveFrame frame, float* depth, byte* endpointMask)
    {
        if (System.Threading.Interlocked.Increment(ref _bricks) - 1 == throwOnBrick)
        {
            throw new InvalidOperationException("interrupted");
        }

        if (depth == null)
        {
            System.Threading.Interlocked.Increment(ref InFront);
        }

        return inner.IntegrateBrick(brick, projection, frame, depth, endpointMask);
    }
}
