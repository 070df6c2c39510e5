using System.Numerics;

namespace Occupancy;

/// <summary>
/// One object a <see cref="FlowEstimator"/> follows: a cluster of young occupied voxels matched from frame to frame.
/// World frame, metres, z up; seconds; metres per second.
/// </summary>
/// <param name="Id">Identity, kept while the object is followed; never reused by the same estimator.</param>
/// <param name="Position">Centroid of the cluster's returns at the last frame it was seen.</param>
/// <param name="Velocity">Velocity: the least-squares slope of the accumulated displacement over the estimator's window.</param>
/// <param name="Voxels">Voxels of the cluster at the last frame it was seen.</param>
/// <param name="Frames">Frames it has been seen in.</param>
/// <param name="FirstSeen">Timestamp of the first frame it was seen in.</param>
/// <param name="LastSeen">Timestamp of the last frame it was seen in.</param>
/// <param name="IsMoving">True when it has been seen in enough frames and its speed reaches the estimator's minimum.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct FlowTrack(int Id, Vector3 Position, Vector3 Velocity, int Voxels, int Frames, double FirstSeen, double LastSeen, bool IsMoving);
