using CertConnector.Actors.Common;

namespace CertConnector.Actors.Pkcs;

/// <summary>Tuning of the PKCS feature, bound from the <c>Connector:Pkcs</c> configuration section.</summary>
public sealed class PkcsOptions
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
    /// <summary>Key pairs generated at once on this node (CPU-bound work); default one per core.</summary>
    public int MaxConcurrentKeyGenerations { get; set; } = Environment.ProcessorCount;
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan CaTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public RetryPolicy RetryPolicy => new(MaxAttempts, RetryBaseDelay, RetryMaxDelay);
}
