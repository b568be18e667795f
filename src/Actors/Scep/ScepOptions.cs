using CertConnector.Actors.Common;

namespace CertConnector.Actors.Scep;

/// <summary>The SCEP feature, bound from the <c>Connector:Scep</c> configuration section.</summary>
public sealed class ScepOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>The SCEP listener (separate from the admin API: devices reach this one).</summary>
    public string ListenUrl { get; set; } = "http://127.0.0.1:8080";
    /// <summary>
    /// The configured CA (<c>Connector:Cas</c>) enrollments go to when their challenge names none: every enrollment the service
    /// validates in service-connected mode, and challenges minted without <c>--ca</c>. Unset: <c>Connector:Cas:Default</c>.
    /// A renewal always goes to the CA that issued the certificate it renews.
    /// </summary>
    public string? Ca { get; set; }
    /// <summary>The CA template SCEP certificates are issued with.</summary>
    public string Template { get; set; } = "scep-device";
    /// <summary>How long a PKIOperation may wait for its outcome before the device is told PENDING.</summary>
    public TimeSpan ResponseBudget { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Larger bodies are answered 413.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;
    /// <summary>A RenewalReq is accepted when the signing certificate expires within this many days.</summary>
    public int RenewalWindowDays { get; set; } = 30;
    /// <summary>Default lifetime of a challenge minted by <c>scep challenge</c>.</summary>
    public TimeSpan ChallengeTtl { get; set; } = TimeSpan.FromMinutes(60);
    /// <summary>Attempts at verifying and issuing before a retryable error becomes final; notifying never
    /// gives up, but after this many attempts 4002 tells the operator.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>PKIOperations decoded (RSA work) at once; more wait (without a thread) up to <see cref="MaxQueuedOperations"/>.</summary>
    public int MaxConcurrentOperations { get; set; } = Environment.ProcessorCount * 2;
    /// <summary>PKIOperations that may wait for a decode slot; one more is answered 503 with Retry-After at once.</summary>
    public int MaxQueuedOperations { get; set; } = 256;
    /// <summary>Decrypt requests a legacy client encrypted with single DES (micromdm scepclient 2.1.0 knows nothing else)
    /// instead of refusing them with badAlg. Replies are DES3 either way.</summary>
    public bool AllowSingleDes { get; set; }

    public RetryPolicy RetryPolicy => new(MaxAttempts, RetryBaseDelay, RetryMaxDelay);
}
