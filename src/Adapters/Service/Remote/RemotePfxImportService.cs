using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IPfxImportService"/> over the service's downloadPfxImportRequests / uploadPfxImportResults (SPEC §3). A request
/// with a field missing or not base64 is answered at once with a failure result (<see cref="PkiRequestCalls"/>). The padding
/// scheme is checked by the request actor (a final failure), as for a request from the admin API.
/// </summary>
public sealed class RemotePfxImportService(ServiceChannel channel, IConnectorEventLog log) : IPfxImportService
{
    public Task<IReadOnlyList<PfxImportRequest>> DownloadPfxImportRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        channel.DownloadAsync<PfxImportRequestDto, PfxImportRequest>("downloadPfxImportRequests", ConnectorEvents.PkcsImportDownloadFailure, maxRequests,
            dto => dto.RequestId, dto => dto.ToRequest(),
            new(log, ConnectorEvents.PkcsImportRequestFailure, "Import", (refused, ct) => UploadPfxImportResultsAsync(
                [.. refused.Select(r => new PfxImportResult(r.RequestId, false, PkiRequestCalls.Refusal.ErrorCode, r.Reason))], ct)),
            cancellationToken);

    public Task UploadPfxImportResultsAsync(IReadOnlyList<PfxImportResult> results, CancellationToken cancellationToken) =>
        channel.UploadAsync("uploadPfxImportResults", ConnectorEvents.PkcsImportUploadFailure, [.. results.Select(r => r.RequestId)],
            results.Select(r => new
            {
                requestId = r.RequestId,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPassword = r.EncryptedPassword is null ? null : Convert.ToBase64String(r.EncryptedPassword),
            }).ToList(), cancellationToken);

    private sealed record PfxImportRequestDto(
        string RequestId, string? UserPrincipalName, string? Thumbprint, string? EncryptedPfxBlob, string? EncryptedPfxPassword,
        string? PaddingScheme, string? KeyName, string? DeviceCertificate)
    {
        public PfxImportRequest ToRequest()
        {
            if (string.IsNullOrWhiteSpace(UserPrincipalName)) throw new FormatException("userPrincipalName is empty.");
            if (string.IsNullOrWhiteSpace(PaddingScheme)) throw new FormatException("paddingScheme is empty.");
            return new PfxImportRequest(RequestId, UserPrincipalName.Trim(), ServiceBase64.Decode(EncryptedPfxBlob, "encryptedPfxBlob"),
                ServiceBase64.Decode(EncryptedPfxPassword, "encryptedPfxPassword"), PaddingScheme.Trim(), ServiceBase64.Decode(DeviceCertificate, "deviceCertificate"),
                Thumbprint, KeyName);
        }
    }
}

/// <summary>A required base64 field of a request from the service; empty or not base64 is a <see cref="FormatException"/> naming it.</summary>
internal static class ServiceBase64
{
    public static byte[] Decode(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException($"{field} is empty.");
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"{field} is not base64.");
        }
    }
}
