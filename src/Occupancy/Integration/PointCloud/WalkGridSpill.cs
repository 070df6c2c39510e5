using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Occupancy;

/// <summary>
/// Moves the private marks of every thread into the shared claims, split by region rather than by thread: each item
/// is one row of bricks (one y and z) of the grids, ORed over the threads' grids and claimed once. Split by thread,
/// each thread claimed all it had marked, and the threads' marks overlap near the sensor: the work did not shrink
/// with more threads. Each grid is read only over its runs' boxes in the row (<see cref="ScanWorker.RowLow"/>).
/// </summary>
internal sealed class WalkGridSpill(ScanWorker[] workers) : ParallelJob
{
    private readonly List<ScanWorker> _owners = [];
    private int _lowY, _lowZ, _highY, _highZ, _originX, _originY, _originZ;

    /// <summary>Collects the grids in use and the rows of their joint box; the number of items to run (0 for none).</summary>
    public int Start()
    {
        _owners.Clear();
        _lowY = _lowZ = int.MaxValue;
        _highY = _highZ = int.MinValue;
        foreach (ScanWorker w in workers)
        {
            if (w.GridInUse(out int ox, out int oy, out int oz, out int ly, out int lz, out int hy, out int hz))
            {
                // One scan, one origin: every grid in use was centred on it (grids are emptied after each scan).
                Debug.Assert(_owners.Count == 0 || (ox, oy, oz) == (_originX, _originY, _originZ), "grids of two origins");
                (_originX, _originY, _originZ) = (ox, oy, oz);
                _owners.Add(w);
                (_lowY, _lowZ) = (Math.Min(_lowY, ly), Math.Min(_lowZ, lz));
                (_highY, _highZ) = (Math.Max(_highY, hy), Math.Max(_highZ, hz));
            }
        }

        return _owners.Count == 0 ? 0 : (_highY - _lowY + 1) * (_highZ - _lowZ + 1);
    }

    /// <summary>After the items ran: the grids are empty again and go back to the pool. (Should a run fail part way, the scan abandons them.)</summary>
    public void Finish()
    {
        foreach (ScanWorker w in _owners)
        {
            w.ReleaseGrid();
        }

        _owners.Clear();
    }

    public override void Execute(int index, int worker)
    {
        int ny = _highY - _lowY + 1;
        workers[worker].SpillRow(_owners, _lowY + (index % ny), _lowZ + (index / ny), _originX, _originY, _originZ);
    }
}
