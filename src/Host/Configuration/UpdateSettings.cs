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

    /// <summary>
    /// Install newer releases without an operator: the package's certconnector-update.timer runs <c>update apply --auto</c> every
    /// hour, which acts only inside <see cref="AutoWindow"/> and only while this instance holds the connector's update lease (one
    /// instance of a cluster at a time).
    /// </summary>
    public bool Auto { get; set; }

    /// <summary>The local time of day when automatic updates may start, <c>HH:mm-HH:mm</c> (may span midnight, e.g. 22:00-04:00).</summary>
    public string AutoWindow { get; set; } = "02:00-05:00";

    /// <summary>How long the update lease lasts if its holder never gives it back (it dies half-way): then another instance may go.</summary>
    public TimeSpan AutoLease { get; set; } = TimeSpan.FromMinutes(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(FeedUrl);

    /// <summary>Whether <paramref name="localTime"/> is inside <see cref="AutoWindow"/>.</summary>
    public bool InAutoWindow(TimeOnly localTime)
    {
        var (from, to) = Window();
        return from <= to ? localTime >= from && localTime < to : localTime >= from || localTime < to;
    }

    private (TimeOnly From, TimeOnly To) Window()
    {
        var parts = AutoWindow.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length == 2 && TimeOnly.TryParseExact(parts[0], "HH:mm", out var from) && TimeOnly.TryParseExact(parts[1], "HH:mm", out var to) && from != to)
            return (from, to);
        throw new StartupException($"Connector:Updates:AutoWindow '{AutoWindow}' is not a time range such as 02:00-05:00 (local time, HH:mm-HH:mm).");
    }

    public void Check()
    {
        if (Auto && !Enabled) throw new StartupException("Connector:Updates:Auto needs Connector:Updates:FeedUrl: automatic updates install what the signed release feed lists.");
        if (!Enabled) return;
        _ = Window();
        if (AutoLease < TimeSpan.FromMinutes(5)) throw new StartupException("Connector:Updates:AutoLease must be at least 00:05:00 (an update stops and starts the service).");
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
