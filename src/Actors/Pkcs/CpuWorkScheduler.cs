using System.Collections.Concurrent;

namespace CertConnector.Actors.Pkcs;

/// <summary>
/// Runs CPU-bound PKCS work (key generation, the CSR, a local CA's signature, sealing the PKCS#12) on a few dedicated
/// threads, first come first served, instead of on the .NET thread pool. On the pool, a burst of such work items queues
/// in front of everything else: HTTP requests to the admin API and the actor dispatchers waited behind key generations
/// (POSTs stalled for a second during a burst), and blocked pool threads made the pool inject more threads slowly. Here
/// at most <c>threads</c> items run at once and the pool stays free. The threads start on first use and are background
/// threads (they end with the process).
/// </summary>
public sealed class CpuWorkScheduler(int threads, string name) : TaskScheduler
{
    private readonly BlockingCollection<Task> _queue = new();
    private int _started;

    public override int MaximumConcurrencyLevel { get; } = Math.Max(1, threads);

    /// <summary>Runs <paramref name="work"/> on one of the threads; what follows its first real await runs wherever that
    /// await resumes (the thread pool), so an asynchronous step holds a thread only while it computes.</summary>
    public Task<T> Run<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task)
    {
        if (Interlocked.CompareExchange(ref _started, 1, 0) == 0)
            for (var i = 0; i < MaximumConcurrencyLevel; i++)
                new Thread(Loop) { IsBackground = true, Name = $"{name}-{i}" }.Start();
        _queue.Add(task);
    }

    private void Loop()
    {
        foreach (var task in _queue.GetConsumingEnumerable()) TryExecuteTask(task);
    }

    // Never inline: the caller is an actor or a pool thread, which is exactly where this work must not run.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();
}
