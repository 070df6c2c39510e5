using System;
using System.Numerics;
using Occupancy.Geometry;

namespace Occupancy.Synthetic;

/// <summary>What a ray traversal does at each item of a leaf it reaches.</summary>
internal interface IBvhRayVisitor
{
    /// <summary>Tests item <paramref name="item"/>; on a nearer hit, lowers <paramref name="tMax"/> to it and returns true.</summary>
    bool Visit(int item, ref float tMax);
}

/// <summary>
/// A binary bounding volume hierarchy over axis-aligned boxes, built by median splits on the longest axis of the
/// centroids (at most <see cref="LeafSize"/> items per leaf). Nodes are flat arrays; traversal visits the nearer child
/// first and skips boxes beyond the current nearest hit. Struct visitors keep it free of delegates and allocation.
/// </summary>
internal sealed class BoundingVolumeHierarchy
{
    public const int LeafSize = 4;

    private readonly Vector3[] _min;
    private readonly Vector3[] _max;
    private readonly int[] _first; // leaf: first index into _items; inner: right child (left child is node + 1)
    private readonly int[] _count; // leaf: item count (> 0); inner: 0
    private readonly int[] _items;
    private int _nodes;

    public BoundingVolumeHierarchy(ReadOnlySpan<Aabb> boxes)
    {
        int n = boxes.Length;
        _items = new int[n];
        for (int i = 0; i < n; i++)
        {
            _items[i] = i;
        }

        int capacity = Math.Max(1, 2 * n);
        _min = new Vector3[capacity];
        _max = new Vector3[capacity];
        _first = new int[capacity];
        _count = new int[capacity];
        var centroids = new Vector3[n];
        var mins = new Vector3[n];
        var maxs = new Vector3[n];
        for (int i = 0; i < n; i++)
        {
            centroids[i] = boxes[i].Center;
            mins[i] = boxes[i].Min;
            maxs[i] = boxes[i].Max;
        }

        if (n == 0)
        {
            _min[0] = new Vector3(float.PositiveInfinity);
            _max[0] = new Vector3(float.NegativeInfinity);
            _count[0] = 0;
            _nodes = 1;
            return;
        }

        Build(0, n, centroids, mins, maxs);
    }

    /// <summary>Items, reordered so that every leaf holds a contiguous run.</summary>
    public ReadOnlySpan<int> Items => _items;

    /// <summary>Box around everything.</summary>
    public Aabb Bounds => new(_min[0], _max[0]);

    private int Build(int start, int end, Vector3[] centroids, Vector3[] mins, Vector3[] maxs)
    {
        int node = _nodes++;
        Vector3 lo = new(float.PositiveInfinity), hi = new(float.NegativeInfinity);
        Vector3 clo = lo, chi = hi;
        for (int i = start; i < end; i++)
        {
            int item = _items[i];
            lo = Vector3.Min(lo, mins[item]);
            hi = Vector3.Max(hi, maxs[item]);
            clo = Vector3.Min(clo, centroids[item]);
            chi = Vector3.Max(chi, centroids[item]);
        }

        _min[node] = lo;
        _max[node] = hi;
        if (end - start <= LeafSize)
        {
            _first[node] = start;
            _count[node] = end - start;
            return node;
        }

        Vector3 extent = chi - clo;
        int axis = extent.X >= extent.Y && extent.X >= extent.Z ? 0 : extent.Y >= extent.Z ? 1 : 2;
        int mid = (start + end) / 2;
        // Quickselect the median centroid along the axis.
        int l = start, r = end - 1;
        while (l < r)
        {
            float pivot = centroids[_items[(l + r) / 2]][axis];
            int i = l, j = r;
            while (i <= j)
            {
                while (centroids[_items[i]][axis] < pivot)
                {
                    i++;
                }

                while (centroids[_items[j]][axis] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (_items[i], _items[j]) = (_items[j], _items[i]);
                    i++;
                    j--;
                }
            }

            if (mid <= j)
            {
                r = j;
            }
            else if (mid >= i)
            {
                l = i;
            }
            else
            {
                break;
            }
        }

        Build(start, mid, centroids, mins, maxs);
        _first[node] = Build(mid, end, centroids, mins, maxs);
        _count[node] = 0;
        return node;
    }

    /// <summary>Visits the items whose boxes the ray origin + t·direction meets for t in [0, tMax], nearer subtrees first.</summary>
    public bool Raycast<TVisitor>(Vector3 origin, Vector3 direction, ref float tMax, ref TVisitor visitor)
        where TVisitor : struct, IBvhRayVisitor
    {
        Vector3 inv = Vector3.One / direction;
        Span<int> stack = stackalloc int[64];
        int top = 0;
        int node = 0;
        bool hit = false;
        if (!Slab(0, origin, inv, tMax, out _))
        {
            return false;
        }

        while (true)
        {
            int count = _count[node];
            if (count > 0)
            {
                int first = _first[node];
                for (int k = 0; k < count; k++)
                {
                    hit |= visitor.Visit(_items[first + k], ref tMax);
                }
            }
            else if (count == 0 && _first[node] > 0)
            {
                int left = node + 1, right = _first[node];
                bool hl = Slab(left, origin, inv, tMax, out float tl);
                bool hr = Slab(right, origin, inv, tMax, out float tr);
                if (hl && hr)
                {
                    if (tr < tl)
                    {
                        (left, right) = (right, left);
                    }

                    stack[top++] = right;
                    node = left;
                    continue;
                }

                if (hl || hr)
                {
                    node = hl ? left : right;
                    continue;
                }
            }

            // Pop the next subtree that can still hold a nearer hit.
            while (true)
            {
                if (top == 0)
                {
                    return hit;
                }

                node = stack[--top];
                if (Slab(node, origin, inv, tMax, out _))
                {
                    break;
                }
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> for the items whose boxes meet the query box, until it returns true.</summary>
    public bool AnyOverlapping<TState>(Aabb query, TState state, Func<TState, int, bool> visit)
    {
        Span<int> stack = stackalloc int[64];
        int top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            int node = stack[--top];
            Vector3 lo = _min[node], hi = _max[node];
            if (lo.X > query.Max.X || hi.X < query.Min.X || lo.Y > query.Max.Y || hi.Y < query.Min.Y || lo.Z > query.Max.Z || hi.Z < query.Min.Z)
            {
                continue;
            }

            int count = _count[node];
            if (count > 0)
            {
                for (int k = 0; k < count; k++)
                {
                    if (visit(state, _items[_first[node] + k]))
                    {
                        return true;
                    }
                }
            }
            else if (_first[node] > 0)
            {
                stack[top++] = _first[node];
                stack[top++] = node + 1;
            }
        }

        return false;
    }

    private bool Slab(int node, Vector3 origin, Vector3 inv, float tMax, out float enter)
    {
        Vector3 t0 = (_min[node] - origin) * inv;
        Vector3 t1 = (_max[node] - origin) * inv;
        Vector3 near = Vector3.Min(t0, t1);
        Vector3 far = Vector3.Max(t0, t1);
        enter = MathF.Max(MathF.Max(near.X, near.Y), MathF.Max(near.Z, 0f));
        float exit = MathF.Min(MathF.Min(far.X, far.Y), MathF.Min(far.Z, tMax));
        return enter <= exit;
    }
}
