using System.Text.Json;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IRevocationService"/> over downloadRevocationRequests / uploadRevocationResults (as Intune's). A revocation without
/// serial number or with an unknown reason is answered at once with a failure result (<see cref="PkiRequestCalls"/>). The service's
/// revocation API fixes numeric error codes (4000–4099 final), so the refusal code is its generic final error, 4000, where the
/// other features answer <c>BadRequest</c>.
/// </summary>
/// <param name="honourCaConfiguration">false: the service's <c>caConfiguration</c> is ignored (no CA is named in the settings); a revocation goes to the CA that issued the serial.</param>
public sealed class RemoteRevocationService(ServiceChannel channel, IConnectorEventLog log, string? issuerName = null, bool honourCaConfiguration = true) : IRevocationService
{
    public Task<IReadOnlyList<RevocationRequest>> DownloadRevocationRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        channel.DownloadAsync<RevocationRequestDto, RevocationRequest>("downloadRevocationRequests", ConnectorEvents.RevokeDownloadFailure, maxRequests,
            dto => dto.RequestContext, dto => dto.ToRequest(honourCaConfiguration),
            new(log, ConnectorEvents.RevokeRequestFailure, "Revocation", (refused, ct) => UploadRevocationResultsAsync(
                [.. refused.Select(r => new RevocationRequestResult(r.RequestId, false, r.ErrorCode, r.Reason))], ct))
            {
                ErrorCode = RevocationRequestState.FinalErrorCode,
            },
            cancellationToken, max => new { maxRequests = max, issuerName });

    public Task UploadRevocationResultsAsync(IReadOnlyList<RevocationRequestResult> results, CancellationToken cancellationToken) =>
        channel.UploadAsync("uploadRevocationResults", ConnectorEvents.RevokeUploadFailure, [.. results.Select(r => r.RequestId)],
            results.Select(r => new { requestContext = r.RequestId, succeeded = r.Succeeded, errorCode = r.ErrorCode, errorMessage = r.ErrorMessage }).ToList(),
            cancellationToken);

    private sealed record RevocationRequestDto(string RequestContext, string? SerialNumber, string? IssuerName, string? CaConfiguration, JsonElement? Reason)
    {
        public RevocationRequest ToRequest(bool honourCaConfiguration)
        {
            if (string.IsNullOrWhiteSpace(SerialNumber)) throw new FormatException("serialNumber is empty.");
            if (ReasonOf(Reason) is not { } reason) throw new FormatException($"reason '{Reason}' is not a revocation reason.");
            return new RevocationRequest(RequestContext, SerialNumber, reason, IssuerName,
                !honourCaConfiguration || string.IsNullOrWhiteSpace(CaConfiguration) ? null : CaConfiguration.Trim());
        }
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
}
