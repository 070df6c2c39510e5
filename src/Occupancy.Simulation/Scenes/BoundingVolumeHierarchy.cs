using System;
using System.Numerics;

namespace Occupancy.Simulation;

/// <summary>What a traversal of a packet of rays does at each item of a leaf it reaches, for each ray that reaches it.</summary>
internal interface IBvhPacketVisitor
{
    /// <summary>Tests item <paramref name="item"/> against ray <paramref name="lane"/>; on a nearer hit, lowers <paramref name="tMax"/>.</summary>
    void Visit(int item, int lane, ref float tMax);
}

/// <summary>What a ray traversal does at each item of a leaf it reaches.</summary>
internal interface IBvhRayVisitor
{
    /// <summary>Tests item <paramref name="item"/>; on a nearer hit, lowers <paramref name="tMax"/> to it and returns true.</summary>
    bool Visit(int item, ref float tMax);
}

/// <summary>
/// A binary bounding volume hierarchy over axis-aligned boxes, built with the binned surface area heuristic (leaves
/// of up to <see cref="LeafSize"/> items where splitting does not pay). Nodes are flat arrays; traversal visits the nearer child
/// first and skips boxes beyond the current nearest hit. Struct visitors keep it free of delegates and allocation.
/// </summary>
internal sealed class BoundingVolumeHierarchy
{
    public const int LeafSize = 4;

    private readonly Node[] _nodes;
    private readonly int[] _items;
    private readonly Aabb[] _itemBoxes;

    /// <summary>32 bytes: the box, and for a leaf the first item and count, for an inner node the right child (count 0).</summary>
    private struct Node
    {
        public Vector3 Min;
        public int First; // leaf: first index into _items; inner: right child (the left child is node + 1)
        public Vector3 Max;
        public int Count; // leaf: item count (> 0); inner: 0
    }
    private int _nodeCount;

    public BoundingVolumeHierarchy(ReadOnlySpan<Aabb> boxes)
    {
        int n = boxes.Length;
        _items = new int[n];
        _itemBoxes = boxes.ToArray();
        for (int i = 0; i < n; i++)
        {
            _items[i] = i;
        }

        int capacity = Math.Max(1, 2 * n);
        _nodes = new Node[capacity];
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
            _nodes[0] = new Node { Min = new Vector3(float.PositiveInfinity), Max = new Vector3(float.NegativeInfinity) };
            _nodeCount = 1;
            return;
        }

        Build(0, n, centroids, mins, maxs);
    }

    /// <summary>Items, reordered so that every leaf holds a contiguous run.</summary>
    public ReadOnlySpan<int> Items => _items;

    /// <summary>Box around everything.</summary>
    public Aabb Bounds => new(_nodes[0].Min, _nodes[0].Max);

    private const int Bins = 16;

    /// <summary>Binned surface-area-heuristic build: each split is the cheapest of 15 planes per axis over the centroids.</summary>
    private int Build(int start, int end, Vector3[] centroids, Vector3[] mins, Vector3[] maxs)
    {
        int node = _nodeCount++;
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

        _nodes[node].Min = lo;
        _nodes[node].Max = hi;
        int n = end - start;
        if (n <= 2)
        {
            _nodes[node].First = start;
            _nodes[node].Count = n;
            return node;
        }

        // Cost of a split in units of one item test: 1 (the node) + sum over children of area ratio × items.
        float bestCost = float.PositiveInfinity;
        int bestAxis = -1, bestPlane = 0;
        Span<int> binCount = stackalloc int[Bins];
        Span<Vector3> binMin = stackalloc Vector3[Bins];
        Span<Vector3> binMax = stackalloc Vector3[Bins];
        Span<float> rightArea = stackalloc float[Bins];
        Span<int> rightCount = stackalloc int[Bins];
        for (int axis = 0; axis < 3; axis++)
        {
            float extent = chi[axis] - clo[axis];
            if (!(extent > 0))
            {
                continue;
            }

            binCount.Clear();
            binMin.Fill(new Vector3(float.PositiveInfinity));
            binMax.Fill(new Vector3(float.NegativeInfinity));
            for (int i = start; i < end; i++)
            {
                int item = _items[i];
                int b = Math.Min(Bins - 1, (int)((centroids[item][axis] - clo[axis]) / extent * Bins));
                binCount[b]++;
                binMin[b] = Vector3.Min(binMin[b], mins[item]);
                binMax[b] = Vector3.Max(binMax[b], maxs[item]);
            }

            Vector3 rlo = new(float.PositiveInfinity), rhi = new(float.NegativeInfinity);
            int rc = 0;
            for (int b = Bins - 1; b > 0; b--)
            {
                rc += binCount[b];
                rlo = Vector3.Min(rlo, binMin[b]);
                rhi = Vector3.Max(rhi, binMax[b]);
                rightCount[b] = rc;
                rightArea[b] = rc > 0 ? Area(rlo, rhi) : 0;
            }

            Vector3 llo = new(float.PositiveInfinity), lhi = new(float.NegativeInfinity);
            int lc = 0;
            for (int plane = 1; plane < Bins; plane++)
            {
                lc += binCount[plane - 1];
                llo = Vector3.Min(llo, binMin[plane - 1]);
                lhi = Vector3.Max(lhi, binMax[plane - 1]);
                if (lc == 0 || rightCount[plane] == 0)
                {
                    continue;
                }

                float cost = (Area(llo, lhi) * lc) + (rightArea[plane] * rightCount[plane]);
                if (cost < bestCost)
                {
                    bestCost = cost;
                    bestAxis = axis;
                    bestPlane = plane;
                }
            }
        }

        int mid;
        if (bestAxis < 0)
        {
            if (n <= LeafSize)
            {
                _nodes[node].First = start;
                _nodes[node].Count = n;
                return node;
            }

            mid = (start + end) / 2; // every centroid coincides: halve the list
        }
        else if (n <= LeafSize && 1 + (bestCost / Area(lo, hi)) >= n)
        {
            _nodes[node].First = start; // testing the items costs no more than splitting
            _nodes[node].Count = n;
            return node;
        }
        else
        {
            mid = Partition(start, end, centroids, bestAxis, clo, chi, bestPlane);
        }

        Build(start, mid, centroids, mins, maxs);
        _nodes[node].First = Build(mid, end, centroids, mins, maxs);
        _nodes[node].Count = 0;
        return node;
    }

    private int Partition(int start, int end, Vector3[] centroids, int axis, Vector3 clo, Vector3 chi, int plane)
    {
        float extent = chi[axis] - clo[axis];
        int i = start, j = end - 1;
        while (i <= j)
        {
            int b = Math.Min(Bins - 1, (int)((centroids[_items[i]][axis] - clo[axis]) / extent * Bins));
            if (b < plane)
            {
                i++;
            }
            else
            {
                (_items[i], _items[j]) = (_items[j], _items[i]);
                j--;
            }
        }

        return i;
    }

    private static float Area(Vector3 lo, Vector3 hi)
    {
        Vector3 d = hi - lo;
        return (d.X * d.Y) + (d.Y * d.Z) + (d.Z * d.X);
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
            ref Node current = ref _nodes[node];
            int count = current.Count;
            if (count > 0)
            {
                int first = current.First;
                for (int k = 0; k < count; k++)
                {
                    hit |= visitor.Visit(_items[first + k], ref tMax);
                }
            }
            else if (current.First > 0)
            {
                int left = node + 1, right = current.First;
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

    /// <summary>Rays per packet: the lanes of <see cref="Vector{T}"/> of float (8 with AVX2, else 4).</summary>
    public static int PacketWidth => Vector<float>.Count;

    /// <summary>
    /// Visits, for <see cref="PacketWidth"/> rays from one origin at once, the items whose boxes each ray meets within its
    /// own limit: one box test serves every ray of the packet, and a subtree is entered when any ray still can hit in it.
    /// The per-ray box test is the same arithmetic as <see cref="Raycast{TVisitor}"/>'s, so each ray reaches the same
    /// items it would alone (or more, never fewer) and the visitor's nearest hits are the same.
    /// </summary>
    public void RaycastPacket<TVisitor>(Vector3 origin, scoped ReadOnlySpan<float> dx, scoped ReadOnlySpan<float> dy, scoped ReadOnlySpan<float> dz, Span<float> tMax, ref TVisitor visitor)
        where TVisitor : struct, IBvhPacketVisitor, allows ref struct
    {
        int width = Vector<float>.Count;
        var o = new PacketOrigin(new Vector<float>(origin.X), new Vector<float>(origin.Y), new Vector<float>(origin.Z));
        var inv = new PacketOrigin(Vector<float>.One / new Vector<float>(dx), Vector<float>.One / new Vector<float>(dy), Vector<float>.One / new Vector<float>(dz));
        var limit = new Vector<float>(tMax);
        Span<int> stack = stackalloc int[64];
        int top = 0;
        int node = 0;
        if (PacketMask(0, o, inv, limit, out _) == Vector<int>.Zero)
        {
            return;
        }

        while (true)
        {
            ref Node current = ref _nodes[node];
            if (current.Count > 0)
            {
                for (int k = 0; k < current.Count; k++)
                {
                    // The item's own box first: a leaf's box holds several items, and a lane that enters it may still
                    // miss this one (a primitive's exact test costs more than a box).
                    int item = _items[current.First + k];
                    Aabb box = _itemBoxes[item];
                    Vector<int> mask = BoxMask(box.Min, box.Max, o, inv, limit, out _);
                    for (int lane = 0; lane < width; lane++)
                    {
                        if (mask[lane] != 0)
                        {
                            visitor.Visit(item, lane, ref tMax[lane]);
                        }
                    }

                    limit = new Vector<float>(tMax);
                }

                limit = new Vector<float>(tMax);
            }
            else if (current.First > 0)
            {
                int left = node + 1, right = current.First;
                Vector<int> ml = PacketMask(left, o, inv, limit, out Vector<float> el);
                Vector<int> mr = PacketMask(right, o, inv, limit, out Vector<float> er);
                bool hitLeft = ml != Vector<int>.Zero, hitRight = mr != Vector<int>.Zero;
                if (hitLeft && hitRight)
                {
                    // Nearer child first, judged by the entry distances summed over the rays that enter both.
                    Vector<int> both = ml & mr;
                    float sumLeft = 0, sumRight = 0;
                    for (int lane = 0; lane < width; lane++)
                    {
                        if (both[lane] != 0)
                        {
                            sumLeft += el[lane];
                            sumRight += er[lane];
                        }
                    }

                    if (sumRight < sumLeft)
                    {
                        (left, right) = (right, left);
                    }

                    stack[top++] = right;
                    node = left;
                    continue;
                }

                if (hitLeft || hitRight)
                {
                    node = hitLeft ? left : right;
                    continue;
                }
            }

            while (true)
            {
                if (top == 0)
                {
                    return;
                }

                node = stack[--top];
                if (PacketMask(node, o, inv, limit, out _) != Vector<int>.Zero)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Per-axis lanes of a packet: the shared origin broadcast, or the rays' inverse directions.</summary>
    private readonly record struct PacketOrigin(Vector<float> X, Vector<float> Y, Vector<float> Z);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private Vector<int> PacketMask(int node, in PacketOrigin o, in PacketOrigin inv, Vector<float> limit, out Vector<float> enter) =>
        BoxMask(_nodes[node].Min, _nodes[node].Max, o, inv, limit, out enter);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector<int> BoxMask(Vector3 min, Vector3 max, in PacketOrigin o, in PacketOrigin inv, Vector<float> limit, out Vector<float> enter)
    {
        Vector<float> x0 = (new Vector<float>(min.X) - o.X) * inv.X, x1 = (new Vector<float>(max.X) - o.X) * inv.X;
        Vector<float> y0 = (new Vector<float>(min.Y) - o.Y) * inv.Y, y1 = (new Vector<float>(max.Y) - o.Y) * inv.Y;
        Vector<float> z0 = (new Vector<float>(min.Z) - o.Z) * inv.Z, z1 = (new Vector<float>(max.Z) - o.Z) * inv.Z;
        enter = Vector.Max(Vector.Max(Vector.Min(x0, x1), Vector.Min(y0, y1)), Vector.Max(Vector.Min(z0, z1), Vector<float>.Zero));
        Vector<float> exit = Vector.Min(Vector.Min(Vector.Max(x0, x1), Vector.Max(y0, y1)), Vector.Min(Vector.Max(z0, z1), limit));
        return Vector.LessThanOrEqual(enter, exit);
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
            Vector3 lo = _nodes[node].Min, hi = _nodes[node].Max;
            if (lo.X > query.Max.X || hi.X < query.Min.X || lo.Y > query.Max.Y || hi.Y < query.Min.Y || lo.Z > query.Max.Z || hi.Z < query.Min.Z)
            {
                continue;
            }

            int count = _nodes[node].Count;
            if (count > 0)
            {
                for (int k = 0; k < count; k++)
                {
                    if (visit(state, _items[_nodes[node].First + k]))
                    {
                        return true;
                    }
                }
            }
            else if (_nodes[node].First > 0)
            {
                stack[top++] = _nodes[node].First;
                stack[top++] = node + 1;
            }
        }

        return false;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool Slab(int node, Vector3 origin, Vector3 inv, float tMax, out float enter)
    {
        ref Node n = ref _nodes[node];
        Vector3 t0 = (n.Min - origin) * inv;
        Vector3 t1 = (n.Max - origin) * inv;
        Vector3 near = Vector3.Min(t0, t1);
        Vector3 far = Vector3.Max(t0, t1);
        enter = MathF.Max(MathF.Max(near.X, near.Y), MathF.Max(near.Z, 0f));
        float exit = MathF.Min(MathF.Min(far.X, far.Y), MathF.Min(far.Z, tMax));
        return enter <= exit;
    }
}
