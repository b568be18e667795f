using CertConnector.Adapters.Crypto;

namespace CertConnector.Host.ConnectorKey;

/// <summary><c>GET /api/v1/connector-key</c>: the public half of the connector key, for encrypting PFX passwords and enveloping payloads elsewhere.</summary>
/// <param name="Problem">why this instance has no key (null when it has one).</param>
public sealed record ConnectorKeyInfo(bool Available, string? Problem, int? KeySize, string? Fingerprint, string? PublicKeyPem, string? CertificatePem,
    DateTimeOffset? NotAfter);

public static class ConnectorKeyEndpoints
{
    public static IEndpointRouteBuilder MapConnectorKeyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/connector-key", (ConnectorKeyHolder holder) => Results.Ok(Info(holder)));
        return app;
    }

    public static ConnectorKeyInfo Info(ConnectorKeyHolder holder) => holder.Key is { } key
        ? new(true, null, key.KeySize, key.Fingerprint, key.PublicKeyPem, key.CertificatePem, CertificateIds.Utc(key.Certificate.NotAfter))
        : new(false, holder.Problem, null, null, null, null, null);

    /// <summary>The status warning for an instance whose features need the key but that lacks it; null when all is well.</summary>
    public static string? Warning(ConnectorKeyHolder holder, IReadOnlyCollection<string> roles, IEnumerable<Features.ConnectorFeature> features)
    {
        var needing = roles.Intersect(RolesNeedingKey(features)).Order(StringComparer.Ordinal).ToList();
        return needing.Count > 0 && holder.Key is null
            ? $"This instance has the role(s) {string.Join(", ", needing)} but no connector key: their requests fail until it has one. {holder.Problem}"
            : null;
    }

    /// <summary>The cluster roles of the features that decrypt with the connector key.</summary>
    public static IReadOnlyList<string> RolesNeedingKey(IEnumerable<Features.ConnectorFeature> features) =>
        [.. features.Where(f => f.NeedsConnectorKey).Select(f => f.Role)];
}
