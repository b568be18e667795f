using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IRecryptService"/> over the service's downloadRecryptRequests / uploadRecryptResults (docs/DESIGN.md §8). A request whose
/// payload or recipient certificate is missing or not base64 is answered at once with a failure result (<see cref="PkiRequestCalls"/>).
/// </summary>
public sealed class RemoteRecryptService(ServiceChannel channel, IConnectorEventLog log) : IRecryptService
{
    public Task<IReadOnlyList<RecryptRequest>> DownloadRecryptRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        channel.DownloadAsync<RecryptRequestDto, RecryptRequest>("downloadRecryptRequests", ConnectorEvents.PkcsRecryptDownloadFailure, maxRequests,
            dto => dto.RequestId,
            dto => new RecryptRequest(dto.RequestId, ServiceBase64.Decode(dto.EncryptedPayload, "encryptedPayload"),
                ServiceBase64.Decode(dto.RecipientCertificate, "recipientCertificate")),
            new(log, ConnectorEvents.PkcsRecryptRequestFailure, "Recrypt", (refused, ct) => UploadRecryptResultsAsync(
                [.. refused.Select(r => new RecryptResult(r.RequestId, false, r.ErrorCode, r.Reason))], ct)),
            cancellationToken);

    public Task UploadRecryptResultsAsync(IReadOnlyList<RecryptResult> results, CancellationToken cancellationToken) =>
        channel.UploadAsync("uploadRecryptResults", ConnectorEvents.PkcsRecryptUploadFailure, [.. results.Select(r => r.RequestId)],
            results.Select(r => new
            {
                requestId = r.RequestId,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPayload = r.EncryptedPayload is null ? null : Convert.ToBase64String(r.EncryptedPayload),
            }).ToList(), cancellationToken);

    private sealed record RecryptRequestDto(string RequestId, string? EncryptedPayload, string? RecipientCertificate);
}
