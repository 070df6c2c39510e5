using System;

namespace Occupancy;

/// <summary>
/// What a depth frame's returns add up to: how many pixels hold a return (positive, finite depth), the deepest return,
/// and how many returns lie beyond the maximum range (Euclidean, from the camera). <see cref="EndpointKernel"/> sums
/// them row by row.
/// </summary>
internal readonly record struct DepthSummary(int Valid, float MaxDepth, int BeyondRange)
{
    public bool AnyBeyondRange => BeyondRange > 0;

    /// <summary>Joins the summaries of two disjoint sets of rows.</summary>
    public static DepthSummary Combine(DepthSummary a, DepthSummary b) => new(a.Valid + b.Valid, Math.Max(a.MaxDepth, b.MaxDepth), a.BeyondRange + b.BeyondRange);
}
