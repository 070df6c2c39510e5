using System;
using System.Collections.Generic;

namespace Occupancy;

/// <summary>
/// Claim lists between scans, process-wide: each worker of a scan takes a list of the voxels it claims free and one of
/// those it claims hit when the scan starts, and gives both back once the claims are applied (or the scan failed). A
/// list sized for one scan serves the next integrator's scans too: a new integrator's first scan otherwise grew its
/// lists from a few thousand entries by doubling, copying each time and faulting in every new page (on a VLP-16 scan at
/// 5 cm, 3.3 million claims, close to half a fresh build's page faults). Like <see cref="WalkGridPool"/>, at most one
/// list per logical core waits in each pool, the largest kept, so memory stays what one integrator's lists take
/// however many integrators a program makes.
/// </summary>
internal sealed class ClaimListPool
{
    /// <summary>Lists of the voxels claimed free.</summary>
    public static readonly ClaimListPool FreeLists = new();

    /// <summary>Lists of the voxels claimed hit.</summary>
    public static readonly ClaimListPool HitLists = new();

    private readonly List<int[]> _lists = [];

    /// <summary>Most lists kept waiting in each pool.</summary>
    public static int Capacity { get; } = Environment.ProcessorCount;

    /// <summary>The largest waiting list when it holds <paramref name="minimumLength"/> entries, else a new one of that length (contents undefined).</summary>
    public int[] Rent(int minimumLength)
    {
        lock (_lists)
        {
            int largest = -1;
            for (int i = 0; i < _lists.Count; i++)
            {
                if (largest < 0 || _lists[i].Length > _lists[largest].Length)
                {
                    largest = i;
                }
            }

            if (largest >= 0 && _lists[largest].Length >= minimumLength)
            {
                int[] list = _lists[largest];
                _lists.RemoveAt(largest);
                return list;
            }
        }

        return GC.AllocateUninitializedArray<int>(minimumLength);
    }

    /// <summary>Takes a list back; when <see cref="Capacity"/> lists wait already, it replaces the smallest if it is larger.</summary>
    public void Return(int[] list)
    {
        lock (_lists)
        {
            if (_lists.Count < Capacity)
            {
                _lists.Add(list);
                return;
            }

            int smallest = 0;
            for (int i = 1; i < _lists.Count; i++)
            {
                if (_lists[i].Length < _lists[smallest].Length)
                {
                    smallest = i;
                }
            }

            if (_lists[smallest].Length < list.Length)
            {
                _lists[smallest] = list;
            }
        }
    }
}
