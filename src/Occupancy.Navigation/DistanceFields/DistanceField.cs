using System;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>
/// The Euclidean distance from every voxel centre of a bounded region to the nearest occupied voxel centre in that
/// region, exact (a separable exact distance transform, not a chamfer approximation), in metres, with its gradient.
/// World frame: metres, z up. Obstacles outside the region are not seen: make the region larger than the largest
/// distance you need by that margin.
/// </summary>
/// <remarks>Threads: immutable once built, so safe to share between threads.</remarks>
public sealed class DistanceField : VoxelGrid
{
    /// <summary>The largest region, in voxels, a field may cover (64 Mi voxels, 256 MiB of floats).</summary>
    public const long MaxVoxels = 64L << 20;

    private readonly float[] _distance;

    private DistanceField(VoxelKey origin, int sizeX, int sizeY, int sizeZ, double resolution, float[] distance)
        : base(origin, sizeX, sizeY, sizeZ, resolution) => _distance = distance;

    /// <summary>True when the region holds at least one obstacle; otherwise every distance is infinite.</summary>
    public bool HasObstacles { get; private set; }

    /// <summary>
    /// Computes the field over the voxels whose centres lie in <paramref name="region"/>.
    /// </summary>
    /// <param name="map">The map.</param>
    /// <param name="region">World box, metres.</param>
    /// <param name="unknown">Unknown voxels as free (<see cref="UnknownPolicy.TreatAsFree"/>) or as obstacles (<see cref="UnknownPolicy.TreatAsOccupied"/>).</param>
    /// <exception cref="ArgumentException">The region holds no voxel centre or more than <see cref="MaxVoxels"/>, or the policy is <see cref="UnknownPolicy.Report"/>.</exception>
    public static DistanceField Compute(OccupancyMap map, Aabb region, UnknownPolicy unknown)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (unknown is not (UnknownPolicy.TreatAsFree or UnknownPolicy.TreatAsOccupied))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(unknown), unknown, "a distance field treats unknown space as free or as occupied; Report has no distance.");
        }

        (VoxelKey lo, int nx, int ny, int nz) = Extent(map, region, MaxVoxels);
        var f = new float[nx * ny * nz];
        float fill = unknown == UnknownPolicy.TreatAsOccupied ? 0 : ExactDistanceTransform.Far;
        Array.Fill(f, fill);
        // Known voxels: occupied ones are seeds, free ones are not (whatever the policy for unknown ones).
        foreach (VoxelInfo v in map.EnumerateVoxelsIn(region))
        {
            int i = (((v.Key.Z - lo.Z) * ny) + (v.Key.Y - lo.Y)) * nx + (v.Key.X - lo.X);
            f[i] = v.State == VoxelState.Occupied ? 0 : ExactDistanceTransform.Far;
        }

        bool any = Array.IndexOf(f, 0f) >= 0;
        ExactDistanceTransform.Squared(f, nx, ny, nz);
        float r = (float)map.Resolution;
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = f[i] >= ExactDistanceTransform.Far / 2 ? float.PositiveInfinity : MathF.Sqrt(f[i]) * r;
        }

        return new DistanceField(lo, nx, ny, nz, map.Resolution, f) { HasObstacles = any };
    }

    /// <summary>Distance in metres from the centre of a voxel of the region to the nearest obstacle centre; infinity when the region has none.</summary>
    /// <param name="key">A voxel of the region.</param>
    /// <exception cref="ArgumentOutOfRangeException">The voxel lies outside the region.</exception>
    public float Distance(VoxelKey key)
    {
        if (!TryIndex(key, out int i))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(key), key, "key lies outside the distance field's region.");
        }

        return _distance[i];
    }

    /// <summary>
    /// A 2D slice of the field: the distances of one horizontal layer of voxels (row-major, x fastest, SizeX × SizeY),
    /// metres, to the nearest obstacle anywhere in the 3D region.
    /// </summary>
    /// <param name="height">World z of the layer, metres.</param>
    /// <exception cref="ArgumentOutOfRangeException">The height lies outside the region.</exception>
    public float[] Slice(float height)
    {
        int z = (int)Math.Floor(height / Resolution) - Origin.Z;
        if ((uint)z >= (uint)SizeZ || !float.IsFinite(height))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(height), height, "height lies outside the distance field's region.");
        }

        return _distance.AsSpan(z * SizeX * SizeY, SizeX * SizeY).ToArray();
    }

    /// <summary>Distance at a world point (the value of the voxel holding it), or NaN outside the region.</summary>
    /// <param name="point">World frame, metres.</param>
    public float Distance(Vector3 point) => TryIndex(KeyOf(point), out int i) ? _distance[i] : float.NaN;

    /// <summary>
    /// Gradient of the distance at a world point by central differences between neighbouring voxels (one-sided at the
    /// region's faces), metres per metre; it points away from the nearest obstacle. Zero vector outside the region.
    /// </summary>
    /// <param name="point">World frame, metres.</param>
    public Vector3 Gradient(Vector3 point)
    {
        VoxelKey k = KeyOf(point);
        if (!TryIndex(k, out _))
        {
            return Vector3.Zero;
        }

        return new Vector3(Difference(k, 1, 0, 0), Difference(k, 0, 1, 0), Difference(k, 0, 0, 1));
    }

    private float Difference(VoxelKey k, int dx, int dy, int dz)
    {
        bool hasNext = TryIndex(k.Offset(dx, dy, dz), out int next);
        bool hasPrevious = TryIndex(k.Offset(-dx, -dy, -dz), out int previous);
        TryIndex(k, out int here);
        float a = hasPrevious ? _distance[previous] : _distance[here];
        float b = hasNext ? _distance[next] : _distance[here];
        int steps = (hasNext ? 1 : 0) + (hasPrevious ? 1 : 0);
        if (steps == 0 || !float.IsFinite(a) || !float.IsFinite(b))
        {
            return 0;
        }

        return (b - a) / (float)(steps * Resolution);
    }

    private VoxelKey KeyOf(Vector3 p)
    {
        double inv = 1.0 / Resolution;
        return new VoxelKey((int)Math.Floor(p.X * inv), (int)Math.Floor(p.Y * inv), (int)Math.Floor(p.Z * inv));
    }

}
