using CertConnector.Actors.Common;
using CertConnector.Actors.Recrypt;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Admin;

namespace CertConnector.Host.Recrypt;

/// <summary>What <c>POST /api/v1/recrypt/requests</c> takes: the payload (CMS EnvelopedData to the connector key) as base64, and the
/// recipient's certificate (PEM or base64 DER).</summary>
public sealed record NewRecryptRequest(string? Payload, string? RecipientCertificate, string? RequestId = null);

/// <summary>
/// <c>GET /api/v1/recrypt/requests/{id}</c>: queue status, actor state, attempts, failure, history. A request no standalone queue holds
/// (service-connected mode) has no <see cref="QueueStatus"/> nor <see cref="EnqueuedAt"/>.
/// </summary>
public sealed record RecryptRequestDetails(string RequestId, string? QueueStatus, string State, DateTimeOffset? EnqueuedAt, int Attempts,
    DateTimeOffset? NextAttemptAt, FailureReason? Failure, string? FailedStage, string? ErrorCode, bool ResultUploaded, int UploadCount,
    IReadOnlyList<HistoryEntry> History)
{
    /// <summary>The actor's view, with the queue's record when a standalone queue holds the request.</summary>
    public static RecryptRequestDetails Of(RequestView view, QueuedRecord<RecryptRequest, RecryptResult>? record)
    {
        var details = view.Details as RecryptViewDetails;
        return new(view.RequestId, record?.Status.ToString(), view.Known ? view.State : "NotDownloaded", record?.EnqueuedAt, view.Attempts,
            view.NextAttemptAt, details?.Failure, details?.FailedStage, record?.Result?.ErrorCode ?? details?.Failure?.Code, view.ResultDelivered,
            record?.UploadCount ?? (view.ResultDelivered ? 1 : 0), view.History);
    }
}

/// <summary><c>GET /api/v1/recrypt/requests/{id}/result</c>: the payload enveloped to the recipient (DER CMS), or why it failed.</summary>
public sealed record RecryptResultBody(string RequestId, bool Succeeded, string? ErrorCode, string? ErrorMessage, byte[]? EncryptedPayload);

public static class RecryptFields
{
    public static (RecryptRequest? Request, ApiError? Error) Validate(NewRecryptRequest body, DateTimeOffset now)
    {
        if (body.RequestId is { } id && !RequestIdRule.IsValid(id)) return (null, new ApiError(RequestIdRule.Description, "requestId"));
        byte[]? payload = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(body.Payload)) payload = Convert.FromBase64String(string.Concat(body.Payload.Where(c => !char.IsWhiteSpace(c))));
        }
        catch (FormatException)
        {
        }
        if (payload is not { Length: > 0 })
            return (null, new ApiError("payload is required: a CMS EnvelopedData addressed to the connector key, as base64 DER.", "payload"));
        if (Pem.TryDecodeCertificate(body.RecipientCertificate) is not { } recipient)
            return (null, new ApiError("recipientCertificate is required: the new recipient's certificate as PEM or base64 DER.", "recipientCertificate"));
        try
        {
            DeviceCertificate.Validate(recipient, now);
        }
        catch (ConnectorFailureException e)
        {
            return (null, new ApiError(e.Message, "recipientCertificate"));
        }
        return (new RecryptRequest(body.RequestId ?? Guid.NewGuid().ToString(), payload, recipient), null);
    }
}
