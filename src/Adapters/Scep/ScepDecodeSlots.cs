namespace CertConnector.Adapters.Scep;

/// <summary>
/// A fixed number of PKIOperation decodes (signature checks and the RA's private-key operation) at once, and a bounded
/// waiting room. A message that finds the slots taken waits without holding a thread; one that finds the waiting room
/// full too is refused at once rather than queued. A flood of costly messages then occupies only these slots and the
/// thread pool stays free for the admin API, OCSP and GetCACert. Only the decode holds a slot, never the wait for the CA.
/// </summary>
public sealed class ScepDecodeSlots
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;

    /// <param name="limit">decodes at once (at least 1).</param>
    /// <param name="maxWaiting">messages that may wait for a slot (0: refuse at once when all are taken).</param>
    public ScepDecodeSlots(int limit, int maxWaiting)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        Limit = limit;
        MaxWaiting = maxWaiting;
        _slots = new SemaphoreSlim(limit, limit);
    }

    public int Limit { get; }
    public int MaxWaiting { get; }

    /// <summary>A slot to dispose when the decode ends, or null when all are taken and the waiting room is full.</summary>
    public async Task<IDisposable?> TryTakeAsync(CancellationToken ct)
    {
        if (_slots.Wait(0)) return new Slot(_slots);
        if (Interlocked.Increment(ref _waiting) > MaxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }
        try
        {
            await _slots.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
