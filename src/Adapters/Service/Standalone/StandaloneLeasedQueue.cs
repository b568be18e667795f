using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>One queued request with its queue status and result (the admin API's read side).</summary>
public sealed record QueuedRecord<TRequest, TResult>(TRequest Request, QueueStatus Status, DateTimeOffset EnqueuedAt, int DeliveryCount, TResult? Result, int UploadCount)
    where TResult : class;

/// <summary>
/// A standalone queue whose request and result are a few columns each (PKCS import, recrypt): the admin API fills it, the
/// feature's actors drain it through the feature's service port and upload results into it, with the lease rules of
/// <see cref="QueueLeases"/>. A feature says only its table names, its columns and how a row maps to its records.
/// </summary>
public abstract class StandaloneLeasedQueue<TRequest, TResult> : IStandaloneRequestList where TResult : class
{
    private readonly StandaloneStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseDuration;
    private readonly string _instanceId;
    private readonly string _requests, _results, _select;
    private readonly IReadOnlyList<string> _requestColumns, _resultColumns;

    /// <param name="requestColumns">the request's columns after <c>request_id</c>, in the order <see cref="RequestValues"/> and <see cref="ReadRequest"/> use.</param>
    /// <param name="resultColumns">the result's columns after <c>succeeded, error_code, error_message</c>.</param>
    protected StandaloneLeasedQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider,
        string requestsTable, IReadOnlyList<(string Name, string Type)> requestColumns, string resultsTable, IReadOnlyList<(string Name, string Type)> resultColumns)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        _requests = requestsTable;
        _results = resultsTable;
        _requestColumns = [.. requestColumns.Select(c => c.Name)];
        _resultColumns = [.. resultColumns.Select(c => c.Name)];
        var requests = new StandaloneTable(requestsTable, $"""
            CREATE TABLE IF NOT EXISTS {requestsTable} (
                request_id       TEXT PRIMARY KEY NOT NULL,
                {string.Join(",\n", requestColumns.Select(c => $"{c.Name} {c.Type}"))},
                enqueued_at      TEXT NOT NULL,
                lease_expires_at TEXT,
                leased_by        TEXT,
                delivery_count   INTEGER NOT NULL DEFAULT 0,
                completed_at     TEXT
            );
            CREATE INDEX IF NOT EXISTS ix_{requestsTable}_enqueued ON {requestsTable} (enqueued_at);
            """);
        var results = new StandaloneTable(resultsTable, $"""
            CREATE TABLE IF NOT EXISTS {resultsTable} (
                request_id    TEXT PRIMARY KEY NOT NULL REFERENCES {requestsTable} (request_id),
                succeeded     INTEGER NOT NULL,
                error_code    TEXT,
                error_message TEXT,
                {string.Join(",\n", resultColumns.Select(c => $"{c.Name} {c.Type}"))},
                uploaded_at   TEXT NOT NULL,
                upload_count  INTEGER NOT NULL DEFAULT 1
            );
            """);
        _store = new StandaloneStore(database, requests, results);
        _leaseDuration = leaseDuration;
        _instanceId = instanceId;
        _time = timeProvider ?? TimeProvider.System;
        // Column order: request_id, the request's columns, enqueued_at, lease_expires_at, delivery_count, then the result's.
        _select = $"SELECT r.request_id, {string.Join(", ", _requestColumns.Select(c => "r." + c))}, r.enqueued_at, r.lease_expires_at, r.delivery_count, " +
                  $"s.succeeded, s.error_code, s.error_message, {string.Join(", ", _resultColumns.Select(c => "s." + c))}, s.upload_count " +
                  $"FROM {requestsTable} r LEFT JOIN {resultsTable} s ON s.request_id = r.request_id";
    }

    public abstract string Feature { get; }

    public abstract string DetailsPath(string requestId);

    protected abstract string RequestIdOf(TRequest request);
    protected abstract string ResultIdOf(TResult result);
    protected abstract object?[] RequestValues(TRequest request);
    protected abstract object?[] ResultValues(TResult result);
    protected abstract string? ErrorCodeOf(TResult result);

    /// <summary>Reads a request: its ID at <paramref name="reader"/> ordinal 0, its columns from ordinal 1.</summary>
    protected abstract TRequest ReadRequest(DbDataReader reader);

    /// <summary>Reads a result: the common fields given, its own columns from ordinal <paramref name="first"/>.</summary>
    protected abstract TResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first);

    /// <summary>The one-line description in <c>requests list</c>.</summary>
    protected abstract string Describe(TRequest request);

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseLeasesOfAsync(_instanceId, cancellationToken).ConfigureAwait(false);
    }

    public Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken = default) =>
        QueueLeases.ReleaseAsync(_store, _requests, instanceId, cancellationToken);

    /// <summary>False if the request ID is already known.</summary>
    public Task<bool> EnqueueAsync(TRequest request, CancellationToken cancellationToken = default)
    {
        var id = RequestIdOf(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(id, nameof(request));
        var values = RequestValues(request);
        var now = _time.GetUtcNow();
        return _store.RunAsync(async connection =>
        {
            var parameters = new List<(string, object?)> { ("@id", id), ("@now", StandaloneDatabase.FormatTime(now)) };
            parameters.AddRange(values.Select((v, i) => ($"@c{i}", v)));
            await using var insert = StandaloneStore.Command(connection, null, $"""
                INSERT INTO {_requests} (request_id, {string.Join(", ", _requestColumns)}, enqueued_at)
                VALUES (@id, {string.Join(", ", _requestColumns.Select((_, i) => $"@c{i}"))}, @now)
                ON CONFLICT (request_id) DO NOTHING
                """, [.. parameters]);
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <summary>Hands out up to <paramref name="maxRequests"/> queued requests, oldest first, and leases them.</summary>
    protected Task<IReadOnlyList<TRequest>> DownloadAsync(int maxRequests, CancellationToken cancellationToken)
    {
        if (maxRequests <= 0) return Task.FromResult<IReadOnlyList<TRequest>>([]);
        var now = _time.GetUtcNow();
        return _store.InWriteTransactionAsync<IReadOnlyList<TRequest>>(async (connection, transaction) =>
        {
            var requests = new List<TRequest>();
            await using (var select = StandaloneStore.Command(connection, transaction,
                $"{_select} WHERE {QueueStatuses.QueuedFilter} ORDER BY r.enqueued_at, r.rowid LIMIT @max",
                ("@now", StandaloneDatabase.FormatTime(now)), ("@max", maxRequests)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) requests.Add(ReadRequest(reader));
            }
            await QueueLeases.LeaseAsync(connection, transaction, _requests, requests.Select(RequestIdOf), now + _leaseDuration,
                _instanceId, cancellationToken).ConfigureAwait(false);
            return requests;
        }, cancellationToken);
    }

    /// <summary>Stores each result once per request ID (a repeat only counts) and completes its request.</summary>
    protected Task UploadAsync(IReadOnlyList<TResult> results, Func<TResult, (bool Succeeded, string? Code, string? Message)> common, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(results);
        var now = StandaloneDatabase.FormatTime(_time.GetUtcNow());
        return _store.InWriteTransactionAsync(async (connection, transaction) =>
        {
            foreach (var result in results)
            {
                var id = ResultIdOf(result);
                await using var repeat = StandaloneStore.Command(connection, transaction,
                    $"UPDATE {_results} SET upload_count = upload_count + 1 WHERE request_id = @id", ("@id", id));
                if (await repeat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1) continue;
                if (!await QueueLeases.ExistsAsync(connection, transaction, _requests, id, cancellationToken).ConfigureAwait(false)) continue;
                var (succeeded, code, message) = common(result);
                var parameters = new List<(string, object?)> { ("@id", id), ("@succeeded", succeeded ? 1 : 0), ("@code", code), ("@message", message), ("@now", now) };
                parameters.AddRange(ResultValues(result).Select((v, i) => ($"@c{i}", v)));
                await using var insert = StandaloneStore.Command(connection, transaction, $"""
                    INSERT INTO {_results} (request_id, succeeded, error_code, error_message, {string.Join(", ", _resultColumns)}, uploaded_at)
                    VALUES (@id, @succeeded, @code, @message, {string.Join(", ", _resultColumns.Select((_, i) => $"@c{i}"))}, @now)
                    """, [.. parameters]);
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                    await QueueLeases.CompleteAsync(connection, transaction, _requests, id, now, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);
    }

    public Task<QueuedRecord<TRequest, TResult>?> GetAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        var now = _time.GetUtcNow();
        return _store.RunAsync(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null, _select + " WHERE r.request_id = @id", ("@id", requestId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, now) : null;
        }, cancellationToken);
    }

    public async Task<QueuedRequestSummary?> FindAsync(string requestId, CancellationToken cancellationToken) =>
        await GetAsync(requestId, cancellationToken).ConfigureAwait(false) is { } r ? Summary(r) : null;

    public Task<IReadOnlyList<QueuedRequestSummary>> ListAsync(QueueStatus? status, int limit, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return _store.RunAsync<IReadOnlyList<QueuedRequestSummary>>(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null,
                $"{_select} WHERE {QueueStatuses.SqlFilter(status)} ORDER BY r.enqueued_at DESC, r.rowid DESC LIMIT @limit",
                ("@now", StandaloneDatabase.FormatTime(now)), ("@limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<QueuedRequestSummary>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(Summary(ReadRecord(reader, now)));
            return rows;
        }, cancellationToken);
    }

    private QueuedRequestSummary Summary(QueuedRecord<TRequest, TResult> r) =>
        new(Feature, RequestIdOf(r.Request), r.Status, Describe(r.Request), r.EnqueuedAt, r.Result is null ? null : ErrorCodeOf(r.Result));

    private QueuedRecord<TRequest, TResult> ReadRecord(DbDataReader reader, DateTimeOffset now)
    {
        var request = ReadRequest(reader);
        var at = 1 + _requestColumns.Count;
        var enqueuedAt = StandaloneDatabase.ParseTime(reader.GetString(at));
        var leaseExpiresAt = StandaloneStore.NullableTime(reader, at + 1);
        var deliveries = StandaloneStore.Int(reader, at + 2);
        var s = at + 3;
        TResult? result = null;
        bool succeeded = false;
        if (!reader.IsDBNull(s))
        {
            succeeded = reader.GetInt64(s) == 1;
            var code = StandaloneStore.NullableString(reader, s + 1);
            result = ReadResult(RequestIdOf(request), succeeded, code, StandaloneStore.NullableString(reader, s + 2), reader, s + 3);
        }
        var status = result is not null
            ? succeeded ? QueueStatus.Completed : QueueStatus.Failed
            : leaseExpiresAt > now ? QueueStatus.Leased : QueueStatus.Queued;
        return new(request, status, enqueuedAt, deliveries, result, result is null ? 0 : StandaloneStore.Int(reader, s + 3 + _resultColumns.Count));
    }
}
