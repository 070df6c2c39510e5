using System;
using System.Numerics;
using Occupancy.Geometry;
using Occupancy.Synthetic;
using Xunit;

namespace Occupancy.Tests.Synthetic;

/// <summary>Analytic ray intersections against a ray march through each primitive's own point test.</summary>
public class PrimitiveTests
{
    public static TheoryData<string> Names() => new() { "sphere", "cylinder", "ramp", "stairs", "box" };

    private static Primitive Make(string name) => name switch
    {
        "sphere" => new Sphere(new Vector3(0.3f, -0.2f, 1f), 0.7f),
        "cylinder" => new Cylinder(new Vector3(-0.2f, 0.1f, 0.2f), 0.4f, 1.3f),
        "ramp" => new Ramp(new Vector3(-0.5f, -0.6f, 0.1f), 1.4f, 1.1f, 0.6f, risesTowardsPlusX: false),
        "stairs" => new Stairs(new Vector3(-0.6f, -0.5f, 0), 1f, 0.15f, 0.3f, 4, 0.2f),
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

    [Fact]
    public void Bad_sizes_are_named()
    {
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => new Sphere(Vector3.Zero, 0)).ParamName);
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => new Cylinder(Vector3.Zero, 1, -1)).ParamName);
        Assert.Equal("center", Assert.Throws<ArgumentException>(() => new Sphere(new Vector3(float.NaN), 1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => new Ramp(Vector3.Zero, 0, 1, 1)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => new Stairs(Vector3.Zero, 1, 0.1f, 0.3f, 0)).ParamName);
    }
}
