using System.Text.Json;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary><see cref="IRevocationService"/> over downloadRevocationRequests / uploadRevocationResults (SPEC §3, as Intune's).</summary>
public sealed class RemoteRevocationService(ServiceChannel channel, IConnectorEventLog log, string? issuerName = null) : IRevocationService
{
    public async Task<IReadOnlyList<RevocationRequest>> DownloadRevocationRequestsAsync(int maxRequests, CancellationToken cancellationToken)
    {
        var answer = await channel.PostAsync<ValueList<RevocationRequestDto>>(
            new ServiceCall(ServiceNames.Pki, $"{RemotePkcsService.Base}/downloadRevocationRequests", ConnectorEvents.RevokeDownloadFailure),
            new { downloadParameters = new { maxRequests = Math.Clamp(maxRequests, 1, 500), issuerName } }, cancellationToken).ConfigureAwait(false);
        var accepted = new List<RevocationRequest>();
        var refused = new List<RevocationRequestResult>();
        foreach (var dto in answer.Value ?? [])
        {
            if (string.IsNullOrWhiteSpace(dto.RequestContext)) continue;
            if (string.IsNullOrWhiteSpace(dto.SerialNumber) || ReasonOf(dto.Reason) is not { } reason)
            {
                var why = string.IsNullOrWhiteSpace(dto.SerialNumber) ? "serialNumber is empty" : $"reason '{dto.Reason}' is not a revocation reason";
                log.Write(ConnectorEvents.RevokeRequestFailure, dto.RequestContext, $"Revocation request {dto.RequestContext} from the service cannot be processed: {why}.", ("errorCode", "4000"));
                refused.Add(new RevocationRequestResult(dto.RequestContext, false, "4000", why));
                continue;
            }
            accepted.Add(new RevocationRequest(dto.RequestContext, dto.SerialNumber, reason, dto.IssuerName));
        }
        if (refused.Count > 0) await UploadRevocationResultsAsync(refused, cancellationToken).ConfigureAwait(false);
        return accepted;
    }

    public async Task UploadRevocationResultsAsync(IReadOnlyList<RevocationRequestResult> results, CancellationToken cancellationToken)
    {
        var body = new
        {
            results = results.Select(r => new { requestContext = r.RequestId, succeeded = r.Succeeded, errorCode = r.ErrorCode, errorMessage = r.ErrorMessage }).ToList(),
        };
        var answer = await channel.PostAsync<ValueFlag>(new ServiceCall(ServiceNames.Pki, $"{RemotePkcsService.Base}/uploadRevocationResults", ConnectorEvents.RevokeUploadFailure,
            results.Count == 1 ? results[0].RequestId : null), body, cancellationToken).ConfigureAwait(false);
        answer.EnsureAcknowledged("uploadRevocationResults");
    }

    /// <summary>The reason as a number (RFC 5280 CRLReason) or its name; absent: unspecified.</summary>
    private static RevocationReason? ReasonOf(JsonElement? reason) => reason switch
    {
        null => RevocationReason.Unspecified,
        { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => RevocationReason.Unspecified,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var code) && Enum.IsDefined(typeof(RevocationReason), code) => (RevocationReason)code,
        { ValueKind: JsonValueKind.String } s when Enum.TryParse<RevocationReason>(s.GetString(), true, out var named) && Enum.IsDefined(named) => named,
        _ => null,
    };

    private sealed record RevocationRequestDto(string RequestContext, string? SerialNumber, string? IssuerName, string? CaConfiguration, JsonElement? Reason);
}
