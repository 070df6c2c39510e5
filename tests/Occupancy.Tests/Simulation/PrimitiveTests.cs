using System;
using System.Numerics;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Simulation;

/// <summary>Analytic ray intersections against a ray march through each primitive's own point test.</summary>
public class PrimitiveTests
{
    public static TheoryData<string> Names() => new() { "sphere", "cylinder", "ramp", "stairs", "box", "oriented box", "capsule", "mesh" };

    private static Primitive Make(string name) => name switch
    {
        "sphere" => new Sphere(new Vector3(0.3f, -0.2f, 1f), 0.7f),
        "cylinder" => new Cylinder(new Vector3(-0.2f, 0.1f, 0.2f), 0.4f, 1.3f),
        "ramp" => new Ramp(new Vector3(-0.5f, -0.6f, 0.1f), 1.4f, 1.1f, 0.6f, risesTowardsPlusX: false),
        "stairs" => new Stairs(new Vector3(-0.6f, -0.5f, 0), 1f, 0.15f, 0.3f, 4, 0.2f),
        "oriented box" => new OrientedBox(new Vector3(0.1f, 0, 0.8f), new Vector3(0.6f, 0.3f, 0.4f), Quaternion.CreateFromYawPitchRoll(0.5f, 0.3f, -0.7f)),
        "capsule" => new Capsule(new Vector3(-0.5f, -0.3f, 0.4f), new Vector3(0.4f, 0.5f, 1.3f), 0.35f),
        "mesh" => TriangleMesh.ExtrudedProfile([new(-0.6f, 0.2f), new(0.5f, 0.1f), new(0.7f, 0.9f), new(0.1f, 1.5f), new(-0.7f, 1.0f)], -0.5f, 0.6f),
        _ => new AxisAlignedBox(new Aabb(new Vector3(-0.4f, -0.3f, 0.2f), new Vector3(0.5f, 0.6f, 1.1f))),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Ray_hits_equal_a_march_through_the_solid(string name)
    {
        Primitive p = Make(name);
        var random = new Random(name.Length * 7);
        int hits = 0;
        for (int i = 0; i < 400; i++)
        {
            // Rays from 3 m away towards a random point near the primitive.
            var target = new Vector3((random.NextSingle() - 0.5f) * 2, (random.NextSingle() - 0.5f) * 2, random.NextSingle() * 2);
            Vector3 dir = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f));
            Vector3 origin = target - (dir * 3);
            if (p.Contains(origin))
            {
                continue;
            }

            bool hit = p.Intersect(origin, dir, 0, 10, out float t);
            // Oracle: the first of 60 000 steps over 6 m that is inside the solid.
            float marched = float.NaN;
            for (int s = 1; s <= 60_000; s++)
            {
                if (p.Contains(origin + (dir * (s * 1e-4f))))
                {
                    marched = s * 1e-4f;
                    break;
                }
            }

            if (float.IsNaN(marched))
            {
                // A grazing ray may touch the surface between steps; then the hit must be (nearly) tangent.
                if (hit)
                {
                    Assert.True(p.Contains(origin + (dir * t)) || !p.Contains(origin + (dir * (t + 1e-3f))), $"{name}: hit at {t} not seen by the march");
                }

                continue;
            }

            hits++;
            Assert.True(hit, $"{name}: the march entered the solid at {marched} but the ray reported no hit");
            Assert.InRange(t, marched - 2e-4f, marched + 1e-5f);
        }

        Assert.True(hits > 60, $"{name}: only {hits} rays hit");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Meets_agrees_with_a_dense_point_test(string name)
    {
        Primitive p = Make(name);
        var random = new Random(name.Length);
        for (int i = 0; i < 300; i++)
        {
            var min = new Vector3((random.NextSingle() - 0.5f) * 2.4f, (random.NextSingle() - 0.5f) * 2.4f, (random.NextSingle() * 2.2f) - 0.2f);
            var box = new Aabb(min, min + new Vector3(0.1f));
            bool sampled = false;
            for (int s = 0; s < 1331 && !sampled; s++)
            {
                sampled = p.Contains(min + (new Vector3(s % 11, (s / 11) % 11, s / 121) * 0.01f));
            }

            // Everything the sampling finds, Meets finds; Meets may also find contacts thinner than 1 cm.
            if (sampled)
            {
                Assert.True(p.Meets(box), $"{name}: box at {min} holds a point of the solid");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Meets_finds_nothing_a_slightly_larger_box_does_not_hold(string name)
    {
        Primitive p = Make(name);
        var random = new Random(name.Length + 100);
        int met = 0;
        for (int i = 0; i < 300; i++)
        {
            var min = new Vector3((random.NextSingle() - 0.5f) * 2.4f, (random.NextSingle() - 0.5f) * 2.4f, (random.NextSingle() * 2.2f) - 0.2f);
            var box = new Aabb(min, min + new Vector3(0.1f));
            if (!p.Meets(box))
            {
                continue;
            }

            // A contact found by Meets must show as solid points in the box grown by 2 cm (sampled every 7 mm).
            met++;
            bool sampled = false;
            for (int s = 0; s < 21 * 21 * 21 && !sampled; s++)
            {
                sampled = p.Contains(min - new Vector3(0.02f) + (new Vector3(s % 21, (s / 21) % 21, s / 441) * 0.007f));
            }

            Assert.True(sampled, $"{name}: Meets reported the box at {min}, but no point of the solid is near it");
        }

        Assert.True(met > 10, $"{name}: only {met} boxes met");
    }

    [Fact]
    public void Mesh_contains_exactly_the_points_of_its_prism()
    {
        // A convex pentagon in x–z extruded along y: inside iff inside the polygon and within the y range.
        Vector2[] poly = [new(-0.6f, 0.2f), new(0.5f, 0.1f), new(0.7f, 0.9f), new(0.1f, 1.5f), new(-0.7f, 1.0f)];
        TriangleMesh mesh = TriangleMesh.ExtrudedProfile(poly, -0.5f, 0.6f);
        Assert.Equal(16, mesh.TriangleCount);
        var random = new Random(3);
        for (int i = 0; i < 3000; i++)
        {
            var p = new Vector3((random.NextSingle() - 0.5f) * 2, (random.NextSingle() - 0.5f) * 1.6f, random.NextSingle() * 1.8f);
            bool inside = p.Y >= -0.5f && p.Y <= 0.6f;
            for (int e = 0; e < poly.Length && inside; e++)
            {
                Vector2 a = poly[e], b = poly[(e + 1) % poly.Length];
                inside = ((b.X - a.X) * (p.Z - a.Y)) - ((b.Y - a.Y) * (p.X - a.X)) >= 0;
            }

            Assert.Equal(inside, mesh.Contains(p));
        }
    }

    [Fact]
    public void Scene_raycasts_through_its_hierarchy_equal_a_test_of_every_primitive()
    {
        Scene scene = StreetScene.CreateScene();
        var random = new Random(11);
        int hits = 0;
        for (int i = 0; i < 4000; i++)
        {
            var origin = new Vector3(random.NextSingle() * 80, (random.NextSingle() - 0.5f) * 16, 0.3f + (random.NextSingle() * 4));
            Vector3 dir = Vector3.Normalize(new Vector3(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, (random.NextSingle() - 0.7f) * 0.6f));
            if (scene.IsOccupied(origin))
            {
                continue;
            }

            float best = 60;
            int nearest = -1;
            for (int k = 0; k < scene.Primitives.Count; k++)
            {
                if (scene.Primitives[k].Intersect(origin, dir, 0, best, out float t))
                {
                    best = t;
                    nearest = k;
                }
            }

            bool hit = scene.Raycast(origin, dir, 60, out float tScene, out int primitive);
            Assert.Equal(nearest >= 0, hit);
            if (hit)
            {
                hits++;
                Assert.Equal(best, tScene);
                Assert.Equal(scene.Primitives[nearest].SemanticClass, scene.Primitives[primitive].SemanticClass);
            }
        }

        Assert.True(hits > 2000, $"only {hits} rays hit");
    }

    [Fact]
    public void Rendering_in_packets_of_rays_finds_the_hits_of_single_rays()
    {
        // The renderer casts neighbouring pixels' rays (8 with AVX2, else 4) through the hierarchy together; each must equal a lone ray.
        Scene scene = StreetScene.CreateScene();
        PinholeIntrinsics k = new(202, 150, 125, 125, 100.5f, 74.5f); // width not a multiple of 4
        foreach (int camera in new[] { 0, 3 })
        {
            Pose3 pose = StreetScene.SurroundRig().CameraPose(camera, StreetScene.EgoPose);
            var depth = new float[k.PixelCount];
            DepthRenderer.Render(scene, k, pose, depth, 200);
            int hits = 0;
            for (int v = 0; v < k.Height; v++)
            {
                for (int u = 0; u < k.Width; u++)
                {
                    bool hit = scene.Raycast(pose.Position, pose.Rotate(k.RayThrough(u, v)), 200, out float t, out _);
                    Assert.Equal(hit ? t : float.NaN, depth[(v * k.Width) + u]);
                    hits += hit ? 1 : 0;
                }
            }

            Assert.True(hits > k.PixelCount / 2, $"camera {camera}: only {hits} hits");
        }
    }

    [Fact]
    public void Bad_sizes_are_named()
    {
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => new Sphere(Vector3.Zero, 0)).ParamName);
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => new Cylinder(Vector3.Zero, 1, -1)).ParamName);
        Assert.Equal("center", Assert.Throws<ArgumentException>(() => new Sphere(new Vector3(float.NaN), 1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => new Ramp(Vector3.Zero, 0, 1, 1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => new Stairs(Vector3.Zero, 1, 0.1f, 0.3f, 0)).ParamName);
        Assert.Equal("halfExtents", Assert.Throws<ArgumentOutOfRangeException>(() => new OrientedBox(Vector3.Zero, new Vector3(1, 0, 1), Quaternion.Identity)).ParamName);
        Assert.Equal("rotation", Assert.Throws<ArgumentException>(() => new OrientedBox(Vector3.Zero, Vector3.One, default)).ParamName);
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => new Capsule(Vector3.Zero, Vector3.One, -1)).ParamName);
        Assert.Equal("indices", Assert.Throws<ArgumentOutOfRangeException>(() => new TriangleMesh([Vector3.Zero, Vector3.UnitX, Vector3.UnitY, Vector3.UnitZ], [0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 4])).ParamName);
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => new TriangleMesh([Vector3.Zero, Vector3.UnitX, Vector3.UnitY, Vector3.UnitZ], [0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 1, 3])).ParamName);
        Assert.Equal("profile", Assert.Throws<ArgumentException>(() => TriangleMesh.ExtrudedProfile([Vector2.Zero, Vector2.One], 0, 1)).ParamName);
        Assert.Equal("yMax", Assert.Throws<ArgumentOutOfRangeException>(() => TriangleMesh.ExtrudedProfile([Vector2.Zero, Vector2.UnitX, Vector2.One], 1, float.NaN)).ParamName);
        TriangleMesh prism = TriangleMesh.ExtrudedProfile([Vector2.Zero, Vector2.UnitX, Vector2.One], 0, 1);
        Assert.Equal("pose", Assert.Throws<ArgumentException>(() => prism.Transformed(new Pose3(new Vector3(float.NaN), Quaternion.Identity))).ParamName);
    }
}
