namespace CertConnector.Actors.Ports;

/// <summary>One re-encrypt request as the management service hands it out (docs/DESIGN.md §8 downloadRecryptRequests): a payload
/// enveloped (CMS EnvelopedData) to the connector key, and the certificate to envelope it to instead.</summary>
public sealed record RecryptRequest(string RequestId, byte[] EncryptedPayload, byte[] RecipientCertificate);

/// <summary>The outcome as it goes back to the service (uploadRecryptResults): on success the same content enveloped to the recipient.</summary>
public sealed record RecryptResult(
    string RequestId,
    bool Succeeded,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    byte[]? EncryptedPayload = null);

/// <summary>The management service as the recrypt feature sees it. Failures are <see cref="Common.ConnectorFailureException"/>s.</summary>
public interface IRecryptService
{
    Task<IReadOnlyList<RecryptRequest>> DownloadRecryptRequestsAsync(int maxRequests, CancellationToken cancellationToken);

    /// <summary>Idempotent per request ID: uploading the same result twice records it once.</summary>
    Task UploadRecryptResultsAsync(IReadOnlyList<RecryptResult> results, CancellationToken cancellationToken);
}
