using CertConnector.Actors.Common;
using CertConnector.Actors.Revocation;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Admin;

namespace CertConnector.Host.Revocation;

/// <summary>
/// What <c>POST /api/v1/revocation/requests</c> takes: either <see cref="Serial"/> (hex, colons allowed) or
/// <see cref="PkcsRequestId"/> (revoke what that PKCS request produced); <see cref="Reason"/> by its RFC 5280 name; <see cref="Ca"/> the CA to
/// revoke at (default: the CA that issued the serial, or for a PKCS request the CA that issued it).
/// </summary>
public sealed record NewRevocationRequest(string? Serial, string? Reason, string? PkcsRequestId = null, string? RequestId = null, string? Ca = null);

/// <summary>
/// <c>GET /api/v1/revocation/requests/{id}</c>: queue status, actor state, attempts, failure, history. A revocation no standalone
/// queue holds (service-connected mode) has no <see cref="QueueStatus"/> nor <see cref="EnqueuedAt"/>.
/// </summary>
public sealed record RevocationRequestDetails(
    string RequestId,
    string? QueueStatus,
    string State,
    string SerialNumber,
    string Reason,
    string? PkcsRequestId,
    DateTimeOffset? EnqueuedAt,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    FailureReason? Failure,
    string? ErrorCode,
    bool ResultUploaded,
    int UploadCount,
    IReadOnlyList<HistoryEntry> History)
{
    /// <summary>The actor's view, with the queue's record when a standalone queue holds the revocation.</summary>
    public static RevocationRequestDetails Of(RequestView view, QueuedRecord<QueuedRevocation, RevocationRequestResult>? record)
    {
        var details = view.Details as RevocationViewDetails;
        var reason = record?.Request.Revocation.Reason ?? details?.Reason;
        return new(view.RequestId, record?.Status.ToString(), view.Known ? view.State : "NotDownloaded", record?.Request.Revocation.SerialNumber ?? view.SerialNumber ?? "",
            reason is { } r ? RevocationFields.NameOf(r) : "", record?.Request.PkcsRequestId, record?.EnqueuedAt, view.Attempts, view.NextAttemptAt,
            details?.Failure, details?.ResultCode ?? record?.Result?.ErrorCode, view.ResultDelivered,
            record?.UploadCount ?? (view.ResultDelivered ? 1 : 0), view.History);
    }
}

/// <summary>Checks the revocation input fields, naming the one at fault.</summary>
public static class RevocationFields
{
    /// <summary>The names the CLI and API take, as RFC 5280 spells them.</summary>
    public static readonly IReadOnlyList<string> ReasonNames =
        ["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold"];

    /// <summary>The RFC 5280 name of a reason, as the CLI and API take it.</summary>
    public static string NameOf(RevocationReason reason) =>
        ReasonNames.FirstOrDefault(n => n.Equals(reason.ToString(), StringComparison.OrdinalIgnoreCase)) ?? reason.ToString();

    public static ApiError? CheckReason(string? text, out RevocationReason reason)
    {
        reason = RevocationReason.Unspecified;
        if (string.IsNullOrWhiteSpace(text)) return null;
        // Enum.TryParse would also take numbers ("2", not a reason we support) and comma lists.
        if (ReasonNames.FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name)
        {
            reason = Enum.Parse<RevocationReason>(name, ignoreCase: true);
            return null;
        }
        return new ApiError($"Unknown reason '{text}'. Use one of: {string.Join(", ", ReasonNames)}.", "reason");
    }

    /// <summary>A serial number as hex (RFC 5280: positive, at most 20 octets), colons, spaces or dashes allowed;
    /// normalized as the CA records serials (<see cref="CertificateIds.NormalizeSerial"/>).</summary>
    public static ApiError? CheckSerial(string? text, out string serial)
    {
        serial = "";
        if (string.IsNullOrWhiteSpace(text)) return new ApiError("serial is required: the certificate's serial number in hex.", "serial");
        if (CertificateIds.NormalizeSerial(text) is not { Length: <= 40 } normalized)
            return new ApiError($"Invalid serial '{text}': a positive number in hex (colons allowed), at most 20 bytes.", "serial");
        serial = normalized;
        return null;
    }
}
