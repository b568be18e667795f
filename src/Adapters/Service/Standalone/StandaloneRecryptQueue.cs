using System.Data.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>Recrypt in standalone mode: the queue the admin API fills and the recrypt actors drain (<see cref="IRecryptService"/>),
/// in standalone.db. Payloads are stored only enveloped: to the connector key on the way in, to the recipient on the way out.</summary>
public sealed class StandaloneRecryptQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider = null)
    : StandaloneLeasedQueue<RecryptRequest, RecryptResult>(database, leaseDuration, instanceId, timeProvider,
        "recrypt_requests", [("encrypted_payload", "BLOB NOT NULL"), ("recipient_certificate", "BLOB NOT NULL")],
        "recrypt_results", [("encrypted_payload", "BLOB")]), IRecryptService
{
    public override string Feature => "recrypt";

    public override string DetailsPath(string requestId) => $"/api/v1/recrypt/requests/{Uri.EscapeDataString(requestId)}";

    public Task<IReadOnlyList<RecryptRequest>> DownloadRecryptRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        DownloadAsync(maxRequests, cancellationToken);

    public Task UploadRecryptResultsAsync(IReadOnlyList<RecryptResult> results, CancellationToken cancellationToken) =>
        UploadResultsAsync(results, cancellationToken);

    protected override string RequestIdOf(RecryptRequest request) => request.RequestId;
    protected override string ResultIdOf(RecryptResult result) => result.RequestId;
    protected override (bool Succeeded, string? ErrorCode, string? ErrorMessage) OutcomeOf(RecryptResult r) => (r.Succeeded, r.ErrorCode, r.ErrorMessage);

    protected override object?[] RequestValues(RecryptRequest r) => [r.EncryptedPayload, r.RecipientCertificate];

    protected override object?[] ResultValues(RecryptResult r) => [r.EncryptedPayload];

    protected override RecryptRequest ReadRequest(DbDataReader reader) => new(reader.GetString(0), (byte[])reader.GetValue(1), (byte[])reader.GetValue(2));

    protected override RecryptResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first) =>
        new(requestId, succeeded, errorCode, errorMessage, StandaloneStore.NullableBytes(reader, first));

    protected override string Describe(RecryptRequest r) => $"payload of {r.EncryptedPayload.Length} bytes";
}
