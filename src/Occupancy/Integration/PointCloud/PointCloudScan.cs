using System;
using System.Numerics;

namespace Occupancy;

/// <summary>
/// One sensor's point cloud with the origin of its rays, for integrating several sensors of one body as one update
/// (<see cref="PointCloudIntegrator.IntegrateWorldFrame(System.Collections.Generic.IReadOnlyList{PointCloudScan})"/>). World frame,
/// metres, z up.
/// </summary>
/// <param name="Points">Endpoints, world frame, metres; non-finite points are no return.</param>
/// <param name="Origin">Origin of every ray of this scan, world frame, metres.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public readonly record struct PointCloudScan(ReadOnlyMemory<Vector3> Points, Vector3 Origin);
