using System.Security.Cryptography.X509Certificates;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>How to reach the management service (docs/DESIGN.md §8). Built by the host from <c>Connector:Service:*</c>.</summary>
public sealed record RemoteServiceOptions
{
    /// <summary>OAuth2 token endpoint (client-credentials grant).</summary>
    public required Uri TokenUrl { get; init; }
    public required string ClientId { get; init; }
    /// <summary>Null when <see cref="ClientCertificate"/> authenticates the client instead (mTLS).</summary>
    public string? ClientSecret { get; init; }
    public X509Certificate2? ClientCertificate { get; init; }
    public string Scope { get; init; } = "";

    /// <summary>Maps service names to base URIs; not needed for a service whose base URI is given in <see cref="BaseUris"/>.</summary>
    public Uri? DiscoveryUrl { get; init; }
    /// <summary>Explicit base URIs by service name (<see cref="ServiceNames"/>); they win over discovery.</summary>
    public IReadOnlyDictionary<string, Uri> BaseUris { get; init; } = new Dictionary<string, Uri>();

    public string ApiVersion { get; init; } = "1.0";

    /// <summary>Forward proxy for every call (token, discovery, service); null: direct, never the environment's proxy.</summary>
    public Uri? Proxy { get; init; }
    public IReadOnlyList<string> ProxyBypass { get; init; } = [];

    /// <summary>Extra trust anchors for the service's TLS certificates (a private PKI; the emulator in tests).</summary>
    public X509Certificate2Collection TrustedRoots { get; init; } = [];

    /// <summary>One HTTP attempt (connect, send, answer).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Attempts of one logical call on 429, 5xx, time-outs and transport failures; 4xx are never retried.</summary>
    public int MaxAttempts { get; init; } = 4;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A Retry-After longer than this is cut to it (the call's own time-out still applies).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The largest answer to a service call (a download of many requests); a larger one is a failed attempt.</summary>
    public long MaxResponseBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>The largest answer of the token and discovery endpoints, which are small documents.</summary>
    public long MaxSmallResponseBytes { get; init; } = 256 * 1024;
}

/// <summary>The service names discovery maps to base URIs (docs/DESIGN.md §8).</summary>
public static class ServiceNames
{
    public const string Pki = "PkiConnectorFEService";
    public const string ScepValidation = "ScepRequestValidationFEService";
}
