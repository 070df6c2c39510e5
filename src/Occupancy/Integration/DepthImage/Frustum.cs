using System;
using System.Numerics;

namespace Occupancy;

/// <summary>
/// The camera's viewing pyramid, cut at a far depth and a maximum range: which bricks it can touch.
/// Planes are kept in the optical frame, where each brick is tested through its voxel-centre box.
/// </summary>
internal readonly struct Frustum
{
    private const float HalfSpan = (VoxelKey.BrickSize - 1) * 0.5f;
    private readonly Vector3 _left, _right, _top, _bottom;
    private readonly float _zFar;
    private readonly float _maxRange;

    // Per frame, from the voxel steps: a brick's voxel-centre box is its centre (origin + _toCentre) plus the extents
    // ex, ey, ez; their reach along z, along each plane's normal and as a radius is the same for every brick.
    private readonly Vector3 _toCentre;
    private readonly float _reachZ, _reachLeft, _reachRight, _reachTop, _reachBottom, _radius;

    /// <summary>The frustum of a camera at <paramref name="pose"/>, for bricks whose voxel steps in the optical frame are given.</summary>
    /// <param name="k">Intrinsics.</param>
    /// <param name="pose">Pose of the optical frame in the world frame (metres, z up).</param>
    /// <param name="zFar">Farthest depth along the optical axis that can be updated, metres.</param>
    /// <param name="maxRange">Maximum range from the camera, metres.</param>
    /// <param name="resolution">Voxel edge, metres.</param>
    /// <param name="stepX">Optical-frame step of one voxel along world x.</param>
    /// <param name="stepY">Optical-frame step of one voxel along world y.</param>
    /// <param name="stepZ">Optical-frame step of one voxel along world z.</param>
    public Frustum(in PinholeIntrinsics k, in Pose3 pose, float zFar, float maxRange, double resolution, Vector3 stepX, Vector3 stepY, Vector3 stepZ)
    {
        _zFar = zFar;
        _maxRange = maxRange;
        // Image corners (pixel edges, not centres) at z = 1.
        float u0 = (-0.5f - k.Cx) / k.Fx, u1 = (k.Width - 0.5f - k.Cx) / k.Fx;
        float v0 = (-0.5f - k.Cy) / k.Fy, v1 = (k.Height - 0.5f - k.Cy) / k.Fy;
        var c00 = new Vector3(u0, v0, 1);
        var c10 = new Vector3(u1, v0, 1);
        var c01 = new Vector3(u0, v1, 1);
        var c11 = new Vector3(u1, v1, 1);
        var inside = new Vector3((u0 + u1) * 0.5f, (v0 + v1) * 0.5f, 1);
        _left = Inward(Vector3.Cross(c00, c01), inside);
        _right = Inward(Vector3.Cross(c10, c11), inside);
        _top = Inward(Vector3.Cross(c00, c10), inside);
        _bottom = Inward(Vector3.Cross(c01, c11), inside);

        // World box of the pyramid, intersected with the box of the range sphere.
        Vector3 apex = pose.Position;
        Vector3 min = apex, max = apex;
        foreach (Vector3 c in (ReadOnlySpan<Vector3>)[c00, c10, c01, c11])
        {
            Vector3 w = pose.Transform(c * zFar);
            min = Vector3.Min(min, w);
            max = Vector3.Max(max, w);
        }

        min = Vector3.Max(min, apex - new Vector3(maxRange));
        max = Vector3.Min(max, apex + new Vector3(maxRange));
        double inv = 1.0 / resolution;
        BrickMin = new VoxelKey(BrickOf(min.X, inv), BrickOf(min.Y, inv), BrickOf(min.Z, inv));
        BrickMax = new VoxelKey(BrickOf(max.X, inv), BrickOf(max.Y, inv), BrickOf(max.Z, inv));

        _toCentre = HalfSpan * (stepX + stepY + stepZ);
        Vector3 ex = HalfSpan * stepX, ey = HalfSpan * stepY, ez = HalfSpan * stepZ;
        _reachZ = MathF.Abs(ex.Z) + MathF.Abs(ey.Z) + MathF.Abs(ez.Z);
        _reachLeft = Reach(_left, ex, ey, ez);
        _reachRight = Reach(_right, ex, ey, ez);
        _reachTop = Reach(_top, ex, ey, ez);
        _reachBottom = Reach(_bottom, ex, ey, ez);
        _radius = ex.Length() * MathF.Sqrt(3f);
    }

    /// <summary>Smallest brick coordinate that may intersect (as a key of brick indices).</summary>
    public VoxelKey BrickMin { get; }

    /// <summary>Largest brick coordinate that may intersect.</summary>
    public VoxelKey BrickMax { get; }

    /// <summary>
    /// False when no voxel centre of the brick can lie inside the pyramid, before the far plane and within range.
    /// </summary>
    /// <param name="origin">Optical-frame centre of the brick's voxel (0, 0, 0).</param>
    public bool Intersects(Vector3 origin)
    {
        Vector3 center = origin + _toCentre;
        if (center.Z - _reachZ > _zFar)
        {
            return false;
        }

        if (center.Length() - _radius > _maxRange)
        {
            return false;
        }

        // Some part of the box lies on the inner side of each plane through the apex.
        return Vector3.Dot(_left, center) + _reachLeft >= 0 && Vector3.Dot(_right, center) + _reachRight >= 0 &&
               Vector3.Dot(_top, center) + _reachTop >= 0 && Vector3.Dot(_bottom, center) + _reachBottom >= 0;
    }

    /// <summary>
    /// Of a row of <paramref name="count"/> bricks whose origins are <paramref name="origin0"/> + t · <paramref name="brickStep"/>,
    /// the t from <c>First</c> to <c>Last</c> that may pass <see cref="Intersects"/> (First &gt; Last for none): each
    /// plane and the far depth are linear in t, so the row meets them in one interval, widened here by a brick on each
    /// side for rounding. The caller still tests each brick; this only spares the rest of the frustum's box (about five
    /// bricks in six).
    /// </summary>
    public (int First, int Last) RowSpan(Vector3 origin0, Vector3 brickStep, int count)
    {
        Vector3 c0 = origin0 + _toCentre;
        float lo = 0, hi = count - 1;
        Limit(Vector3.Dot(_left, c0) + _reachLeft, Vector3.Dot(_left, brickStep), ref lo, ref hi);
        Limit(Vector3.Dot(_right, c0) + _reachRight, Vector3.Dot(_right, brickStep), ref lo, ref hi);
        Limit(Vector3.Dot(_top, c0) + _reachTop, Vector3.Dot(_top, brickStep), ref lo, ref hi);
        Limit(Vector3.Dot(_bottom, c0) + _reachBottom, Vector3.Dot(_bottom, brickStep), ref lo, ref hi);
        Limit(_zFar + _reachZ - c0.Z, -brickStep.Z, ref lo, ref hi);
        if (!(lo <= hi))
        {
            return (1, 0);
        }

        return (Math.Max(0, (int)MathF.Floor(lo) - 1), Math.Min(count - 1, (int)MathF.Ceiling(hi) + 1));
    }

    /// <summary>Narrows [lo, hi] to the t where a + t · b ≥ 0 (within a small tolerance).</summary>
    private static void Limit(float a, float b, ref float lo, ref float hi)
    {
        const float tolerance = 1e-3f; // metres: far below a brick, far above the rounding of a + t·b
        a += tolerance;
        if (b > 1e-9f)
        {
            lo = MathF.Max(lo, -a / b);
        }
        else if (b < -1e-9f)
        {
            hi = MathF.Min(hi, a / -b);
        }
        else if (a < 0)
        {
            hi = -1; // parallel to the plane and outside it
        }
    }

    private static float Reach(Vector3 n, Vector3 ex, Vector3 ey, Vector3 ez) =>
        MathF.Abs(Vector3.Dot(n, ex)) + MathF.Abs(Vector3.Dot(n, ey)) + MathF.Abs(Vector3.Dot(n, ez));

    private static Vector3 Inward(Vector3 n, Vector3 inside) => Vector3.Dot(n, inside) < 0 ? -n : n;

    private static int BrickOf(float coordinate, double inverseResolution) =>
        (int)Math.Floor(coordinate * inverseResolution) >> VoxelKey.BrickShift;
}
