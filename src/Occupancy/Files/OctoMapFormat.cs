namespace Occupancy.Files;

/// <summary>
/// Constants of OctoMap 1.9.7's files (docs/files.md): the header lines, the tree depth, the key offset. An OctoMap key
/// is this library's voxel index plus 32,768 (16 bits an axis); an octree node at depth d covers 2^(16 − d) voxels an
/// axis, and child i of a node takes key bit 15 − d of x from bit 0 of i, of y from bit 1, of z from bit 2.
/// </summary>
internal static class OctoMapFormat
{
    public const string BinaryHeader = "# Octomap OcTree binary file";
    public const string FullHeader = "# Octomap OcTree file";
    public const string Comment = "# (feel free to add / change comments, but leave the first line as it is!)";
    public const string TreeId = "OcTree";
    public const int TreeDepth = 16;
    public const int KeyOffset = 32768;

    /// <summary>Depth of a node that is one brick (8 voxels an axis).</summary>
    public const int BrickDepth = TreeDepth - VoxelKey.BrickShift;

    /// <summary>Brick coordinates OctoMap's keys can hold: −4096..4095.</summary>
    public const int MinBrick = -KeyOffset >> VoxelKey.BrickShift;

    public const int MaxBrick = ((1 << TreeDepth) - 1 - KeyOffset) >> VoxelKey.BrickShift;

    /// <summary>Format names for error messages.</summary>
    public const string BinaryName = ".bt";

    public const string FullName = ".ot";
}
