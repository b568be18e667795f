using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IRecryptService"/> over the service's downloadRecryptRequests / uploadRecryptResults (SPEC §3). A request the
/// connector cannot take (payload or recipient certificate missing or not base64) is answered at once with a failure result.
/// </summary>
public sealed class RemoteRecryptService(ServiceChannel channel, IConnectorEventLog log) : IRecryptService
{
    public async Task<IReadOnlyList<RecryptRequest>> DownloadRecryptRequestsAsync(int maxRequests, CancellationToken cancellationToken)
    {
        var answer = await channel.PostAsync<ValueList<RecryptRequestDto>>(
            new ServiceCall(ServiceNames.Pki, $"{RemotePkcsService.Base}/downloadRecryptRequests", ConnectorEvents.PkcsRecryptDownloadFailure),
            new { downloadParameters = new { maxRequests = Math.Clamp(maxRequests, 1, 500) } }, cancellationToken).ConfigureAwait(false);
        var accepted = new List<RecryptRequest>();
        var refused = new List<RecryptResult>();
        foreach (var dto in answer.Value ?? [])
        {
            if (string.IsNullOrWhiteSpace(dto.RequestId)) continue; // nothing to answer to
            try
            {
                accepted.Add(new RecryptRequest(dto.RequestId, ServiceBase64.Decode(dto.EncryptedPayload, "encryptedPayload"),
                    ServiceBase64.Decode(dto.RecipientCertificate, "recipientCertificate")));
            }
            catch (FormatException e)
            {
                log.Write(ConnectorEvents.PkcsRecryptRequestFailure, dto.RequestId, $"Recrypt request {dto.RequestId} from the service cannot be processed: {e.Message}", ("errorCode", "BadRequest"));
                refused.Add(new RecryptResult(dto.RequestId, false, "BadRequest", e.Message));
            }
        }
        if (refused.Count > 0) await UploadRecryptResultsAsync(refused, cancellationToken).ConfigureAwait(false);
        return accepted;
    }

    public async Task UploadRecryptResultsAsync(IReadOnlyList<RecryptResult> results, CancellationToken cancellationToken)
    {
        var body = new
        {
            results = results.Select(r => new
            {
                requestId = r.RequestId,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPayload = r.EncryptedPayload is null ? null : Convert.ToBase64String(r.EncryptedPayload),
            }).ToList(),
        };
        var answer = await channel.PostAsync<ValueFlag>(new ServiceCall(ServiceNames.Pki, $"{RemotePkcsService.Base}/uploadRecryptResults", ConnectorEvents.PkcsRecryptUploadFailure,
            results.Count == 1 ? results[0].RequestId : null), body, cancellationToken).ConfigureAwait(false);
        answer.EnsureAcknowledged("uploadRecryptResults");
    }

    private sealed record RecryptRequestDto(string RequestId, string? EncryptedPayload, string? RecipientCertificate);
}
