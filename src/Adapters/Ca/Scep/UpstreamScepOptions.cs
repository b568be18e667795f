namespace CertConnector.Adapters.Ca.Scep;

/// <summary>
/// An upstream RFC 8894 CA (NDES in front of ADCS, micromdm's scepserver, …) the connector enrolls at as a registration
/// authority. The upstream chooses the certificate profile (NDES: by its registry templates), so
/// <see cref="TemplateNames"/> are only the names requests may give.
/// </summary>
public sealed record UpstreamScepOptions
{
    /// <summary>The SCEP URL, e.g. https://ndes.example.com/certsrv/mscep/mscep.dll (operation=… is appended).</summary>
    public required Uri Url { get; init; }

    /// <summary>A fixed challenge password; null when the upstream needs none or <see cref="ChallengeCommand"/> gives one.</summary>
    public string? Challenge { get; init; }

    /// <summary>A program whose standard output (first line, trimmed) is a fresh one-time challenge (NDES's mscep_admin page).</summary>
    public string? ChallengeCommand { get; init; }

    public IReadOnlyList<string> ChallengeArguments { get; init; } = [];

    public TimeSpan ChallengeCommandTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>More output than this is not a challenge (an HTML error page, a runaway program): refused.</summary>
    public int ChallengeMaxBytes { get; init; } = 4096;

    /// <summary>SHA-256 (hex) of the upstream CA certificate: GetCACert must return it, or the upstream is refused (a
    /// man in the middle, the wrong server). Null: trust what the URL (https) returns.</summary>
    public string? CaCertificateSha256 { get; init; }

    /// <summary>Let an upstream that offers only single DES or only SHA-1 or MD5 be used (refused by default).</summary>
    public bool AllowWeakAlgorithms { get; init; }

    /// <summary>One HTTP exchange with the upstream, connection included. Defaults keep an attempt (poll, enroll, a little
    /// polling) inside the features' call time-outs (SCEP 30 s, PKCS 60 s); the caller cancelling is harmless anyway.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one issuance polls a PENDING transaction before giving the attempt back as retryable;
    /// the next attempt polls the same transaction again.</summary>
    public TimeSpan PendingTimeout { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan FirstPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromMinutes(1);

    public IReadOnlyList<string> TemplateNames { get; init; } = ["default"];

    /// <summary>Largest upstream answer read (a CertRep with a chain is a few kB).</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Every problem with the settings, one line each; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps))
            problems.Add($"Url '{Url}' is not an absolute http(s) URL.");
        if (Challenge is not null && ChallengeCommand is not null)
            problems.Add("Challenge and ChallengeCommand are both set; set one.");
        if (ChallengeCommandTimeout <= TimeSpan.Zero) problems.Add("ChallengeCommandTimeout must be positive.");
        if (ChallengeMaxBytes <= 0) problems.Add("ChallengeMaxBytes must be positive.");
        if (RequestTimeout <= TimeSpan.Zero) problems.Add("RequestTimeout must be positive.");
        if (PendingTimeout < TimeSpan.Zero) problems.Add("PendingTimeout must not be negative.");
        if (FirstPollInterval <= TimeSpan.Zero || MaxPollInterval < FirstPollInterval)
            problems.Add("FirstPollInterval must be positive and MaxPollInterval at least as long.");
        if (CaCertificateSha256?.Replace(":", "") is { } pin && (pin.Length != 64 || !pin.All(Uri.IsHexDigit)))
            problems.Add("CaCertificateSha256 must be 64 hex digits (colons allowed).");
        if (TemplateNames.Count == 0) problems.Add("TemplateNames must name at least one template.");
        return problems;
    }
}
