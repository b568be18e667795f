using CertConnector.Actors.Common;

namespace CertConnector.Actors.Ports;

/// <summary>One queued PKCS request as the management service hands it out.</summary>
/// <param name="Ca">the name of the CA that issues it (<see cref="CertificateAuthorities"/>); null: the default CA. Filled in when the
/// request is accepted, so the journal names the CA and a restart or another instance routes it the same way.</param>
public sealed record PkcsRequest(
    string RequestId,
    string SubjectName,
    IReadOnlyList<SubjectAltName> SubjectAlternativeNames,
    string TemplateName,
    KeySpec KeySpec,
    byte[] DeviceCertificate,
    string CertificateType = "device",
    string? OnPremisesSid = null,
    int? ValidityDays = null,
    string? Ca = null);

/// <summary>The outcome of one PKCS request as it goes back to the service.</summary>
public sealed record PkcsResult(
    string RequestId,
    bool Succeeded,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    byte[]? EncryptedPfx = null,
    byte[]? EncryptedPassword = null,
    byte[]? CertificateDer = null,
    string? CertificateThumbprint = null,
    string? SerialNumber = null,
    DateTimeOffset? ExpirationDateUtc = null);

/// <summary>
/// The management service as the PKCS feature sees it (one port per feature: see <see cref="IRevocationService"/>
/// and the SCEP ports). The standalone adapter (queue in the connector's own database, fed by the admin API) and
/// the remote adapter (HTTPS to the service) both implement it; the actors cannot tell them apart. Failures are
/// <see cref="ConnectorFailureException"/>s.
/// </summary>
public interface IPkcsService
{
    Task<IReadOnlyList<PkcsRequest>> DownloadPkcsRequestsAsync(int maxRequests, CancellationToken cancellationToken);

    /// <summary>Idempotent per request ID: uploading the same result twice records it once.</summary>
    Task UploadPkcsResultsAsync(IReadOnlyList<PkcsResult> results, CancellationToken cancellationToken);
}
