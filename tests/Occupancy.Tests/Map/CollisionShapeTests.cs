using System;
using System.Collections.Generic;
using System.Numerics;
using Xunit;

namespace Occupancy.Tests.Map;

public class CollisionShapeTests
{
    public static TheoryData<string> Shapes() => new() { "box", "sphere", "capsule" };

    private static CollisionShape Make(string name) => name switch
    {
        "box" => CollisionShape.Box(new Vector3(0.6f, 0.35f, 0.25f)),
        "sphere" => CollisionShape.Sphere(0.27f),
        _ => CollisionShape.Capsule(0.12f, 0.5f),
    };

    /// <summary>Containment in the body frame: the oracle's definition of each shape.</summary>
    private static bool Inside(CollisionShape s, Vector3 p) => s.Kind switch
    {
        ShapeKind.Box => MathF.Abs(p.X) < s.HalfExtents.X && MathF.Abs(p.Y) < s.HalfExtents.Y && MathF.Abs(p.Z) < s.HalfExtents.Z,
        ShapeKind.Sphere => p.Length() < s.Radius,
        _ => new Vector2(p.X, p.Y).Length() < s.Radius && MathF.Abs(p.Z) <= s.HalfLength
             || Vector3.Distance(p, new Vector3(0, 0, s.HalfLength)) < s.Radius || Vector3.Distance(p, new Vector3(0, 0, -s.HalfLength)) < s.Radius,
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Collision_equals_a_brute_force_voxel_by_voxel_overlap(string name)
    {
        CollisionShape shape = Make(name);
        var random = new Random(name.Length);
        var map = new OccupancyMap(0.05);
        for (int i = 0; i < 4000; i++)
        {
            map.UpdateVoxel(new VoxelKey(random.Next(-14, 14), random.Next(-14, 14), random.Next(-14, 14)), occupied: random.Next(30) == 0);
        }

        for (int trial = 0; trial < 6; trial++)
        {
            var pose = new Pose3(new Vector3((random.NextSingle() - 0.5f) * 0.1f, (random.NextSingle() - 0.5f) * 0.1f, (random.NextSingle() - 0.5f) * 0.1f),
                Quaternion.Normalize(new Quaternion(random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f, random.NextSingle() - 0.5f)));
            CollisionResult result = map.CheckCollision(shape, pose, UnknownPolicy.TreatAsFree);

            // Oracle: a voxel overlaps when one of 8³ points spread through it lies inside the shape.
            int occupied = 0, unknown = 0, sampledVoxels = 0;
            for (int x = -10; x < 10; x++)
            {
                for (int y = -10; y < 10; y++)
                {
                    for (int z = -10; z < 10; z++)
                    {
                        bool overlaps = false;
                        for (int s = 0; s < 512 && !overlaps; s++)
                        {
                            var p = new Vector3((x + (((s & 7) + 0.5f) / 8)) * 0.05f, (y + ((((s >> 3) & 7) + 0.5f) / 8)) * 0.05f, (z + (((s >> 6) + 0.5f) / 8)) * 0.05f);
                            overlaps = Inside(shape, pose.InverseTransform(p));
                        }

                        if (overlaps)
                        {
                            sampledVoxels++;
                            VoxelState st = map.GetState(new VoxelKey(x, y, z));
                            occupied += st == VoxelState.Occupied ? 1 : 0;
                            unknown += st == VoxelState.Unknown ? 1 : 0;
                        }
                    }
                }
            }

            // The exact test can only add voxels the shape grazes by less than the sampling resolves.
            Assert.InRange(result.OccupiedVoxels, occupied, occupied + 2 + (occupied / 5));
            Assert.InRange(result.UnknownVoxels, unknown, unknown + 3 + (unknown / 5));
            Assert.Equal(result.OccupiedVoxels > 0, result.InCollision);
        }
    }

    [Fact]
    public void Unknown_policy_and_bad_input()
    {
        var map = new OccupancyMap(0.1);
        CollisionShape sphere = CollisionShape.Sphere(0.2f);
        Assert.True(map.CheckCollision(sphere, Pose3.Identity, UnknownPolicy.TreatAsOccupied).InCollision); // all unknown: in collision when unknown counts as occupied
        Assert.False(map.CheckCollision(sphere, Pose3.Identity, UnknownPolicy.TreatAsFree).InCollision);
        Assert.Equal("pose", Assert.Throws<ArgumentException>(() => map.CheckCollision(sphere, new Pose3(new Vector3(float.NaN), Quaternion.Identity), UnknownPolicy.TreatAsOccupied)).ParamName);
        Assert.Equal("radius", Assert.Throws<ArgumentOutOfRangeException>(() => CollisionShape.Sphere(-1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => CollisionShape.Capsule(0.1f, -1)).ParamName);
        Assert.Equal("size.Y", Assert.Throws<ArgumentOutOfRangeException>(() => CollisionShape.Box(new Vector3(1, 0, 1))).ParamName);
    }
}
