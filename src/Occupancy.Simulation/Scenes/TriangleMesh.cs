using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A solid bounded by a closed triangle mesh whose triangles wind counter-clockwise seen from outside (normals point
/// out). Rays are intersected through a bounding volume hierarchy over the triangles (Möller–Trumbore); a point is
/// inside when a ray from it crosses the surface an odd number of times. World frame, metres, z up.
/// </summary>
/// <remarks>Threads: immutable after construction, so safe to share between threads.</remarks>
public sealed class TriangleMesh : Primitive
{
    private readonly Vector3[] _vertices;
    private readonly int[] _indices;
    private readonly BoundingVolumeHierarchy _bvh;

    /// <summary>Creates a mesh solid.</summary>
    /// <param name="vertices">Vertex positions, metres; at least four.</param>
    /// <param name="indices">Three vertex indices per triangle, counter-clockwise seen from outside; the mesh must be closed.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">Too few vertices or triangles, a vertex not finite, an index out of range, or a triangle with no area.</exception>
    public TriangleMesh(IReadOnlyList<Vector3> vertices, IReadOnlyList<int> indices, SemanticClass semanticClass = SemanticClass.Unlabelled)
        : base(semanticClass)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        ArgumentNullException.ThrowIfNull(indices);
        if (vertices.Count < 4)
        {
            ThrowHelper.Argument(nameof(vertices), $"a closed mesh needs at least 4 vertices, but {vertices.Count} were given.");
        }

        if (indices.Count < 12 || indices.Count % 3 != 0)
        {
            ThrowHelper.Argument(nameof(indices), $"a closed mesh needs at least 4 triangles of 3 indices each, but {indices.Count} indices were given.");
        }

        _vertices = new Vector3[vertices.Count];
        for (int i = 0; i < _vertices.Length; i++)
        {
            ThrowHelper.ThrowIfNotFinite(vertices[i], nameof(vertices));
            _vertices[i] = vertices[i];
        }

        _indices = new int[indices.Count];
        var boxes = new Aabb[indices.Count / 3];
        for (int i = 0; i < _indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)_vertices.Length)
            {
                ThrowHelper.ArgumentOutOfRange(nameof(indices), index, $"index {i} is {index}, outside the {_vertices.Length} vertices.");
            }

            _indices[i] = index;
        }

        for (int tri = 0; tri < boxes.Length; tri++)
        {
            Vector3 a = _vertices[_indices[3 * tri]], b = _vertices[_indices[(3 * tri) + 1]], c = _vertices[_indices[(3 * tri) + 2]];
            if (Vector3.Cross(b - a, c - a).LengthSquared() < 1e-20f)
            {
                ThrowHelper.Argument(nameof(indices), $"triangle {tri} has no area.");
            }

            boxes[tri] = new Aabb(Vector3.Min(a, Vector3.Min(b, c)), Vector3.Max(a, Vector3.Max(b, c)));
        }

        _bvh = new BoundingVolumeHierarchy(boxes);
        Bounds = _bvh.Bounds;
    }

    /// <summary>
    /// A prism: a convex polygon in the world x–z plane (counter-clockwise seen from −y, that is looking along +y)
    /// extruded along y from <paramref name="yMin"/> to <paramref name="yMax"/>. A car's side profile makes its body.
    /// </summary>
    /// <param name="profile">Polygon vertices (x, z), metres; convex, at least 3.</param>
    /// <param name="yMin">Start of the extrusion, metres.</param>
    /// <param name="yMax">End of the extrusion, metres; greater than <paramref name="yMin"/>.</param>
    /// <param name="semanticClass">Class carried into ground truth.</param>
    /// <exception cref="ArgumentException">Fewer than 3 vertices, or an empty extrusion.</exception>
    public static TriangleMesh ExtrudedProfile(IReadOnlyList<Vector2> profile, float yMin, float yMax, SemanticClass semanticClass = SemanticClass.Unlabelled)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.Count < 3)
        {
            ThrowHelper.Argument(nameof(profile), $"a profile needs at least 3 vertices, but {profile.Count} were given.");
        }

        if (!(yMax > yMin))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(yMax), yMax, $"yMax must exceed yMin ({yMin}).");
        }

        int n = profile.Count;
        var vertices = new Vector3[2 * n];
        for (int i = 0; i < n; i++)
        {
            vertices[i] = new Vector3(profile[i].X, yMin, profile[i].Y);
            vertices[n + i] = new Vector3(profile[i].X, yMax, profile[i].Y);
        }

        var indices = new List<int>();
        for (int i = 1; i + 1 < n; i++)
        {
            // Cap at yMin faces −y; the profile is counter-clockwise seen from −y.
            indices.AddRange([0, i, i + 1]);
            indices.AddRange([n, n + i + 1, n + i]);
        }

        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            indices.AddRange([i, n + i, n + j]);
            indices.AddRange([i, n + j, j]);
        }

        return new TriangleMesh(vertices, indices, semanticClass);
    }

    /// <summary>Number of triangles.</summary>
    public int TriangleCount => _indices.Length / 3;

    /// <inheritdoc />
    public override Aabb? Bounds { get; }

    /// <summary>A copy of the mesh moved by a rigid transform (the mesh is given in a body frame).</summary>
    /// <param name="pose">Pose of the body frame in the world frame.</param>
    /// <exception cref="ArgumentException">The pose is not finite.</exception>
    public TriangleMesh Transformed(Pose3 pose)
    {
        if (!pose.IsFinite)
        {
            ThrowHelper.Argument(nameof(pose), $"pose must be finite, but was {pose}.");
        }

        var vertices = new Vector3[_vertices.Length];
        for (int i = 0; i < vertices.Length; i++)
        {
            vertices[i] = pose.Transform(_vertices[i]);
        }

        return new TriangleMesh(vertices, _indices, SemanticClass);
    }

    /// <inheritdoc />
    public override bool Intersect(Vector3 origin, Vector3 direction, float tMin, float tMax, out float t)
    {
        var visitor = new NearestVisitor(this, origin, direction, tMin);
        float limit = tMax;
        t = 0;
        if (!_bvh.Raycast(origin, direction, ref limit, ref visitor))
        {
            return false;
        }

        t = limit;
        // The nearest surface seen from inside is a back face: a ray starting inside the solid reports no hit.
        return !visitor.BackFace;
    }

    /// <inheritdoc />
    public override bool Contains(Vector3 point)
    {
        Aabb b = Bounds!.Value;
        if (!b.Contains(point))
        {
            return false;
        }

        // Parity of crossings along a direction unlikely to graze an edge; a point on the surface counts as inside.
        var visitor = new CountVisitor(this, point, new Vector3(0.5773f, 0.5774f, 0.5775f));
        float limit = float.PositiveInfinity;
        _bvh.Raycast(point, visitor.Direction, ref limit, ref visitor);
        return visitor.OnSurface || (visitor.Crossings & 1) == 1;
    }

    /// <summary>Exact: the box meets a triangle (separating-axis test) or lies wholly inside the solid.</summary>
    /// <param name="box">World box, metres.</param>
    public override bool Meets(Aabb box)
    {
        Aabb b = Bounds!.Value;
        if (!b.Intersects(box))
        {
            return false;
        }

        return _bvh.AnyOverlapping(box, (this, box), static (s, tri) => s.Item1.TriangleMeetsBox(tri, s.box)) || Contains(box.Center);
    }

    private bool TriangleMeetsBox(int tri, Aabb box)
    {
        Vector3 c = box.Center, h = box.Size * 0.5f;
        Vector3 v0 = _vertices[_indices[3 * tri]] - c, v1 = _vertices[_indices[(3 * tri) + 1]] - c, v2 = _vertices[_indices[(3 * tri) + 2]] - c;
        Vector3 e0 = v1 - v0, e1 = v2 - v1, e2 = v0 - v2;
        ReadOnlySpan<Vector3> edges = [e0, e1, e2];
        ReadOnlySpan<Vector3> units = [Vector3.UnitX, Vector3.UnitY, Vector3.UnitZ];
        foreach (Vector3 u in units)
        {
            foreach (Vector3 e in edges)
            {
                if (Separated(Vector3.Cross(u, e), v0, v1, v2, h))
                {
                    return false;
                }
            }

            if (Separated(u, v0, v1, v2, h))
            {
                return false;
            }
        }

        return !Separated(Vector3.Cross(e0, e1), v0, v1, v2, h);
    }

    private static bool Separated(Vector3 axis, Vector3 v0, Vector3 v1, Vector3 v2, Vector3 h)
    {
        float p0 = Vector3.Dot(axis, v0), p1 = Vector3.Dot(axis, v1), p2 = Vector3.Dot(axis, v2);
        float r = (h.X * MathF.Abs(axis.X)) + (h.Y * MathF.Abs(axis.Y)) + (h.Z * MathF.Abs(axis.Z));
        return MathF.Min(p0, MathF.Min(p1, p2)) > r || MathF.Max(p0, MathF.Max(p1, p2)) < -r;
    }

    /// <summary>Möller–Trumbore; returns t and whether the triangle faces away from the ray.</summary>
    private bool Triangle(int tri, Vector3 origin, Vector3 direction, out float t, out bool backFace)
    {
        Vector3 a = _vertices[_indices[3 * tri]], b = _vertices[_indices[(3 * tri) + 1]], c = _vertices[_indices[(3 * tri) + 2]];
        Vector3 e1 = b - a, e2 = c - a;
        Vector3 p = Vector3.Cross(direction, e2);
        float det = Vector3.Dot(e1, p);
        t = 0;
        backFace = det < 0;
        if (det == 0)
        {
            return false;
        }

        float inv = 1f / det;
        Vector3 s = origin - a;
        float u = Vector3.Dot(s, p) * inv;
        if (u < 0 || u > 1)
        {
            return false;
        }

        Vector3 q = Vector3.Cross(s, e1);
        float v = Vector3.Dot(direction, q) * inv;
        if (v < 0 || u + v > 1)
        {
            return false;
        }

        t = Vector3.Dot(e2, q) * inv;
        return true;
    }

    private struct NearestVisitor(TriangleMesh mesh, Vector3 origin, Vector3 direction, float tMin) : IBvhRayVisitor
    {
        public bool BackFace;

        public bool Visit(int item, ref float tMax)
        {
            if (mesh.Triangle(item, origin, direction, out float t, out bool back) && t > tMin && t < tMax)
            {
                tMax = t;
                BackFace = back;
                return true;
            }

            return false;
        }
    }

    private struct CountVisitor(TriangleMesh mesh, Vector3 origin, Vector3 direction) : IBvhRayVisitor
    {
        public int Crossings;
        public bool OnSurface;
        public readonly Vector3 Direction => direction;

        public bool Visit(int item, ref float tMax)
        {
            if (mesh.Triangle(item, origin, direction, out float t, out _))
            {
                if (MathF.Abs(t) <= 1e-6f)
                {
                    OnSurface = true;
                }
                else if (t > 0)
                {
                    Crossings++;
                }
            }

            return false;
        }
    }
}
