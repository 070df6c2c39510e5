namespace Occupancy.Integration;

/// <summary>How a point cloud is ray cast into the map.</summary>
public enum PointCloudMode
{
    /// <summary>One exact voxel traversal per point, as OctoMap's <c>insertPointCloud</c>.</summary>
    Exact = 0,

    /// <summary>
    /// Points are first reduced to one per endpoint voxel (at the voxel centre) and one ray is cast per distinct
    /// endpoint voxel, as OctoMap's <c>insertPointCloud</c> with <c>discretize = true</c>. Much faster on dense clouds.
    /// </summary>
    Discretized = 1,
}
