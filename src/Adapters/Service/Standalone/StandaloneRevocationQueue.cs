using CertConnector.Actors.Ports;
using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>One queued revocation with its queue status and result (the admin API's read side).</summary>
/// <param name="PkcsRequestId">set when the revocation was asked for as <c>pkcs revoke</c>.</param>
public sealed record RevocationRequestRecord(
    RevocationRequest Request,
    string? PkcsRequestId,
    QueueStatus Status,
    DateTimeOffset EnqueuedAt,
    int DeliveryCount,
    RevocationRequestResult? Result,
    int UploadCount);

/// <summary>The standalone revocation queue as the admin API uses it (the actors use <see cref="IRevocationService"/>).</summary>
public interface IRevocationQueue
{
    /// <summary>False if the request ID is already known.</summary>
    Task<bool> EnqueueAsync(RevocationRequest request, string? pkcsRequestId, CancellationToken cancellationToken = default);

    Task<RevocationRequestRecord?> GetAsync(string requestId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Revocation in standalone mode: the queue the admin API fills, the revocation actors drain, and the results they
/// upload, in standalone.db, with the same lease rules as the PKCS queue (<see cref="QueueLeases"/>).
/// </summary>
public sealed class StandaloneRevocationQueue : IRevocationService, IRevocationQueue, IStandaloneRequestList
{
    private static readonly StandaloneTable Requests = new("revocation_requests", """
        CREATE TABLE IF NOT EXISTS revocation_requests (
            request_id       TEXT PRIMARY KEY NOT NULL,
            serial_number    TEXT NOT NULL,
            reason           TEXT NOT NULL,
            issuer_name      TEXT,
            pkcs_request_id  TEXT,
            enqueued_at      TEXT NOT NULL,
            lease_expires_at TEXT,
            leased_by        TEXT,
            delivery_count   INTEGER NOT NULL DEFAULT 0,
            completed_at     TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_revocation_requests_enqueued ON revocation_requests (enqueued_at);
        """);

    private static readonly StandaloneTable Results = new("revocation_results", """
        CREATE TABLE IF NOT EXISTS revocation_results (
            request_id    TEXT PRIMARY KEY NOT NULL REFERENCES revocation_requests (request_id),
            succeeded     INTEGER NOT NULL,
            error_code    TEXT,
            error_message TEXT,
            uploaded_at   TEXT NOT NULL,
            upload_count  INTEGER NOT NULL DEFAULT 1
        );
        """);

    private const string Select = """
        SELECT r.request_id, r.serial_number, r.reason, r.issuer_name, r.pkcs_request_id, r.enqueued_at, r.lease_expires_at, r.delivery_count,
            s.succeeded, s.error_code, s.error_message, s.upload_count
        FROM revocation_requests r LEFT JOIN revocation_results s ON s.request_id = r.request_id
        """;

    private readonly StandaloneStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseDuration;
    private readonly string _instanceId;

    public StandaloneRevocationQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        _store = new StandaloneStore(database, Requests, Results);
        _leaseDuration = leaseDuration;
        _instanceId = instanceId;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Feature => "revocation";

    /// <summary>Creates the tables, then takes back this instance's leases from before a crash.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseLeasesOfAsync(_instanceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends a departed instance's leases, so its revocations are handed out again at once (the cluster calls this).</summary>
    public Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken = default) =>
        QueueLeases.ReleaseAsync(_store, "revocation_requests", instanceId, cancellationToken);

    public Task<bool> EnqueueAsync(RevocationRequest request, string? pkcsRequestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.RequestId, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.SerialNumber, nameof(request));
        var now = _time.GetUtcNow();
        return _store.RunAsync(async connection =>
        {
            await using var insert = StandaloneStore.Command(connection, null, """
                INSERT INTO revocation_requests (request_id, serial_number, reason, issuer_name, pkcs_request_id, enqueued_at)
                VALUES (@id, @serial, @reason, @issuer, @pkcs, @now)
                ON CONFLICT (request_id) DO NOTHING
                """,
                ("@id", request.RequestId), ("@serial", request.SerialNumber), ("@reason", request.Reason.ToString()),
                ("@issuer", request.IssuerName), ("@pkcs", pkcsRequestId), ("@now", StandaloneDatabase.FormatTime(now)));
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <summary>Hands out up to <paramref name="maxRequests"/> queued revocations, oldest first, and leases them.</summary>
    public Task<IReadOnlyList<RevocationRequest>> DownloadRevocationRequestsAsync(int maxRequests, CancellationToken cancellationToken)
    {
        if (maxRequests <= 0) return Task.FromResult<IReadOnlyList<RevocationRequest>>([]);
        var now = _time.GetUtcNow();
        return _store.InWriteTransactionAsync<IReadOnlyList<RevocationRequest>>(async (connection, transaction) =>
        {
            var requests = new List<RevocationRequest>();
            await using (var select = StandaloneStore.Command(connection, transaction,
                $"{Select} WHERE {QueueStatuses.QueuedFilter} ORDER BY r.enqueued_at, r.rowid LIMIT @max",
                ("@now", StandaloneDatabase.FormatTime(now)), ("@max", maxRequests)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) requests.Add(ReadRequest(reader));
            }
            await QueueLeases.LeaseAsync(connection, transaction, "revocation_requests", requests.Select(r => r.RequestId), now + _leaseDuration,
                _instanceId, cancellationToken).ConfigureAwait(false);
            return requests;
        }, cancellationToken);
    }

    /// <summary>Stores each result once per request ID (a repeat only counts) and completes its request.</summary>
    public Task UploadRevocationResultsAsync(IReadOnlyList<RevocationRequestResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        var now = StandaloneDatabase.FormatTime(_time.GetUtcNow());
        return _store.InWriteTransactionAsync(async (connection, transaction) =>
        {
            foreach (var result in results)
            {
                await using var repeat = StandaloneStore.Command(connection, transaction,
                    "UPDATE revocation_results SET upload_count = upload_count + 1 WHERE request_id = @id", ("@id", result.RequestId));
                if (await repeat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1) continue;
                if (!await QueueLeases.ExistsAsync(connection, transaction, "revocation_requests", result.RequestId, cancellationToken).ConfigureAwait(false))
                    continue;
                await using var insert = StandaloneStore.Command(connection, transaction, """
                    INSERT INTO revocation_results (request_id, succeeded, error_code, error_message, uploaded_at)
                    VALUES (@id, @succeeded, @code, @message, @now)
                    """,
                    ("@id", result.RequestId), ("@succeeded", result.Succeeded ? 1 : 0), ("@code", result.ErrorCode),
                    ("@message", result.ErrorMessage), ("@now", now));
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                    await QueueLeases.CompleteAsync(connection, transaction, "revocation_requests", result.RequestId, now, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);
    }

    public Task<RevocationRequestRecord?> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        var now = _time.GetUtcNow();
        return _store.RunAsync(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null, Select + " WHERE r.request_id = @id", ("@id", requestId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, now) : null;
        }, cancellationToken);
    }

    public async Task<QueuedRequestSummary?> FindAsync(string requestId, CancellationToken cancellationToken) =>
        await GetAsync(requestId, cancellationToken).ConfigureAwait(false) is { } r ? Summary(r) : null;

    public string DetailsPath(string requestId) => $"/api/v1/revocation/requests/{Uri.EscapeDataString(requestId)}";

    private QueuedRequestSummary Summary(RevocationRequestRecord r) =>
        new(Feature, r.Request.RequestId, r.Status, $"serial {r.Request.SerialNumber} ({r.Request.Reason})", r.EnqueuedAt, r.Result?.ErrorCode);

    public Task<IReadOnlyList<QueuedRequestSummary>> ListAsync(QueueStatus? status, int limit, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return _store.RunAsync<IReadOnlyList<QueuedRequestSummary>>(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null,
                $"{Select} WHERE {QueueStatuses.SqlFilter(status)} ORDER BY r.enqueued_at DESC, r.rowid DESC LIMIT @limit",
                ("@now", StandaloneDatabase.FormatTime(now)), ("@limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<QueuedRequestSummary>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(Summary(ReadRecord(reader, now)));
            }
            return rows;
        }, cancellationToken);
    }

    // Column order follows Select.
    private static RevocationRequest ReadRequest(DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), Enum.Parse<RevocationReason>(reader.GetString(2)), StandaloneStore.NullableString(reader, 3));

    private static RevocationRequestRecord ReadRecord(DbDataReader reader, DateTimeOffset now)
    {
        var request = ReadRequest(reader);
        var leaseExpiresAt = StandaloneStore.NullableTime(reader, 6);
        RevocationRequestResult? result = reader.IsDBNull(8) ? null
            : new(request.RequestId, reader.GetInt64(8) == 1, StandaloneStore.NullableString(reader, 9), StandaloneStore.NullableString(reader, 10));
        var status = result is not null
            ? result.Succeeded ? QueueStatus.Completed : QueueStatus.Failed
            : leaseExpiresAt > now ? QueueStatus.Leased : QueueStatus.Queued;
        return new(request, StandaloneStore.NullableString(reader, 4), status, StandaloneDatabase.ParseTime(reader.GetString(5)), StandaloneStore.Int(reader, 7),
            result, result is null ? 0 : StandaloneStore.Int(reader, 11));
    }
}
