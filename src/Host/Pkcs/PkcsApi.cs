using CertConnector.Actors.Common;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;

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
    DateTimeOffset? ExpiresAt = null,
    string? Ca = null)
{
    /// <summary>The actor's view, with the queue's record when a standalone queue holds the request (it then names what was asked for).</summary>
    public static PkcsRequestDetails Of(RequestView view, QueuedRecord<PkcsRequest, PkcsResult>? record)
    {
        var details = view.Details as PkcsViewDetails;
        return new(view.RequestId, record?.Status.ToString(), view.Known ? view.State : "NotDownloaded",
            record?.Request.SubjectName ?? details?.Subject ?? "", record?.Request.TemplateName ?? details?.Template ?? "",
            record?.Request.KeySpec.ToString() ?? details?.Key ?? "", record?.EnqueuedAt, view.Attempts, view.NextAttemptAt, details?.Failure,
            view.SerialNumber, view.Thumbprint, view.ResultDelivered, record?.UploadCount ?? (view.ResultDelivered ? 1 : 0),
            view.History, view.ExpiresAt, record?.Request.Ca ?? details?.Ca);
    }
}

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
