using System;
using System.Numerics;

namespace Occupancy.Files;

/// <summary>
/// OctoMap's Pose6D and Quaternion arithmetic (octomath, float), operation for operation, so that points a scan graph
/// holds land in the same voxels as in OctoMap's graph2tree: rotate(v) = q · (0, v) · q⁻¹ with OctoMap's product, the
/// inverse pose from the normalised conjugate. Quaternions are (u, x, y, z) = (w, x, y, z).
/// </summary>
internal readonly record struct OctoMapPose(Vector3 Translation, float U, float X, float Y, float Z)
{
    /// <summary>OctoMap's Pose6D::transform: rot.rotate(v) + trans.</summary>
    public Vector3 Transform(Vector3 v) => Rotate(U, X, Y, Z, v) + Translation;

    /// <summary>OctoMap's Pose6D::inv: rotation the normalised conjugate, translation that rotation applied to −trans.</summary>
    public OctoMapPose Inverse()
    {
        (float u, float x, float y, float z) = Normalized(U, -X, -Y, -Z);
        return new OctoMapPose(Rotate(u, x, y, z, -Translation), u, x, y, z);
    }

    /// <summary>The sensor origin graph2tree passes to insertPointCloud: the pose's translation, there and back.</summary>
    public Vector3 GraphOrigin() => Transform(Inverse().Transform(Translation));

    private static Vector3 Rotate(float u, float x, float y, float z, Vector3 v)
    {
        (float pu, float px, float py, float pz) = Multiply(u, x, y, z, 0f, v.X, v.Y, v.Z);
        (_, float rx, float ry, float rz) = Multiply(pu, px, py, pz, u, -x, -y, -z);
        return new Vector3(rx, ry, rz);
    }

    /// <summary>Quaternion::operator*, term for term (float arithmetic, no fused operations).</summary>
    private static (float U, float X, float Y, float Z) Multiply(float au, float ax, float ay, float az, float bu, float bx, float by, float bz) =>
        ((au * bu) - (ax * bx) - (ay * by) - (az * bz),
         (ay * bz) - (by * az) + (au * bx) + (bu * ax),
         (az * bx) - (bz * ax) + (au * by) + (bu * ay),
         (ax * by) - (bx * ay) + (au * bz) + (bu * az));

    /// <summary>Quaternion::normalized: the norm in double from float squares, each component divided by it as float.</summary>
    private static (float, float, float, float) Normalized(float u, float x, float y, float z)
    {
        double n = 0;
        n += u * u;
        n += x * x;
        n += y * y;
        n += z * z;
        float length = (float)Math.Sqrt(n);
        return length > 0 ? (u / length, x / length, y / length, z / length) : (u, x, y, z);
    }
}
