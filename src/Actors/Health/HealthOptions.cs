namespace CertConnector.Actors.Health;

/// <summary>How often health messages go to the service, and how hard one is tried (<c>Connector:Service:Health:*</c>).</summary>
public sealed class HealthOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Attempts of one message (each attempt is itself a retried HTTP call) before it is given up (5002).</summary>
    public int MaxAttempts { get; set; } = 3;
    /// <summary>Pause after a failed attempt, times the attempt number.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>What the health message says about this instance besides its counts.</summary>
public sealed record HealthIdentity(string Instance, string Version, IReadOnlyList<string> Features);
