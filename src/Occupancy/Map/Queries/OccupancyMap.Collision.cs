using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Occupancy;

/// <summary>Collision of solid shapes with the map. World frame, metres, z up.</summary>
public sealed partial class OccupancyMap
{
    /// <summary>
    /// Tests a solid shape at a pose against the map, voxel by voxel: a voxel counts when its cube and the shape share
    /// interior volume. World frame, metres.
    /// </summary>
    /// <param name="shape">A box, sphere or capsule.</param>
    /// <param name="pose">Pose of the shape's body frame in the world.</param>
    /// <param name="unknown">
    /// Whether unknown voxels collide (<see cref="UnknownPolicy.TreatAsOccupied"/>, the safe choice for a robot) or not
    /// (<see cref="UnknownPolicy.TreatAsFree"/>, <see cref="UnknownPolicy.Report"/>); they are counted either way.
    /// Observed occupied voxels collide under every policy.
    /// </param>
    /// <exception cref="ArgumentException">The pose is not finite, or the shape spans more than 2^24 voxels.</exception>
    public CollisionResult CheckCollision(CollisionShape shape, Pose3 pose, UnknownPolicy unknown)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ThrowHelper.ThrowIfUndefined(unknown, nameof(unknown));
        if (!pose.IsFinite)
        {
            ThrowHelper.Argument(nameof(pose), string.Create(CultureInfo.InvariantCulture, $"pose must be finite, but was {pose}."));
        }

        float reach = shape.BoundingRadius;
        Vector3 c = pose.Position;
        VoxelKey hi = default;
        if (!TryGetKey(c - new Vector3(reach), out VoxelKey lo) || !TryGetKey(c + new Vector3(reach), out hi) ||
            BoxSize.Exceeds(hi.X - lo.X + 1, hi.Y - lo.Y + 1, hi.Z - lo.Z + 1, 1 << 24))
        {
            ThrowHelper.Argument(nameof(shape), string.Create(CultureInfo.InvariantCulture, $"a shape of bounding radius {reach} m at {c} leaves the map or spans more than 2^24 voxels."));
        }

        float side = (float)Resolution;
        int occupied = 0, unknownCount = 0;
        for (int z = lo.Z; z <= hi.Z; z++)
        {
            for (int y = lo.Y; y <= hi.Y; y++)
            {
                for (int x = lo.X; x <= hi.X; x++)
                {
                    var min = new Vector3((float)((x * Resolution) - c.X), (float)((y * Resolution) - c.Y), (float)((z * Resolution) - c.Z));
                    if (!shape.Overlaps(min, side, pose.Rotation))
                    {
                        continue;
                    }

                    VoxelState s = GetState(new VoxelKey(x, y, z));
                    occupied += s == VoxelState.Occupied ? 1 : 0;
                    unknownCount += s == VoxelState.Unknown ? 1 : 0;
                }
            }
        }

        return new CollisionResult(occupied, unknownCount, occupied > 0 || (unknown == UnknownPolicy.TreatAsOccupied && unknownCount > 0));
    }
}
