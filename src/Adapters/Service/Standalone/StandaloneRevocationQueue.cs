using System.Data.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>A revocation as the standalone queue holds it.</summary>
/// <param name="PkcsRequestId">set when the revocation was asked for as <c>pkcs revoke</c>.</param>
public sealed record QueuedRevocation(RevocationRequest Revocation, string? PkcsRequestId);

/// <summary>The standalone revocation queue as the admin API uses it (the actors use <see cref="IRevocationService"/>).</summary>
public interface IRevocationQueue
{
    /// <summary>False if the request ID is already known.</summary>
    Task<bool> EnqueueAsync(RevocationRequest request, string? pkcsRequestId, CancellationToken cancellationToken = default);

    /// <summary>One revocation with its queue status and result, or null if the ID is unknown.</summary>
    Task<QueuedRecord<QueuedRevocation, RevocationRequestResult>?> GetAsync(string requestId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Revocation in standalone mode: the queue the admin API fills, the revocation actors drain (<see cref="IRevocationService"/>),
/// and the results they upload, in standalone.db. A result has only the common fields.
/// </summary>
public sealed class StandaloneRevocationQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider = null)
    : StandaloneLeasedQueue<QueuedRevocation, RevocationRequestResult>(database, leaseDuration, instanceId, timeProvider,
        "revocation_requests",
        [("serial_number", "TEXT NOT NULL"), ("reason", "TEXT NOT NULL"), ("issuer_name", "TEXT"), ("pkcs_request_id", "TEXT"), ("ca", "TEXT")],
        "revocation_results", [],
        requestMigrations:
        [
            StandaloneTable.AddColumn("revocation_requests", "ca", "TEXT"), // 2: the CA it names (NULL: the CA that issued the serial)
        ]), IRevocationService, IRevocationQueue
{
    public override string Feature => "revocation";

    public override string DetailsPath(string requestId) => $"/api/v1/revocation/requests/{Uri.EscapeDataString(requestId)}";

    public Task<bool> EnqueueAsync(RevocationRequest request, string? pkcsRequestId, CancellationToken cancellationToken = default) =>
        EnqueueAsync(new QueuedRevocation(request, pkcsRequestId), cancellationToken);

    public async Task<IReadOnlyList<RevocationRequest>> DownloadRevocationRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        [.. (await DownloadAsync(maxRequests, cancellationToken).ConfigureAwait(false)).Select(q => q.Revocation)];

    public Task UploadRevocationResultsAsync(IReadOnlyList<RevocationRequestResult> results, CancellationToken cancellationToken) =>
        UploadResultsAsync(results, cancellationToken);

    protected override void Validate(QueuedRevocation queued)
    {
        ArgumentNullException.ThrowIfNull(queued.Revocation, nameof(queued));
        ArgumentException.ThrowIfNullOrWhiteSpace(queued.Revocation.SerialNumber, nameof(queued));
    }

    protected override string RequestIdOf(QueuedRevocation queued) => queued.Revocation?.RequestId!;
    protected override string ResultIdOf(RevocationRequestResult result) => result.RequestId;
    protected override (bool Succeeded, string? ErrorCode, string? ErrorMessage) OutcomeOf(RevocationRequestResult r) => (r.Succeeded, r.ErrorCode, r.ErrorMessage);

    protected override object?[] RequestValues(QueuedRevocation q) =>
        [q.Revocation.SerialNumber, q.Revocation.Reason.ToString(), q.Revocation.IssuerName, q.PkcsRequestId, q.Revocation.Ca];

    protected override object?[] ResultValues(RevocationRequestResult result) => [];

    protected override QueuedRevocation ReadRequest(DbDataReader reader) => new(
        new RevocationRequest(reader.GetString(0), reader.GetString(1), Enum.Parse<RevocationReason>(reader.GetString(2)), StandaloneStore.NullableString(reader, 3),
            StandaloneStore.NullableString(reader, 5)),
        StandaloneStore.NullableString(reader, 4));

    protected override RevocationRequestResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first) =>
        new(requestId, succeeded, errorCode, errorMessage);

    protected override string Describe(QueuedRevocation q) =>
        $"serial {q.Revocation.SerialNumber} ({q.Revocation.Reason}){(q.Revocation.Ca is { } ca ? $" at CA {ca}" : "")}";
}
