using CertConnector.Actors.Common;
using CertConnector.Actors.PkcsImport;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Admin;

namespace CertConnector.Host.PkcsImport;

/// <summary>
/// What <c>POST /api/v1/pkcs-import/requests</c> takes (docs/DESIGN.md §8's import fields): the PFX as base64, its password RSA-OAEP-encrypted
/// to the connector key as base64 (<c>import encrypt-password</c> makes it), the padding used, the user, and the device's
/// encryption certificate (PEM or base64 DER).
/// </summary>
public sealed record NewPkcsImportRequest(string? Pfx, string? EncryptedPassword, string? PaddingScheme, string? UserPrincipalName,
    string? DeviceCertificate, string? Thumbprint = null, string? KeyName = null, string? RequestId = null);

/// <summary>
/// <c>GET /api/v1/pkcs-import/requests/{id}</c>: queue status, actor state, attempts, failure, history. An import no standalone queue holds
/// (service-connected mode) has no <see cref="QueueStatus"/> nor <see cref="EnqueuedAt"/>.
/// </summary>
public sealed record PkcsImportRequestDetails(string RequestId, string? QueueStatus, string State, string UserPrincipalName, string PaddingScheme,
    DateTimeOffset? EnqueuedAt, int Attempts, DateTimeOffset? NextAttemptAt, FailureReason? Failure, string? ErrorCode, bool ResultUploaded,
    int UploadCount, IReadOnlyList<HistoryEntry> History)
{
    /// <summary>The actor's view, with the queue's record when a standalone queue holds the import.</summary>
    public static PkcsImportRequestDetails Of(RequestView view, QueuedRecord<PkcsImportRequest, PkcsImportResult>? record)
    {
        var details = view.Details as PkcsImportViewDetails;
        return new(view.RequestId, record?.Status.ToString(), view.Known ? view.State : "NotDownloaded",
            record?.Request.UserPrincipalName ?? details?.UserPrincipalName ?? "", record?.Request.PaddingScheme ?? details?.PaddingScheme ?? "",
            record?.EnqueuedAt, view.Attempts, view.NextAttemptAt, details?.Failure, record?.Result?.ErrorCode ?? details?.Failure?.Code,
            view.ResultDelivered, record?.UploadCount ?? (view.ResultDelivered ? 1 : 0), view.History);
    }
}

/// <summary><c>GET /api/v1/pkcs-import/requests/{id}/result</c>: the password enveloped to the device (DER CMS), or why it failed.</summary>
public sealed record PkcsImportResultBody(string RequestId, bool Succeeded, string? ErrorCode, string? ErrorMessage, byte[]? EncryptedPassword);

/// <summary>Checks an import's fields, naming the one at fault. The padding is checked by the request itself (a final failure),
/// as it would be for a request from the service.</summary>
public static class PkcsImportFields
{
    /// <param name="limits">the PFX's structure is checked here too, so a PFX that would cost unbounded CPU never reaches the journal.</param>
    public static (PkcsImportRequest? Request, ApiError? Error) Validate(NewPkcsImportRequest body, DateTimeOffset now, PfxLimits limits)
    {
        if (body.RequestId is { } id && !RequestIdRule.IsValid(id)) return (null, new ApiError(RequestIdRule.Description, "requestId"));
        if (Base64(body.Pfx) is not { Length: > 0 } pfx) return (null, new ApiError("pfx is required: the PKCS#12 file as base64.", "pfx"));
        try
        {
            PfxStructure.Check(pfx, limits);
        }
        catch (ConnectorFailureException e)
        {
            return (null, new ApiError($"{e.Code}: {e.Message}", "pfx"));
        }
        if (Base64(body.EncryptedPassword) is not { Length: > 0 } password)
            return (null, new ApiError("encryptedPassword is required: the PFX password RSA-OAEP-encrypted to the connector key, as base64 (see 'pkcs-import encrypt-password').", "encryptedPassword"));
        if (string.IsNullOrWhiteSpace(body.PaddingScheme) || body.PaddingScheme.Length > 32)
            return (null, new ApiError($"paddingScheme is required: {string.Join(", ", ImportPasswords.SupportedPaddings)}.", "paddingScheme"));
        if (string.IsNullOrWhiteSpace(body.UserPrincipalName) || body.UserPrincipalName.Length > 256)
            return (null, new ApiError("userPrincipalName is required (at most 256 characters).", "userPrincipalName"));
        if (Pem.TryDecodeCertificate(body.DeviceCertificate) is not { } device)
            return (null, new ApiError("deviceCertificate is required: the device's encryption certificate as PEM or base64 DER.", "deviceCertificate"));
        try
        {
            DeviceCertificate.Validate(device, now);
        }
        catch (ConnectorFailureException e)
        {
            return (null, new ApiError(e.Message, "deviceCertificate"));
        }
        return (new PkcsImportRequest(body.RequestId ?? Guid.NewGuid().ToString(), body.UserPrincipalName.Trim(), pfx, password, body.PaddingScheme.Trim(),
            device, body.Thumbprint, body.KeyName), null);
    }

    private static byte[]? Base64(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return Convert.FromBase64String(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
