namespace CertConnector.Actors.Ports;

/// <summary>
/// One imported PFX as the management service hands it out (docs/DESIGN.md §8 downloadPkcsImportRequests). The PFX itself is
/// protected by its password; the password arrives RSA-OAEP-encrypted to the connector key
/// (<see cref="PaddingScheme"/>: oaepSha256|oaepSha384|oaepSha512), so nothing here is plaintext.
/// </summary>
public sealed record PkcsImportRequest(
    string RequestId,
    string UserPrincipalName,
    byte[] EncryptedPfxBlob,
    byte[] EncryptedPfxPassword,
    string PaddingScheme,
    byte[] DeviceCertificate,
    string? Thumbprint = null,
    string? KeyName = null);

/// <summary>The outcome of one import as it goes back to the service (uploadPkcsImportResults): on success the PFX password
/// enveloped (CMS EnvelopedData, DER) to the device certificate.</summary>
public sealed record PkcsImportResult(
    string RequestId,
    bool Succeeded,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    byte[]? EncryptedPassword = null);

/// <summary>
/// The management service as the PKCS import feature sees it (one port per feature, like <see cref="IRevocationService"/>).
/// Failures are <see cref="Common.ConnectorFailureException"/>s.
/// </summary>
public interface IPkcsImportService
{
    Task<IReadOnlyList<PkcsImportRequest>> DownloadPkcsImportRequestsAsync(int maxRequests, CancellationToken cancellationToken);

    /// <summary>Idempotent per request ID: uploading the same result twice records it once.</summary>
    Task UploadPkcsImportResultsAsync(IReadOnlyList<PkcsImportResult> results, CancellationToken cancellationToken);
}
