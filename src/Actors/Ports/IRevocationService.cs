namespace CertConnector.Actors.Ports;

/// <summary>One revocation as the management service hands it out (docs/DESIGN.md §8 downloadRevocationRequests; the
/// service's requestContext is our request ID).</summary>
/// <param name="Ca">the CA to revoke at, by name; null: the CA the issued-certificate store says issued the serial (or the default CA).</param>
public sealed record RevocationRequest(
    string RequestId,
    string SerialNumber,
    RevocationReason Reason,
    string? IssuerName = null,
    string? Ca = null);

/// <summary>Which configured CA issued a serial, as the issued-certificate store recorded it (docs/DESIGN.md §5.3).</summary>
public interface IIssuingCaLookup
{
    /// <summary>The name of the CA that issued <paramref name="serialNumber"/>; null when the store does not know the serial.</summary>
    Task<string?> IssuingCaOfAsync(string serialNumber, CancellationToken cancellationToken);
}

/// <summary>The outcome of one revocation as it goes back to the service (uploadRevocationResults).</summary>
/// <param name="ErrorCode">the service's code: 4004 certificate not found, 4005 already revoked (with
/// <paramref name="Succeeded"/> true), 4100-4199 retryable.</param>
public sealed record RevocationRequestResult(
    string RequestId,
    bool Succeeded,
    string? ErrorCode = null,
    string? ErrorMessage = null);

/// <summary>
/// The management service as the revocation feature sees it. Standalone: a queue in standalone.db fed by the
/// admin API. Failures are <see cref="Common.ConnectorFailureException"/>s.
/// </summary>
public interface IRevocationService
{
    Task<IReadOnlyList<RevocationRequest>> DownloadRevocationRequestsAsync(int maxRequests, CancellationToken cancellationToken);

    /// <summary>Idempotent per request ID: uploading the same result twice records it once.</summary>
    Task UploadRevocationResultsAsync(IReadOnlyList<RevocationRequestResult> results, CancellationToken cancellationToken);
}
