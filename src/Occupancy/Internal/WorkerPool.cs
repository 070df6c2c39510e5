using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Occupancy;

/// <summary>A unit of parallel work: <see cref="Execute"/> runs once for each index, on some worker.</summary>
internal abstract class ParallelJob
{
    /// <summary>Runs item <paramref name="index"/> on worker <paramref name="worker"/> (0 is the calling thread).</summary>
    public abstract void Execute(int index, int worker);
}

/// <summary>
/// A fixed set of background threads that run <see cref="ParallelJob"/>s with the calling thread, handing out
/// indices through one interlocked counter. Unlike Parallel.For it allocates nothing per run, which keeps
/// per-frame integration allocation-free. Runs are serialised: one job at a time per pool.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One pool lives as long as the process; its threads never end.")]
internal sealed class WorkerPool
{
    private static readonly Lazy<WorkerPool> LazyShared = new(() => new WorkerPool(Environment.ProcessorCount - 1));

    /// <summary>Spins of about half a microsecond each that an idle helper makes before it blocks (~100 µs in all).</summary>
    private const int SpinLimit = 200;

    private readonly object _runLock = new();
    private readonly object _wakeLock = new();
    private readonly ManualResetEventSlim _done = new(false, spinCount: 2000);
    private int _generation;
    private readonly int _helpers;
    private ParallelJob? _job;
    private int _count;
    private int _next;
    private int _pending;

    /// <summary>
    /// A run's tickets in one word: its generation (bits 32–63), the helpers it wants (16–31) and the helper ids handed
    /// out so far (0–15). A helper takes an id with one increment and learns, from the same value, which run the id is
    /// for and whether that run wants it; read apart, a helper held up between reading them could take an id of the
    /// next run that another helper also got. Once every item is taken the caller lowers the want to the ids handed
    /// out, so that a helper arriving later takes no part.
    /// </summary>
    private long _ticket;
    private Exception? _failure;

    private WorkerPool(int helpers)
    {
        _helpers = Math.Clamp(helpers, 0, 0x7FFF); // ids and wants are 16-bit fields of the ticket
        for (int i = 0; i < _helpers; i++)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Occupancy worker {i + 1}" };
            thread.Start();
        }
    }

    /// <summary>The process-wide pool: one helper thread per logical core beyond the first.</summary>
    public static WorkerPool Shared => LazyShared.Value;

    /// <summary>Workers available to a run: the helpers plus the calling thread.</summary>
    public int WorkerCount => _helpers + 1;

    /// <summary>Runs <paramref name="job"/> for indices 0 to count − 1 on at most <paramref name="maxWorkers"/> threads; returns when all are done.</summary>
    public void Run(ParallelJob job, int count, int maxWorkers)
    {
        int helpers = Math.Min(Math.Min(maxWorkers, WorkerCount) - 1, count - 1);
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++)
            {
                job.Execute(i, 0);
            }

            return;
        }

        lock (_runLock)
        {
            _job = job;
            _count = count;
            _next = 0;
            _pending = helpers;
            _failure = null;
            _done.Reset();
            int generation = _generation + 1;
            Interlocked.Exchange(ref _ticket, ((long)generation << 32) | ((long)helpers << 16));
            lock (_wakeLock)
            {
                Volatile.Write(ref _generation, generation);
                Monitor.PulseAll(_wakeLock);
            }

            Work(0);

            // Every item is taken. Close the run to helpers that have not taken an id yet (their ids now fall above its
            // want) and wait only for those that did: a helper the host holds back (on this project's 2-vCPU VM a
            // tenth of runs start 0.1-0.5 ms late, one in eight later still) no longer holds up a run it has no work
            // left in. The caller's waits in a two-thread discretized frame: 0.31-0.37 -> 0.26-0.30 ms.
            long ticket = Volatile.Read(ref _ticket);
            while (true)
            {
                int ids = (int)(ticket & 0xFFFF), wanted = (int)((ticket >> 16) & 0xFFFF);
                int joined = Math.Min(ids, wanted);
                long closed = (ticket & ~0xFFFF0000L) | ((long)joined << 16);
                long before = Interlocked.CompareExchange(ref _ticket, closed, ticket);
                if (before == ticket)
                {
                    if (wanted > joined && Interlocked.Add(ref _pending, joined - wanted) == 0)
                    {
                        _done.Set();
                    }

                    break;
                }

                ticket = before;
            }

            _done.Wait();
            _job = null;
            if (_failure is not null)
            {
                ExceptionDispatchInfo.Capture(_failure).Throw();
            }
        }
    }

    private void Work(int worker)
    {
        ParallelJob job = _job!;
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count)
        {
            try
            {
                job.Execute(i, worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                Volatile.Write(ref _next, _count); // stop handing out work
            }
        }
    }

    /// <summary>
    /// Waits for the next run: spins briefly first, because runs come in bursts (two or three per integrated frame) and
    /// waking a blocked thread costs tens of microseconds, a noticeable share of a millisecond frame.
    /// </summary>
    private void Loop()
    {
        int seen = 0;
        while (true)
        {
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen && spins++ < SpinLimit)
            {
                Thread.SpinWait(20);
            }

            if (Volatile.Read(ref _generation) == seen)
            {
                lock (_wakeLock)
                {
                    while (_generation == seen)
                    {
                        Monitor.Wait(_wakeLock);
                    }
                }
            }

            // A run may want fewer helpers than there are threads; the others go back to waiting. The id, the run it
            // belongs to and how many helpers that run wants all come from one increment.
            long ticket = Interlocked.Increment(ref _ticket);
            seen = (int)(ticket >> 32);
            int id = (int)(ticket & 0xFFFF), wanted = (int)((ticket >> 16) & 0xFFFF);
            if (id > wanted)
            {
                continue;
            }

            Work(id);
            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.Set();
            }
        }
    }
}
