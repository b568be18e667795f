using CertConnector.Actors.Common;

namespace CertConnector.Actors.Revocation;

/// <summary>Tuning of the revocation feature, bound from the <c>Connector:Revocation</c> configuration section.</summary>
public sealed class RevocationOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Revocations asked for in one download.</summary>
    public int BatchSize { get; set; } = 50;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Revocations one node works on at once (backpressure).</summary>
    public int MaxInFlight { get; set; } = 200;
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>Revoking attempts before a retryable error (CA unreachable) becomes final.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan CaTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public RetryPolicy RetryPolicy => new(MaxAttempts, RetryBaseDelay, RetryMaxDelay);

    public PullSettings PullSettings => new(BatchSize, PollInterval, MaxInFlight, InFlightTimeout, UploadTimeout);
}
