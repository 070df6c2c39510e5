using System;
using System.Collections.Generic;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>
/// A set of solid primitives that rays can be cast against. World frame, metres, z up. Bounded primitives sit in a
/// bounding volume hierarchy, so a ray costs about the logarithm of their number; unbounded ones (half-spaces) are
/// tested on every ray.
/// </summary>
/// <remarks>Threads: immutable after construction, so safe to share; the renderers read one scene from many threads.</remarks>
public sealed class Scene
{
    private readonly Primitive[] _primitives;
    private readonly int[] _unbounded;
    private readonly int[] _bounded;
    private readonly BoundingVolumeHierarchy _bvh;

    /// <summary>Creates a scene.</summary>
    /// <param name="primitives">The solids; at least one.</param>
    /// <exception cref="ArgumentException">No primitive is given, or one is null.</exception>
    public Scene(IEnumerable<Primitive> primitives)
    {
        ArgumentNullException.ThrowIfNull(primitives);
        _primitives = [.. primitives];
        if (_primitives.Length == 0)
        {
            throw new ArgumentException("A scene needs at least one primitive.", nameof(primitives));
        }

        foreach (Primitive p in _primitives)
        {
            if (p is null)
            {
                throw new ArgumentException("A scene's primitives must not be null.", nameof(primitives));
            }
        }

        var bounded = new List<int>();
        var unbounded = new List<int>();
        var boxes = new List<Aabb>();
        for (int i = 0; i < _primitives.Length; i++)
        {
            if (_primitives[i].Bounds is Aabb box)
            {
                bounded.Add(i);
                boxes.Add(box);
            }
            else
            {
                unbounded.Add(i);
            }
        }

        _bounded = [.. bounded];
        _unbounded = [.. unbounded];
        _bvh = new BoundingVolumeHierarchy(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(boxes));
    }

    /// <summary>The solids of the scene.</summary>
    public IReadOnlyList<Primitive> Primitives => _primitives;

    /// <summary>The nearest surface along origin + t·direction with t in (0, <paramref name="tMax"/>).</summary>
    /// <param name="origin">Ray origin, metres.</param>
    /// <param name="direction">Ray direction; t is in its units.</param>
    /// <param name="tMax">Largest accepted t.</param>
    /// <param name="t">Hit parameter, when true.</param>
    /// <param name="primitive">Index of the primitive hit, when true.</param>
    public bool Raycast(Vector3 origin, Vector3 direction, float tMax, out float t, out int primitive)
    {
        t = tMax;
        primitive = -1;
        Primitive[] primitives = _primitives;
        foreach (int i in _unbounded)
        {
            if (primitives[i].Intersect(origin, direction, 0f, t, out float ti))
            {
                t = ti;
                primitive = i;
            }
        }

        if (_bounded.Length > 0)
        {
            var visitor = new NearestVisitor(primitives, _bounded, origin, direction);
            if (_bvh.Raycast(origin, direction, ref t, ref visitor))
            {
                primitive = visitor.Primitive;
            }
        }

        return primitive >= 0;
    }

    /// <summary>Rays per <see cref="RaycastPacket"/>: 8 with AVX2, else 4.</summary>
    internal static int PacketWidth => BoundingVolumeHierarchy.PacketWidth;

    /// <summary>
    /// <see cref="PacketWidth"/> rays from one origin (a camera's neighbouring pixels) at once: the same nearest hits as
    /// one call of <see cref="Raycast(Vector3, Vector3, float, out float, out int)"/> each, with each box of the
    /// hierarchy tested once for all of them.
    /// </summary>
    internal void RaycastPacket(Vector3 origin, ReadOnlySpan<Vector3> directions, float tMax, Span<float> t, Span<int> primitive)
    {
        Primitive[] primitives = _primitives;
        int width = PacketWidth;
        Span<float> dx = stackalloc float[width], dy = stackalloc float[width], dz = stackalloc float[width];
        for (int lane = 0; lane < width; lane++)
        {
            dx[lane] = directions[lane].X;
            dy[lane] = directions[lane].Y;
            dz[lane] = directions[lane].Z;
            t[lane] = tMax;
            primitive[lane] = -1;
            foreach (int i in _unbounded)
            {
                if (primitives[i].Intersect(origin, directions[lane], 0f, t[lane], out float ti))
                {
                    t[lane] = ti;
                    primitive[lane] = i;
                }
            }
        }

        if (_bounded.Length > 0)
        {
            var visitor = new PacketVisitor(primitives, _bounded, origin, directions, primitive);
            _bvh.RaycastPacket(origin, dx, dy, dz, t, ref visitor);
        }
    }

    private readonly ref struct PacketVisitor(Primitive[] primitives, int[] bounded, Vector3 origin, ReadOnlySpan<Vector3> directions, Span<int> primitive) : IBvhPacketVisitor
    {
        private readonly ReadOnlySpan<Vector3> _directions = directions;
        private readonly Span<int> _primitive = primitive;

        public void Visit(int item, int lane, ref float tMax)
        {
            int index = bounded[item];
            if (primitives[index].Intersect(origin, _directions[lane], 0f, tMax, out float t))
            {
                tMax = t;
                _primitive[lane] = index;
            }
        }
    }

    private struct NearestVisitor(Primitive[] primitives, int[] bounded, Vector3 origin, Vector3 direction) : IBvhRayVisitor
    {
        public int Primitive = -1;

        public bool Visit(int item, ref float tMax)
        {
            int index = bounded[item];
            if (primitives[index].Intersect(origin, direction, 0f, tMax, out float t))
            {
                tMax = t;
                Primitive = index;
                return true;
            }

            return false;
        }
    }

    /// <summary>True when the point lies inside some solid.</summary>
    /// <param name="point">World frame, metres.</param>
    public bool IsOccupied(Vector3 point)
    {
        foreach (int i in _unbounded)
        {
            if (_primitives[i].Contains(point))
            {
                return true;
            }
        }

        return _bounded.Length > 0 && _bvh.AnyOverlapping(new Aabb(point, point), (this, point), static (s, item) => s.Item1._primitives[s.Item1._bounded[item]].Contains(s.point));
    }
}
