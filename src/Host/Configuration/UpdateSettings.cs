using System.Security.Cryptography.X509Certificates;
using CertConnector.Adapters.Updates;

namespace CertConnector.Host.Configuration;

/// <summary>
/// The release feed (<c>Connector:Updates:*</c>): where it is, how often to look. Without <see cref="FeedUrl"/> the connector does not
/// look, and its lifecycle state is unknown.
/// </summary>
public sealed class UpdateSettings
{
    /// <summary>The signed release feed: an https URL (fetched through <c>Connector:Service:Proxy</c>) or a file path.</summary>
    public string? FeedUrl { get; set; }
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(6);
    /// <summary>One fetch of the feed or of a package, whole.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public int MaxFeedBytes { get; set; } = 1024 * 1024;
    public long MaxPackageBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// TESTS ONLY: a PEM certificate whose key is believed beside the built-in release key, so a test can sign its own feed. Logged as a
    /// warning (0229) at every start and shown in status; never set it on a connector in use.
    /// </summary>
    public string? TestOnlyTrustedCertificate { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(FeedUrl);

    public void Check()
    {
        if (!Enabled) return;
        if (CheckInterval <= TimeSpan.Zero || FetchTimeout <= TimeSpan.Zero || MaxFeedBytes <= 0 || MaxPackageBytes <= 0)
            throw new StartupException("Connector:Updates:CheckInterval, FetchTimeout, MaxFeedBytes and MaxPackageBytes must be positive.");
        try
        {
            UpdateFetch.UrlOf(FeedUrl!.Trim());
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"Connector:Updates:FeedUrl: {e.Message}");
        }
        if (TestOnlyTrustedCertificate is { Length: > 0 } test && !File.Exists(test))
            throw new StartupException($"Connector:Updates:TestOnlyTrustedCertificate '{test}' does not exist.");
    }

    /// <summary>The built-in release key, plus the test-only one when set.</summary>
    public ReleaseFeedSignature Signature() => TestOnlyTrustedCertificate is { Length: > 0 } test
        ? new ReleaseFeedSignature([ReleaseFeedSignature.ReleaseCertificate, X509Certificate2.CreateFromPem(File.ReadAllText(test))])
        : ReleaseFeedSignature.Production();
}
