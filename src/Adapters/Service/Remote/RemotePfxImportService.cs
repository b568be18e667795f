using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IPfxImportService"/> over the service's downloadPfxImportRequests / uploadPfxImportResults (SPEC §3). A request
/// the connector cannot take (a field missing or not base64) is answered at once with a failure result, as
/// <see cref="RemotePkcsService"/> does. The padding scheme is checked by the request actor (a final failure), as for the admin API.
/// </summary>
public sealed class RemotePfxImportService(ServiceChannel channel, IConnectorEventLog log) : IPfxImportService
{
    public async Task<IReadOnlyList<PfxImportRequest>> DownloadPfxImportRequestsAsync(int maxRequests, CancellationToken cancellationToken)
    {
        var answer = await channel.PostAsync<ValueList<PfxImportRequestDto>>(
            new ServiceCall(ServiceNames.Pki, $"{RemotePkcsService.Base}/downloadPfxImportRequests", ConnectorEvents.PkcsImportDownloadFailure),
            new { downloadParameters = new { maxRequests = Math.Clamp(maxRequests, 1, 500) } }, cancellationToken).ConfigureAwait(false);
        var accepted = new List<PfxImportRequest>();
        var refused = new List<PfxImportResult>();
        foreach (var dto in answer.Value ?? [])
        {
            if (string.IsNullOrWhiteSpace(dto.RequestId)) continue; // nothing to answer to
            try
            {
                accepted.Add(dto.ToRequest());
            }
            catch (FormatException e)
            {
                log.Write(ConnectorEvents.PkcsImportRequestFailure, dto.RequestId, $"Import request {dto.RequestId} from the service cannot be processed: {e.Message}", ("errorCode", "BadRequest"));
                refused.Add(new PfxImportResult(dto.RequestId, false, "BadRequest", e.Message));
            }
        }
        if (refused.Count > 0) await UploadPfxImportResultsAsync(refused, cancellationToken).ConfigureAwait(false);
        return accepted;
    }

    public async Task UploadPfxImportResultsAsync(IReadOnlyList<PfxImportResult> results, CancellationToken cancellationToken)
    {
        var body = new
        {
            results = results.Select(r => new
            {
                requestId = r.RequestId,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPassword = r.EncryptedPassword is null ? null : Convert.ToBase64String(r.EncryptedPassword),
            }).ToList(),
        };
        var answer = await channel.PostAsync<ValueFlag>(new ServiceCall(ServiceNames.Pki, $"{RemotePkcsService.Base}/uploadPfxImportResults", ConnectorEvents.PkcsImportUploadFailure,
            results.Count == 1 ? results[0].RequestId : null), body, cancellationToken).ConfigureAwait(false);
        answer.EnsureAcknowledged("uploadPfxImportResults");
    }

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
