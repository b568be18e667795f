namespace CertConnector.Adapters.Scep;

/// <summary>
/// A fixed number of PKIOperation decodes (signature checks and the RA's private-key operation) at once. A message
/// that finds them all taken is refused at once rather than queued: a flood of costly messages then occupies only
/// these slots, and the thread pool stays free for the admin API, OCSP and GetCACert.
/// </summary>
public sealed class ScepDecodeSlots(int limit)
{
    private int _taken;

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "at least one decode must be allowed");

    /// <summary>A slot to dispose when the decode ends, or null when all are taken.</summary>
    public IDisposable? TryTake()
    {
        if (Interlocked.Increment(ref _taken) <= Limit) return new Slot(this);
        Interlocked.Decrement(ref _taken);
        return null;
    }

    private sealed class Slot(ScepDecodeSlots owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Interlocked.Decrement(ref owner._taken);
        }
    }
}
