using CertConnector.Actors.Pkcs;

namespace CertConnector.Actors.Tests.Pkcs;

public sealed class CpuWorkSchedulerTests
{
    [Fact]
    public async Task Work_runs_on_its_own_threads_never_more_than_the_limit_at_once_and_in_order()
    {
        var scheduler = new CpuWorkScheduler(2, "test-cpu");
        var running = 0;
        var peak = 0;
        var onPool = false;
        var started = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var tasks = Enumerable.Range(0, 8).Select(i => scheduler.Run(() =>
        {
            started.Enqueue(i);
            onPool |= Thread.CurrentThread.IsThreadPoolThread;
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            Thread.Sleep(50); // CPU-bound work stands in here
            Interlocked.Decrement(ref running);
            return Task.FromResult(i);
        })).ToList();

        Assert.Equal(Enumerable.Range(0, 8), await Task.WhenAll(tasks));
        Assert.False(onPool);
        Assert.Equal(2, peak);
        // First come, first served: no item starts before one queued two places ahead of it.
        var order = started.ToList();
        Assert.All(order.Select((item, position) => (item, position)), x => Assert.True(Math.Abs(x.item - x.position) <= 1, string.Join(",", order)));
    }

    [Fact]
    public async Task A_failure_reaches_the_caller()
    {
        var scheduler = new CpuWorkScheduler(1, "test-cpu");
        await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.Run<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(3, await scheduler.Run(() => Task.FromResult(3))); // the thread survived
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
