using CertConnector.Actors.Common;

namespace CertConnector.Host.Pkcs;

/// <summary>
/// <c>GET /api/v1/pkcs/requests/{id}</c>: queue status, actor state, attempts, failure, history. A request no standalone queue holds
/// (service-connected mode: it came from the management service) has no <see cref="QueueStatus"/> nor <see cref="EnqueuedAt"/>.
/// </summary>
public sealed record PkcsRequestDetails(
    string RequestId,
    string? QueueStatus,
    string State,
    string Subject,
    string Template,
    string Key,
    DateTimeOffset? EnqueuedAt,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    FailureReason? Failure,
    string? SerialNumber,
    string? Thumbprint,
    bool ResultUploaded,
    int UploadCount,
    IReadOnlyList<HistoryEntry> History,
    DateTimeOffset? ExpiresAt = null);

/// <summary><c>GET /api/v1/pkcs/requests/{id}/result</c>: what <c>pkcs result</c> writes to files.</summary>
public sealed record PkcsResultBody(
    string RequestId,
    bool Succeeded,
    string? ErrorCode,
    string? ErrorMessage,
    byte[]? EncryptedPfx,
    byte[]? EncryptedPassword,
    string? CertificatePem,
    string? SerialNumber,
    string? Thumbprint,
    DateTimeOffset? ExpirationDateUtc);
