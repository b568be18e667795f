using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>One queued request with its queue status and result (the admin API's read side).</summary>
/// <param name="LeaseExpiresAt">until when the holder of a lease has it; null once a result is stored.</param>
/// <param name="UploadedAt">when the first result arrived; null without a result.</param>
public sealed record QueuedRecord<TRequest, TResult>(TRequest Request, QueueStatus Status, DateTimeOffset EnqueuedAt, int DeliveryCount, TResult? Result,
    int UploadCount, DateTimeOffset? LeaseExpiresAt, DateTimeOffset? UploadedAt)
    where TResult : class;

/// <summary>What one batch upload did, per result: stored, already stored (kept the first), or unknown request ID.</summary>
public sealed record UploadSummary(int Stored, int Duplicates, int Unknown);

/// <summary>
/// A standalone queue (PKCS, revocation, PKCS import, recrypt): the admin API fills it, the feature's actors drain it through the
/// feature's service port and upload results into it, with the lease rules of <see cref="QueueLeases"/>. A feature says only its
/// table names, its columns and how a row maps to its records. Storage failures surface as
/// <c>ConnectorFailureException.Transient("StandaloneStoreUnavailable")</c>.
/// </summary>
public abstract class StandaloneLeasedQueue<TRequest, TResult> : IStandaloneRequestList where TResult : class
{
    private readonly StandaloneStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseDuration;
    private readonly string _instanceId;
    private readonly string _requests, _results, _select, _from, _insertRequest, _insertResult;
    private readonly IReadOnlyList<string> _requestColumns, _resultColumns;

    /// <param name="requestColumns">the request's columns after <c>request_id</c>, in the order <see cref="RequestValues"/> and <see cref="ReadRequest"/> use.</param>
    /// <param name="resultColumns">the result's columns after <c>succeeded, error_code, error_message</c> (none is allowed).</param>
    /// <param name="requestIndexes">DDL of further indexes on the requests table, created with it.</param>
    /// <param name="requestMigrations">the requests table's steps from older versions (see <see cref="StandaloneTable"/>): a queue that
    /// had steps keeps them, so the versions databases recorded stay true.</param>
    protected StandaloneLeasedQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId, TimeProvider? timeProvider,
        string requestsTable, IReadOnlyList<(string Name, string Type)> requestColumns, string resultsTable, IReadOnlyList<(string Name, string Type)> resultColumns,
        string requestIndexes = "", IReadOnlyList<TableMigration>? requestMigrations = null)
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
                {string.Concat(requestColumns.Select(c => $"{c.Name} {c.Type},\n"))}enqueued_at      TEXT NOT NULL,
                lease_expires_at TEXT,
                leased_by        TEXT,
                delivery_count   INTEGER NOT NULL DEFAULT 0,
                completed_at     TEXT
            );
            {requestIndexes}
            CREATE INDEX IF NOT EXISTS ix_{requestsTable}_enqueued ON {requestsTable} (enqueued_at);
            """, requestMigrations ?? []);
        var results = new StandaloneTable(resultsTable, $"""
            CREATE TABLE IF NOT EXISTS {resultsTable} (
                request_id    TEXT PRIMARY KEY NOT NULL REFERENCES {requestsTable} (request_id),
                succeeded     INTEGER NOT NULL,
                error_code    TEXT,
                error_message TEXT,
                {string.Concat(resultColumns.Select(c => $"{c.Name} {c.Type},\n"))}uploaded_at   TEXT NOT NULL,
                upload_count  INTEGER NOT NULL DEFAULT 1
            );
            """);
        _store = new StandaloneStore(database, requests, results);
        _leaseDuration = leaseDuration;
        _instanceId = instanceId;
        _time = timeProvider ?? TimeProvider.System;
        // Column order: request_id, the request's columns, enqueued_at, lease_expires_at, delivery_count, then the result's
        // common fields, its own columns, uploaded_at, upload_count.
        _from = $"FROM {requestsTable} r LEFT JOIN {resultsTable} s ON s.request_id = r.request_id";
        _select = $"SELECT r.request_id{Leading(_requestColumns, "r.")}, r.enqueued_at, r.lease_expires_at, r.delivery_count, " +
                  $"s.succeeded, s.error_code, s.error_message{Leading(_resultColumns, "s.")}, s.uploaded_at, s.upload_count {_from}";
        _insertRequest = $"""
            INSERT INTO {requestsTable} (request_id{Leading(_requestColumns)}, enqueued_at)
            VALUES (@id{Leading(_requestColumns.Select((_, i) => $"@c{i}"))}, @now)
            ON CONFLICT (request_id) DO NOTHING
            """;
        _insertResult = $"""
            INSERT INTO {resultsTable} (request_id, succeeded, error_code, error_message{Leading(_resultColumns)}, uploaded_at)
            VALUES (@id, @succeeded, @code, @message{Leading(_resultColumns.Select((_, i) => $"@c{i}"))}, @now)
            ON CONFLICT (request_id) DO NOTHING
            """;
    }

    public abstract string Feature { get; }

    public abstract string DetailsPath(string requestId);

    protected abstract string RequestIdOf(TRequest request);
    protected abstract string ResultIdOf(TResult result);
    protected abstract object?[] RequestValues(TRequest request);
    protected abstract object?[] ResultValues(TResult result);

    /// <summary>The fields every result has, stored in <c>succeeded, error_code, error_message</c>.</summary>
    protected abstract (bool Succeeded, string? ErrorCode, string? ErrorMessage) OutcomeOf(TResult result);

    /// <summary>Refuses a request the queue cannot store (an <see cref="ArgumentException"/>); the ID is checked already.</summary>
    protected virtual void Validate(TRequest request) { }

    /// <summary>Reads a request: its ID at <paramref name="reader"/> ordinal 0, its columns from ordinal 1.</summary>
    protected abstract TRequest ReadRequest(DbDataReader reader);

    /// <summary>Reads a result: the common fields given, its own columns from ordinal <paramref name="first"/>.</summary>
    protected abstract TResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first);

    /// <summary>The one-line description in <c>requests list</c>.</summary>
    protected abstract string Describe(TRequest request);

    /// <summary>
    /// Creates the tables now (otherwise done on first use), then takes back the leases this instance held when it last
    /// stopped: after a kill -9 its requests move again at once, not after the lease.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseLeasesOfAsync(_instanceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends an instance's leases, so its requests are handed out again at once (the cluster calls this for a departed one).</summary>
    public Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken = default) =>
        QueueLeases.ReleaseAsync(_store, _requests, instanceId, cancellationToken);

    /// <summary>
    /// Queues a request, stamped with the current time. False if the request ID is already known. Concurrent calls share one
    /// SQLite commit (see <see cref="StandaloneDatabase.InWriteTransactionAsync{T}"/>): one fsync per request capped the admin
    /// API at a few hundred requests/s, far less while the journal and the CA wrote too.
    /// </summary>
    public Task<bool> EnqueueAsync(TRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = RequestIdOf(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(id, nameof(request));
        Validate(request);
        var parameters = new List<(string, object?)> { ("@id", id), ("@now", StandaloneDatabase.FormatTime(_time.GetUtcNow())) };
        parameters.AddRange(RequestValues(request).Select((v, i) => ($"@c{i}", v)));
        return _store.InWriteTransactionAsync(async (connection, transaction) =>
        {
            await using var insert = StandaloneStore.Command(connection, transaction, _insertRequest, [.. parameters]);
            // The caller's token counts until its write starts; within a commit shared with other callers the insert runs to its end.
            return await insert.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    /// <summary>
    /// Hands out up to <paramref name="maxRequests"/> queued requests without a result whose lease has run out, oldest first,
    /// and leases them for the configured duration, all in one write transaction. On PostgreSQL the rows are locked as they
    /// are read, and rows another instance is leasing at that moment are passed over (SKIP LOCKED), not waited for; a row
    /// leased and committed meanwhile is read again and no longer qualifies.
    /// </summary>
    protected Task<IReadOnlyList<TRequest>> DownloadAsync(int maxRequests, CancellationToken cancellationToken)
    {
        if (maxRequests <= 0) return Task.FromResult<IReadOnlyList<TRequest>>([]);
        var now = _time.GetUtcNow();
        return _store.InWriteTransactionAsync<IReadOnlyList<TRequest>>(async (connection, transaction) =>
        {
            var requests = new List<TRequest>();
            await using (var select = StandaloneStore.Command(connection, transaction,
                $"{_select} WHERE {QueueStatuses.QueuedFilter} ORDER BY r.enqueued_at, r.rowid LIMIT @max{_store.Database.ForUpdateSkipLocked("r")}",
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

    /// <summary>
    /// Stores each result once per request ID and completes its request, all in one write transaction. A repeated upload keeps
    /// the first result and only increments <c>upload_count</c> (so tests can prove a result was uploaded exactly once); a
    /// result for an unknown request ID is ignored. The insert decides (ON CONFLICT DO NOTHING): of two instances uploading
    /// one result at once, the second waits for the first's row and counts as the repeat.
    /// </summary>
    public Task<UploadSummary> UploadResultsAsync(IReadOnlyList<TResult> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return Task.FromResult(new UploadSummary(0, 0, 0));
        var now = StandaloneDatabase.FormatTime(_time.GetUtcNow());
        return _store.InWriteTransactionAsync(async (connection, transaction) =>
        {
            int stored = 0, duplicates = 0, unknown = 0;
            foreach (var result in results)
            {
                if (result is null || ResultIdOf(result) is not { Length: > 0 } id) { unknown++; continue; }
                if (!await QueueLeases.ExistsAsync(connection, transaction, _requests, id, cancellationToken).ConfigureAwait(false)) { unknown++; continue; }
                var (succeeded, code, message) = OutcomeOf(result);
                var parameters = new List<(string, object?)> { ("@id", id), ("@succeeded", succeeded ? 1 : 0), ("@code", code), ("@message", message), ("@now", now) };
                parameters.AddRange(ResultValues(result).Select((v, i) => ($"@c{i}", v)));
                await using var insert = StandaloneStore.Command(connection, transaction, _insertResult, [.. parameters]);
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    await using var repeat = StandaloneStore.Command(connection, transaction,
                        $"UPDATE {_results} SET upload_count = upload_count + 1 WHERE request_id = @id", ("@id", id));
                    await repeat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    duplicates++;
                    continue;
                }
                await QueueLeases.CompleteAsync(connection, transaction, _requests, id, now, cancellationToken).ConfigureAwait(false);
                stored++;
            }
            return new UploadSummary(stored, duplicates, unknown);
        }, cancellationToken);
    }

    /// <summary>One request with its queue status and result, or null if the ID is unknown.</summary>
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

    /// <summary>The newest <paramref name="limit"/> requests, optionally only those in <paramref name="status"/>.</summary>
    public Task<IReadOnlyList<QueuedRequestSummary>> ListAsync(QueueStatus? status, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0) return Task.FromResult<IReadOnlyList<QueuedRequestSummary>>([]); // SQLite reads a negative LIMIT as none
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

    public Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken)
    {
        var now = StandaloneDatabase.FormatTime(_time.GetUtcNow());
        return _store.RunAsync(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null, QueueStatistics.Sql(_requests, _results), ("@now", now));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false); // an aggregate always has its one row
            return QueueStatistics.Read(reader);
        }, cancellationToken);
    }

    public Task<long> CountAsync(QueueStatus status, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return _store.RunAsync(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null,
                $"SELECT COUNT(*) {_from} WHERE {QueueStatuses.SqlFilter(status)}", ("@now", StandaloneDatabase.FormatTime(now)));
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    private QueuedRequestSummary Summary(QueuedRecord<TRequest, TResult> r) =>
        new(Feature, RequestIdOf(r.Request), r.Status, Describe(r.Request), r.EnqueuedAt, r.Result is null ? null : OutcomeOf(r.Result).ErrorCode);

    private QueuedRecord<TRequest, TResult> ReadRecord(DbDataReader reader, DateTimeOffset now)
    {
        var request = ReadRequest(reader);
        var at = 1 + _requestColumns.Count;
        var enqueuedAt = StandaloneDatabase.ParseTime(reader.GetString(at));
        var leaseExpiresAt = StandaloneStore.NullableTime(reader, at + 1);
        var deliveries = StandaloneStore.Int(reader, at + 2);
        var s = at + 3;
        if (reader.IsDBNull(s))
            return new(request, leaseExpiresAt > now ? QueueStatus.Leased : QueueStatus.Queued, enqueuedAt, deliveries, null, 0, leaseExpiresAt, null);
        var succeeded = reader.GetInt64(s) == 1;
        var result = ReadResult(RequestIdOf(request), succeeded, StandaloneStore.NullableString(reader, s + 1), StandaloneStore.NullableString(reader, s + 2), reader, s + 3);
        var uploaded = s + 3 + _resultColumns.Count;
        return new(request, succeeded ? QueueStatus.Completed : QueueStatus.Failed, enqueuedAt, deliveries, result, StandaloneStore.Int(reader, uploaded + 1),
            null, StandaloneDatabase.ParseTime(reader.GetString(uploaded)));
    }

    /// <summary>", a, b" for [a, b]; nothing for none (a queue whose result has only the common fields).</summary>
    private static string Leading(IEnumerable<string> items, string prefix = "") => string.Concat(items.Select(i => $", {prefix}{i}"));
}
