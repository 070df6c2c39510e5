using System;
using System.Threading;
using Xunit;

namespace Occupancy.Tests.Internal;

public class WorkerPoolTests
{
    /// <summary>Counts each index and checks that no worker id is in use on two threads at once.</summary>
    private sealed class CheckingJob : ParallelJob
    {
        public int[] Runs = [];
        public int[] Busy = [];
        public int Clashes;
        public int BadWorker;

        public override void Execute(int index, int worker)
        {
            if ((uint)worker >= (uint)Busy.Length)
            {
                Interlocked.Increment(ref BadWorker);
                return;
            }

            if (Interlocked.Increment(ref Busy[worker]) != 1)
            {
                Interlocked.Increment(ref Clashes);
            }

            Interlocked.Increment(ref Runs[index]);
            Thread.SpinWait(50 + (index * 7 % 300));
            Interlocked.Decrement(ref Busy[worker]);
        }
    }

    [Fact]
    public void Every_index_runs_once_and_a_worker_id_is_never_shared()
    {
        // Runs that want different numbers of helpers, back to back: a helper that is late for one run must not take
        // an id of the next one that another helper also has (each worker id owns per-thread state in the integrators).
        // Set OCCUPANCY_SOAK=1 for a long run.
        WorkerPool pool = WorkerPool.Shared;
        int runs = Environment.GetEnvironmentVariable("OCCUPANCY_SOAK") == "1" ? 200_000 : 3_000;
        var random = new Random(41);
        var job = new CheckingJob { Busy = new int[pool.WorkerCount] };
        for (int r = 0; r < runs; r++)
        {
            int count = 1 + random.Next(24);
            int maxWorkers = 1 + random.Next(pool.WorkerCount + 1);
            job.Runs = new int[count];
            pool.Run(job, count, maxWorkers);
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(1, job.Runs[i]);
            }
        }

        Assert.Equal(0, job.Clashes);
        Assert.Equal(0, job.BadWorker);
        Assert.All(job.Busy, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_failing_item_is_rethrown_after_the_run_and_the_pool_keeps_working()
    {
        var failing = new FailingJob();
        var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.Shared.Run(failing, 64, int.MaxValue));
        Assert.Equal("item 13", e.Message);
        var job = new CheckingJob { Busy = new int[WorkerPool.Shared.WorkerCount], Runs = new int[40] };
        WorkerPool.Shared.Run(job, 40, int.MaxValue);
        Assert.All(job.Runs, n => Assert.Equal(1, n));
    }

    private sealed class FailingJob : ParallelJob
    {
        public override void Execute(int index, int worker)
        {
            if (index == 13)
            {
                throw new InvalidOperationException("item 13");
            }
        }
    }
}
