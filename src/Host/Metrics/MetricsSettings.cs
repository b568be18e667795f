using CertConnector.Host.Configuration;

namespace CertConnector.Host.Metrics;

/// <summary>
/// <c>Connector:Metrics:*</c>: the Prometheus scrape endpoint on the admin listener (<c>/metrics</c>, the admin token required unless
/// <see cref="AllowAnonymousScrape"/>) and an optional OTLP exporter.
/// </summary>
public sealed class MetricsSettings
{
    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>Serve <c>/metrics</c> on the admin listener.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>Let a scraper in without the admin token: only where the admin listener is on a trusted network. The counts say how busy
    /// the connector is and which features and CAs it has, nothing more; the token is still what every other admin route needs.</summary>
    public bool AllowAnonymousScrape { get; set; }

    /// <summary>Where to push metrics with OTLP (e.g. <c>http://collector:4317</c>); none by default.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default, port 4317) or <c>http/protobuf</c> (port 4318, path <c>/v1/metrics</c>).</summary>
    public string OtlpProtocol { get; set; } = Grpc;

    /// <summary>How often OTLP pushes.</summary>
    public TimeSpan OtlpExportInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often queue depths, leases and shard counts are read (from the database and the shard regions) for the gauges:
    /// a scrape reads the last sample and costs no query.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The OTLP endpoint, checked; null when none is set.</summary>
    /// <exception cref="StartupException">not an absolute http(s) URL, or an unknown protocol.</exception>
    public Uri? CheckedOtlpEndpoint()
    {
        if (!string.Equals(OtlpProtocol, Grpc, StringComparison.OrdinalIgnoreCase) && !string.Equals(OtlpProtocol, HttpProtobuf, StringComparison.OrdinalIgnoreCase))
            throw new StartupException($"Connector:Metrics:OtlpProtocol '{OtlpProtocol}' is not supported: use {Grpc} or {HttpProtobuf}.");
        if (string.IsNullOrWhiteSpace(OtlpEndpoint)) return null;
        if (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.UserInfo))
            throw new StartupException($"Connector:Metrics:OtlpEndpoint must be an http(s) URL without credentials, e.g. http://collector:4317 (grpc) or http://collector:4318/v1/metrics (http/protobuf).");
        return uri;
    }
}
