using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IPkcsImportService"/> over the service's downloadPkcsImportRequests / uploadPkcsImportResults (docs/DESIGN.md §8). A request
/// with a field missing or not base64 is answered at once with a failure result (<see cref="PkiRequestCalls"/>). The padding
/// scheme is checked by the request actor (a final failure), as for a request from the admin API.
/// </summary>
public sealed class RemotePkcsImportService(ServiceChannel channel, IConnectorEventLog log) : IPkcsImportService
{
    public Task<IReadOnlyList<PkcsImportRequest>> DownloadPkcsImportRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        channel.DownloadAsync<PkcsImportRequestDto, PkcsImportRequest>("downloadPkcsImportRequests", ConnectorEvents.PkcsImportDownloadFailure, maxRequests,
            dto => dto.RequestId, dto => dto.ToRequest(),
            new(log, ConnectorEvents.PkcsImportRequestFailure, "Import", (refused, ct) => UploadPkcsImportResultsAsync(
                [.. refused.Select(r => new PkcsImportResult(r.RequestId, false, r.ErrorCode, r.Reason))], ct)),
            cancellationToken);

    public Task UploadPkcsImportResultsAsync(IReadOnlyList<PkcsImportResult> results, CancellationToken cancellationToken) =>
        channel.UploadAsync("uploadPkcsImportResults", ConnectorEvents.PkcsImportUploadFailure, [.. results.Select(r => r.RequestId)],
            results.Select(r => new
            {
                requestId = r.RequestId,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPassword = r.EncryptedPassword is null ? null : Convert.ToBase64String(r.EncryptedPassword),
            }).ToList(), cancellationToken);

    private sealed record PkcsImportRequestDto(
        string RequestId, string? UserPrincipalName, string? Thumbprint, string? EncryptedPfxBlob, string? EncryptedPfxPassword,
        string? PaddingScheme, string? KeyName, string? DeviceCertificate)
    {
        public PkcsImportRequest ToRequest()
        {
            if (string.IsNullOrWhiteSpace(UserPrincipalName)) throw new FormatException("userPrincipalName is empty.");
            if (string.IsNullOrWhiteSpace(PaddingScheme)) throw new FormatException("paddingScheme is empty.");
            return new PkcsImportRequest(RequestId, UserPrincipalName.Trim(), ServiceBase64.Decode(EncryptedPfxBlob, "encryptedPfxBlob"),
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
