using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Occupancy.Navigation;

/// <summary>The outcome of <see cref="GridPlanner.FindPath"/>: a path, or the fact that there is none.</summary>
/// <param name="Found">True when a path exists.</param>
/// <param name="Path">Cell centres from start to goal (world x, y, metres); empty when none.</param>
/// <param name="Length">Length of the path, metres.</param>
/// <param name="Cost">Sum over steps of step length × mean traversal cost of the two cells.</param>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record PathResult(bool Found, IReadOnlyList<Vector2> Path, float Length, float Cost);

/// <summary>
/// A* over a <see cref="TraversabilityGrid"/> with 8-connectivity (no cutting corners past impassable cells, no move
/// that rises or drops more than the grid's step limits), step cost
/// = distance × mean traversal cost of the two cells, octile-distance heuristic (admissible: every cost is at least 1).
/// Works for any <see cref="Agent"/>. World frame, metres.
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class GridPlanner
{
    /// <summary>Finds the cheapest path between two world points; no path is a result, not an exception.</summary>
    /// <param name="grid">Traversal costs of the agent.</param>
    /// <param name="start">World x and y, metres.</param>
    /// <param name="goal">World x and y, metres.</param>
    /// <exception cref="ArgumentOutOfRangeException">The start or goal is not finite or lies outside the grid.</exception>
    public static PathResult FindPath(TraversabilityGrid grid, Vector2 start, Vector2 goal)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (!grid.TryGetCell(new Vector3(start, 0), out int sx, out int sy))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(start), start, string.Create(CultureInfo.InvariantCulture, $"start {start} lies outside the {grid.Width}x{grid.Height} grid."));
        }

        if (!grid.TryGetCell(new Vector3(goal, 0), out int gx, out int gy))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(goal), goal, string.Create(CultureInfo.InvariantCulture, $"goal {goal} lies outside the {grid.Width}x{grid.Height} grid."));
        }

        var none = new PathResult(false, [], 0, 0);
        if (!grid.IsPassable(sx, sy) || !grid.IsPassable(gx, gy))
        {
            return none;
        }

        int w = grid.Width, n = w * grid.Height;
        var g = new float[n];
        Array.Fill(g, float.PositiveInfinity);
        var from = new int[n];
        var closed = new bool[n];
        var open = new PriorityQueue<int, float>();
        int startIndex = (sy * w) + sx, goalIndex = (gy * w) + gx;
        g[startIndex] = 0;
        from[startIndex] = -1;
        open.Enqueue(startIndex, Heuristic(sx, sy, gx, gy));
        float r = (float)grid.Resolution;
        while (open.TryDequeue(out int current, out _))
        {
            if (closed[current])
            {
                continue;
            }

            if (current == goalIndex)
            {
                break;
            }

            closed[current] = true;
            int cx = current % w, cy = current / w;
            float cc = grid[cx, cy];
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    int nx = cx + dx, ny = cy + dy;
                    if ((dx == 0 && dy == 0) || !grid.IsPassable(nx, ny))
                    {
                        continue;
                    }

                    if (dx != 0 && dy != 0 && (!grid.IsPassable(cx + dx, cy) || !grid.IsPassable(cx, cy + dy)))
                    {
                        continue; // no corner cutting
                    }

                    if (!grid.IsMoveAllowed(cx, cy, nx, ny))
                    {
                        continue; // a step up or down beyond the agent's limits
                    }

                    int next = (ny * w) + nx;
                    float step = (dx != 0 && dy != 0 ? MathF.Sqrt(2) : 1) * r;
                    float candidate = g[current] + (step * (cc + grid[nx, ny]) / 2);
                    if (candidate < g[next])
                    {
                        g[next] = candidate;
                        from[next] = current;
                        open.Enqueue(next, candidate + (Heuristic(nx, ny, gx, gy) * r));
                    }
                }
            }
        }

        if (float.IsPositiveInfinity(g[goalIndex]))
        {
            return none;
        }

        var path = new List<Vector2>();
        for (int i = goalIndex; i != -1; i = from[i])
        {
            path.Add(grid.CenterOf(i % w, i / w));
        }

        path.Reverse();
        float length = 0;
        for (int i = 1; i < path.Count; i++)
        {
            length += Vector2.Distance(path[i - 1], path[i]);
        }

        return new PathResult(true, path, length, g[goalIndex]);
    }

    /// <summary>Octile distance in cells.</summary>
    private static float Heuristic(int x, int y, int gx, int gy)
    {
        int dx = Math.Abs(x - gx), dy = Math.Abs(y - gy);
        return Math.Max(dx, dy) + ((MathF.Sqrt(2) - 1) * Math.Min(dx, dy));
    }
}
