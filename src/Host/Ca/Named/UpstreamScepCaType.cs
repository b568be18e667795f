using CertConnector.Actors.Common;
using CertConnector.Adapters.Ca.Scep;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Ca.Named;

/// <summary>
/// An upstream RFC 8894 CA (NDES in front of ADCS, or any SCEP CA) as a named CA, <c>Connector:Cas:NAME:Type=scep</c>: the connector
/// enrolls at it as a registration authority (src/Adapters/Ca/Scep). It cannot revoke: SCEP has no revocation.
/// </summary>
public static class UpstreamScepCaType
{
    public const string Name = "scep";

    public static CaType Definition { get; } = CaType.For<UpstreamScepCaSettings>(Name, Create, Check) with { CheckAtStartAsync = ConnectAtStartAsync };

    private static CaBackend Create(CaBuildContext context, UpstreamScepCaSettings settings)
    {
        var options = settings.ToOptions();
        // The RA identity the upstream answers to: made per process. NDES trusts the challenge, not the signer, and polling a
        // transaction after a restart goes by its transactionID, so nothing needs the identity to outlive the process.
        var ca = new UpstreamScepCa(options, ScepRaIdentity.CreateSelfSigned(), context.Services.GetRequiredService<TimeProvider>());
        // The upstream's challenge goes into the CSRs the connector makes (PKCS); a device's CSR carries the connector's own.
        return new CaBackend(ca, new UpstreamScepRevoker(options), new UpstreamScepCaHealthProbe(ca), ca.Challenges);
    }

    private static void Check(string ca, UpstreamScepCaSettings settings)
    {
        var path = $"{CaSettings.Path}:{ca}";
        if (string.IsNullOrWhiteSpace(settings.Url))
            throw new StartupException($"{path}:Url is not set: give the upstream's SCEP URL, e.g. https://ndes.example.com/certsrv/mscep/mscep.dll.");
        if (!Uri.TryCreate(settings.Url, UriKind.Absolute, out _))
            throw new StartupException($"{path}:Url '{settings.Url}' is not an absolute http(s) URL.");
        if (settings.ToOptions().Problems() is { Count: > 0 } problems)
            throw new StartupException($"The CA '{ca}' (scep) cannot be used: {string.Join(" ", problems.Select(p => $"{path}:{p}"))}");
    }

    /// <summary>
    /// Reads the upstream's capabilities and CA certificate before anything is created: an upstream that offers only weak algorithms
    /// (or is not the pinned CA) stops the start with one line; one that cannot be reached yet only warns, since requests retry.
    /// </summary>
    private static async Task<string?> ConnectAtStartAsync(string ca, object settings, CancellationToken cancellationToken)
    {
        using var upstream = new UpstreamScepCa(((UpstreamScepCaSettings)settings).ToOptions(), ScepRaIdentity.CreateSelfSigned());
        try
        {
            await upstream.ConnectAsync(cancellationToken);
            return null;
        }
        catch (ConnectorFailureException e) when (!e.Retryable)
        {
            throw new StartupException($"The CA '{ca}' (scep) is refused: {e.Message}");
        }
        catch (ConnectorFailureException e)
        {
            return $"The CA '{ca}' (scep) cannot be reached yet ({e.Message}); its requests retry until it answers.";
        }
    }
}

/// <summary>The settings of a CA of type <c>scep</c> (<c>Connector:Cas:NAME:*</c>), as the configuration binds them; see <see cref="UpstreamScepOptions"/>.</summary>
public sealed class UpstreamScepCaSettings
{
    /// <summary>The upstream's SCEP URL, e.g. https://ndes.example.com/certsrv/mscep/mscep.dll.</summary>
    public string? Url { get; set; }
    /// <summary>A fixed challenge password (give it through the environment, e.g. CERTCONNECTOR_Connector__Cas__NAME__Challenge).</summary>
    public string? Challenge { get; set; }
    /// <summary>A program whose first line of output is a fresh one-time challenge (NDES's mscep_admin page).</summary>
    public string? ChallengeCommand { get; set; }
    public string[]? ChallengeArguments { get; set; }
    public TimeSpan ChallengeCommandTimeout { get; set; } = TimeSpan.FromSeconds(15);
    public int ChallengeMaxBytes { get; set; } = 4096;
    /// <summary>SHA-256 (hex) of the upstream CA certificate: anything else answering at the URL is refused.</summary>
    public string? CaCertificateSha256 { get; set; }
    public bool AllowWeakAlgorithms { get; set; }
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan PendingTimeout { get; set; } = TimeSpan.FromSeconds(8);
    public TimeSpan FirstPollInterval { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>The template names requests may give (the upstream chooses the profile); default <c>default</c>.</summary>
    public string[]? TemplateNames { get; set; }
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    public UpstreamScepOptions ToOptions() => new()
    {
        Url = new Uri(Url!, UriKind.Absolute),
        Challenge = Challenge,
        ChallengeCommand = ChallengeCommand,
        ChallengeArguments = ChallengeArguments ?? [],
        ChallengeCommandTimeout = ChallengeCommandTimeout,
        ChallengeMaxBytes = ChallengeMaxBytes,
        CaCertificateSha256 = CaCertificateSha256,
        AllowWeakAlgorithms = AllowWeakAlgorithms,
        RequestTimeout = RequestTimeout,
        PendingTimeout = PendingTimeout,
        FirstPollInterval = FirstPollInterval,
        MaxPollInterval = MaxPollInterval,
        TemplateNames = TemplateNames is { Length: > 0 } names ? names : ["default"],
        MaxResponseBytes = MaxResponseBytes,
    };
}
