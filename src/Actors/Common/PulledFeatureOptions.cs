namespace CertConnector.Actors.Common;

/// <summary>
/// The tuning every feature that pulls its work from the service shares (bound from <c>Connector:&lt;Feature&gt;</c>):
/// how it pulls (batch, interval, backpressure) and how it retries. A feature adds only what is its own.
/// </summary>
public abstract class PulledFeatureOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Requests asked for in one download.</summary>
    public int BatchSize { get; set; } = 50;
    /// <summary>Time between downloads while there is room for more work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Requests one node works on at once (backpressure: no download while full).</summary>
    public int MaxInFlight { get; set; } = 200;
    /// <summary>After this, an in-flight request that never reported back frees its slot.</summary>
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>Attempts at the CA step before a retryable error becomes final.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan CaTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public RetryPolicy RetryPolicy => new(MaxAttempts, RetryBaseDelay, RetryMaxDelay);

    public PullSettings PullSettings => new(BatchSize, PollInterval, MaxInFlight, InFlightTimeout, UploadTimeout);
}
