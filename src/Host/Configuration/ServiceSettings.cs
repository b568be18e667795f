using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Actors.Health;
using CertConnector.Adapters.Service.Remote;

namespace CertConnector.Host.Configuration;

/// <summary>
/// Where the work comes from (<c>Connector:Service:*</c>). <c>standalone</c> (default): the connector's own queues, fed
/// through the admin API. <c>remote</c>: the management service over HTTPS (docs/DESIGN.md §8), outbound only.
/// </summary>
public sealed class ServiceSettings
{
    public const string Standalone = "standalone";
    public const string Remote = "remote";

    public string Mode { get; set; } = Standalone;
    public bool IsRemote => string.Equals(Mode, Remote, StringComparison.OrdinalIgnoreCase);

    /// <summary>OAuth2 token endpoint (client credentials).</summary>
    public string? TokenUrl { get; set; }
    public string? ClientId { get; set; }
    /// <summary>The client secret; or <see cref="ClientCertificate"/> (mTLS) instead.</summary>
    public string? ClientSecret { get; set; }
    /// <summary>A PKCS#12 file holding the client certificate and its key.</summary>
    public string? ClientCertificate { get; set; }
    public string? ClientCertificatePassword { get; set; }
    public string Scope { get; set; } = "";

    /// <summary>Discovery (<c>{"value":[{providerName, uri}]}</c>); not needed when both base URIs are given.</summary>
    public string? DiscoveryUrl { get; set; }
    /// <summary>Base URI of PkiConnectorFEService (PKCS, revocation, health); wins over discovery.</summary>
    public string? PkiBaseUri { get; set; }
    /// <summary>Base URI of ScepRequestValidationFEService (SCEP); wins over discovery.</summary>
    public string? ScepBaseUri { get; set; }
    public string ApiVersion { get; set; } = "1.0";

    /// <summary>Outbound proxy for every call to the service, as a full URL: <c>http://proxy:8080</c>.</summary>
    public string? Proxy { get; set; }
    /// <summary>Hosts (regular expressions, as .NET's WebProxy takes them) reached directly, not through <see cref="Proxy"/>.</summary>
    public List<string> ProxyBypass { get; set; } = [];
    /// <summary>A PEM file of extra CA certificates trusted for the service's TLS (a private PKI).</summary>
    public string? TrustedCertificates { get; set; }

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public int MaxAttempts { get; set; } = 4;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>The start-up check (token, discovery) is given this long before the start is refused.</summary>
    public TimeSpan StartupCheckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Health messages to the service (<c>Connector:Service:Health:Interval</c>, ...).</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>Checks the settings (no network) and builds the channel's options; each problem is one <see cref="StartupException"/>.</summary>
    public RemoteServiceOptions ToRemoteOptions()
    {
        var tokenUrl = RequiredHttpsUrl(TokenUrl, "Connector:Service:TokenUrl", "the OAuth2 token endpoint, e.g. https://login.example.com/tenant/oauth2/v2.0/token");
        if (string.IsNullOrWhiteSpace(ClientId))
            throw new StartupException("Connector:Service:Mode is remote but Connector:Service:ClientId is not set: set the client (application) ID the service knows this connector by.");
        if (string.IsNullOrEmpty(ClientSecret) && string.IsNullOrEmpty(ClientCertificate))
            throw new StartupException("Connector:Service:Mode is remote but neither Connector:Service:ClientSecret nor Connector:Service:ClientCertificate is set: the connector needs one to get a token.");
        var discovery = OptionalUrl(DiscoveryUrl, "Connector:Service:DiscoveryUrl");
        var pki = OptionalUrl(PkiBaseUri, "Connector:Service:PkiBaseUri");
        var scep = OptionalUrl(ScepBaseUri, "Connector:Service:ScepBaseUri");
        if (discovery is null && pki is null && scep is null)
            throw new StartupException("Connector:Service:Mode is remote but no service address is set: set Connector:Service:DiscoveryUrl, or Connector:Service:PkiBaseUri (and ScepBaseUri for SCEP).");
        var baseUris = new Dictionary<string, Uri>();
        if (pki is not null) baseUris[ServiceNames.Pki] = pki;
        if (scep is not null) baseUris[ServiceNames.ScepValidation] = scep;
        if (MaxAttempts < 1) throw new StartupException("Connector:Service:MaxAttempts must be at least 1.");
        if (Health.Interval <= TimeSpan.Zero) throw new StartupException("Connector:Service:Health:Interval must be positive, e.g. 00:05:00.");
        return new RemoteServiceOptions
        {
            TokenUrl = tokenUrl,
            ClientId = ClientId,
            ClientSecret = string.IsNullOrEmpty(ClientSecret) ? null : ClientSecret,
            ClientCertificate = LoadClientCertificate(),
            Scope = Scope,
            DiscoveryUrl = discovery,
            BaseUris = baseUris,
            ApiVersion = ApiVersion,
            Proxy = ParseProxy(Proxy),
            ProxyBypass = ProxyBypass,
            TrustedRoots = LoadTrusted(),
            AttemptTimeout = AttemptTimeout,
            MaxAttempts = MaxAttempts,
            RetryBaseDelay = RetryBaseDelay,
            RetryMaxDelay = RetryMaxDelay,
        };
    }

    /// <summary>A full URL with an http or https scheme; <c>proxy:8080</c> (no scheme) is the classic mistake, refused with the fix.</summary>
    public static Uri? ParseProxy(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
            throw new StartupException($"Connector:Service:Proxy '{text}' has no scheme. Write the proxy as a full URL: http://{text}");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            throw new StartupException($"Connector:Service:Proxy '{text}' is not an http:// or https:// proxy URL, e.g. http://proxy.example.com:8080.");
        return uri;
    }

    private static Uri RequiredHttpsUrl(string? value, string setting, string what) =>
        OptionalUrl(value, setting) ?? throw new StartupException($"Connector:Service:Mode is remote but {setting} is not set: set {what}.");

    /// <summary>The service is reached over TLS only; http is accepted for loopback alone (a local emulator).</summary>
    private static Uri? OptionalUrl(string? value, string setting)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw new StartupException($"{setting} '{value}' is not an https:// URL.");
        if (uri.Scheme == "http" && !uri.IsLoopback)
            throw new StartupException($"{setting} '{value}' is not https: the service channel carries credentials and keys and is always TLS (1.2 or later).");
        return uri;
    }

    private X509Certificate2? LoadClientCertificate()
    {
        if (string.IsNullOrEmpty(ClientCertificate)) return null;
        if (!File.Exists(ClientCertificate))
            throw new StartupException($"Connector:Service:ClientCertificate '{ClientCertificate}' does not exist.");
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(ClientCertificate, ClientCertificatePassword);
            return certificate.HasPrivateKey ? certificate
                : throw new StartupException($"Connector:Service:ClientCertificate '{ClientCertificate}' holds no private key.");
        }
        catch (CryptographicException e)
        {
            throw new StartupException($"Connector:Service:ClientCertificate '{ClientCertificate}' cannot be opened (wrong Connector:Service:ClientCertificatePassword?): {e.Message}");
        }
    }

    private X509Certificate2Collection LoadTrusted()
    {
        var roots = new X509Certificate2Collection();
        if (string.IsNullOrEmpty(TrustedCertificates)) return roots;
        if (!File.Exists(TrustedCertificates))
            throw new StartupException($"Connector:Service:TrustedCertificates '{TrustedCertificates}' does not exist.");
        try
        {
            roots.ImportFromPemFile(TrustedCertificates);
        }
        catch (CryptographicException e)
        {
            throw new StartupException($"Connector:Service:TrustedCertificates '{TrustedCertificates}' is not a PEM file of certificates: {e.Message}");
        }
        if (roots.Count == 0) throw new StartupException($"Connector:Service:TrustedCertificates '{TrustedCertificates}' holds no certificate.");
        return roots;
    }
}
