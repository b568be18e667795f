using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>PKCS: the queue the admin API fills, the actors drain, and the results they upload.</summary>
public sealed partial class StandaloneManagementService
{
    public string Feature => "pkcs";

    async Task<IReadOnlyList<QueuedRequestSummary>> IStandaloneRequestList.ListAsync(QueueStatus? status, int limit, CancellationToken cancellationToken) =>
        [.. (await ListPkcsRequestsAsync(status, limit, cancellationToken).ConfigureAwait(false)).Select(r =>
            new QueuedRequestSummary(Feature, r.Request.RequestId, r.Status, r.Request.SubjectName, r.EnqueuedAt, r.Result?.Result.ErrorCode))];

    async Task<QueuedRequestSummary?> IStandaloneRequestList.FindAsync(string requestId, CancellationToken cancellationToken) =>
        await GetPkcsRequestAsync(requestId, cancellationToken).ConfigureAwait(false) is { } r
            ? new QueuedRequestSummary(Feature, r.Request.RequestId, r.Status, r.Request.SubjectName, r.EnqueuedAt, r.Result?.Result.ErrorCode)
            : null;

    string IStandaloneRequestList.DetailsPath(string requestId) => $"/api/v1/pkcs/requests/{Uri.EscapeDataString(requestId)}";

    private static readonly JsonSerializerOptions SanJson = new(JsonSerializerDefaults.Web);

    private const string RequestColumns =
        "r.request_id, r.subject_name, r.subject_alt_names, r.template_name, r.key_spec, r.device_certificate, " +
        "r.certificate_type, r.on_premises_sid, r.validity_days";

    private const string RecordSelect =
        "SELECT " + RequestColumns + ", r.enqueued_at, r.lease_expires_at, r.delivery_count, " +
        "s.succeeded, s.error_code, s.error_message, s.encrypted_pfx, s.encrypted_password, s.certificate_der, " +
        "s.certificate_thumbprint, s.serial_number, s.expiration_date_utc, s.uploaded_at, s.upload_count " +
        "FROM pkcs_requests r LEFT JOIN pkcs_results s ON s.request_id = r.request_id";

    private const string QueuedFilter = QueueStatuses.QueuedFilter;

    /// <summary>Queues a request, stamped with the current time. False if the request ID is already known.</summary>
    public Task<bool> EnqueuePkcsRequestAsync(PkcsRequest request, CancellationToken cancellationToken = default) =>
        EnqueuePkcsRequestAsync(request, _time.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Queues a request enqueued at <paramref name="now"/>. False if the request ID is already known. Concurrent calls
    /// share one SQLite commit (see <see cref="StandaloneDatabase.InWriteTransactionAsync{T}"/>): one fsync per request
    /// capped the admin API at a few hundred requests/s, far less while the journal and the CA wrote too.
    /// </summary>
    public Task<bool> EnqueuePkcsRequestAsync(PkcsRequest request, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.RequestId, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.SubjectName, nameof(request));
        ArgumentNullException.ThrowIfNull(request.TemplateName, nameof(request));
        ArgumentNullException.ThrowIfNull(request.KeySpec, nameof(request));
        ArgumentNullException.ThrowIfNull(request.DeviceCertificate, nameof(request));

        return _pkcs.InWriteTransactionAsync((connection, transaction) => InsertRequestAsync(connection, transaction, request, now), cancellationToken);
    }

    private static async Task<bool> InsertRequestAsync(DbConnection connection, DbTransaction transaction, PkcsRequest request, DateTimeOffset now)
    {
        await using var command = Command(connection, transaction, """
            INSERT INTO pkcs_requests (request_id, subject_name, subject_alt_names, template_name, key_spec,
                device_certificate, certificate_type, on_premises_sid, validity_days, enqueued_at)
            VALUES (@id, @subject, @sans, @template, @keySpec, @deviceCert, @certType, @sid, @validity, @now)
            ON CONFLICT (request_id) DO NOTHING
            """,
            ("@id", request.RequestId), ("@subject", request.SubjectName),
            ("@sans", JsonSerializer.Serialize(request.SubjectAlternativeNames ?? [], SanJson)), ("@template", request.TemplateName),
            ("@keySpec", request.KeySpec.ToString()), ("@deviceCert", request.DeviceCertificate), ("@certType", request.CertificateType ?? "device"),
            ("@sid", request.OnPremisesSid), ("@validity", request.ValidityDays), ("@now", StandaloneDatabase.FormatTime(now)));
        return await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Hands out up to <paramref name="maxRequests"/> queued requests without a result whose lease has run out,
    /// oldest first, and leases them for the configured duration, all in one write transaction.
    /// </summary>
    public Task<IReadOnlyList<PkcsRequest>> DownloadPkcsRequestsAsync(int maxRequests, CancellationToken cancellationToken)
    {
        if (maxRequests <= 0) return Task.FromResult<IReadOnlyList<PkcsRequest>>([]);
        var now = _time.GetUtcNow();
        return _pkcs.InWriteTransactionAsync<IReadOnlyList<PkcsRequest>>(async (connection, transaction) =>
        {
            var requests = new List<PkcsRequest>();
            await using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText =
                    $"SELECT {RequestColumns} FROM pkcs_requests r WHERE {QueuedFilter} ORDER BY r.enqueued_at, r.rowid LIMIT @max";
                Add(select, "@now", StandaloneDatabase.FormatTime(now));
                Add(select, "@max", maxRequests);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    requests.Add(ReadRequest(reader));
            }

            await QueueLeases.LeaseAsync(connection, transaction, "pkcs_requests", requests.Select(r => r.RequestId), now + _leaseDuration, _instanceId,
                cancellationToken).ConfigureAwait(false);
            return requests;
        }, cancellationToken);
    }

    /// <summary>Takes back this instance's leases at start (see <see cref="QueueLeases.ReleaseAsync"/>).</summary>
    public Task<int> ReleaseOwnLeasesAsync(CancellationToken cancellationToken = default) => ReleaseLeasesOfAsync(_instanceId, cancellationToken);

    /// <summary>Ends an instance's leases, so its requests are handed out again at once (the cluster calls this for a departed one).</summary>
    public Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken = default) =>
        QueueLeases.ReleaseAsync(_pkcs, "pkcs_requests", instanceId, cancellationToken);

    /// <summary>Stores the results; see <see cref="StorePkcsResultsAsync"/>.</summary>
    public async Task UploadPkcsResultsAsync(IReadOnlyList<PkcsResult> results, CancellationToken cancellationToken) =>
        await StorePkcsResultsAsync(results, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Stores each result once per request ID and completes its request. A repeated upload keeps the first
    /// result and only increments <c>upload_count</c> (so tests can prove a result was uploaded exactly once);
    /// a result for an unknown request ID is ignored. All in one write transaction.
    /// </summary>
    public Task<UploadSummary> StorePkcsResultsAsync(IReadOnlyList<PkcsResult> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return Task.FromResult(new UploadSummary(0, 0, 0));
        var now = StandaloneDatabase.FormatTime(_time.GetUtcNow());
        return _pkcs.InWriteTransactionAsync(async (connection, transaction) =>
        {
            int stored = 0, duplicates = 0, unknown = 0;
            foreach (var result in results)
            {
                if (string.IsNullOrEmpty(result?.RequestId)) { unknown++; continue; }

                await using var repeat = Command(connection, transaction,
                    "UPDATE pkcs_results SET upload_count = upload_count + 1 WHERE request_id = @id", ("@id", result.RequestId));
                if (await repeat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1) { duplicates++; continue; }

                if (!await QueueLeases.ExistsAsync(connection, transaction, "pkcs_requests", result.RequestId, cancellationToken).ConfigureAwait(false))
                {
                    unknown++;
                    continue;
                }
                await using var insert = Command(connection, transaction, """
                    INSERT INTO pkcs_results (request_id, succeeded, error_code, error_message, encrypted_pfx,
                        encrypted_password, certificate_der, certificate_thumbprint, serial_number, expiration_date_utc, uploaded_at)
                    VALUES (@id, @succeeded, @errorCode, @errorMessage, @pfx, @password, @der, @thumbprint, @serial, @expires, @now)
                    """,
                    ("@id", result.RequestId), ("@succeeded", result.Succeeded ? 1 : 0), ("@errorCode", result.ErrorCode),
                    ("@errorMessage", result.ErrorMessage), ("@pfx", result.EncryptedPfx), ("@password", result.EncryptedPassword),
                    ("@der", result.CertificateDer), ("@thumbprint", result.CertificateThumbprint), ("@serial", result.SerialNumber),
                    ("@expires", result.ExpirationDateUtc is { } e ? StandaloneDatabase.FormatTime(e) : null), ("@now", now));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                await QueueLeases.CompleteAsync(connection, transaction, "pkcs_requests", result.RequestId, now, cancellationToken).ConfigureAwait(false);
                stored++;
            }
            return new UploadSummary(stored, duplicates, unknown);
        }, cancellationToken);
    }

    /// <summary>One request with its queue status and result, or null if the ID is unknown.</summary>
    public Task<PkcsRequestRecord?> GetPkcsRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        var now = _time.GetUtcNow();
        return _pkcs.RunAsync(async connection =>
        {
            await using var command = Command(connection, null, RecordSelect + " WHERE r.request_id = @id", ("@id", requestId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadRecord(reader, now) : null;
        }, cancellationToken);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> requests, optionally only those in <paramref name="status"/>
    /// (Queued, Leased, Completed, Failed; case-insensitive). An unknown status is an <see cref="ArgumentException"/>.
    /// </summary>
    public Task<IReadOnlyList<PkcsRequestRecord>> ListPkcsRequestsAsync(string? status, int limit, CancellationToken cancellationToken = default) =>
        ListPkcsRequestsAsync(QueueStatuses.Parse(status), limit, cancellationToken);

    public Task<IReadOnlyList<PkcsRequestRecord>> ListPkcsRequestsAsync(QueueStatus? status, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0) return Task.FromResult<IReadOnlyList<PkcsRequestRecord>>([]);
        var filter = QueueStatuses.SqlFilter(status);
        var now = _time.GetUtcNow();
        return _pkcs.RunAsync<IReadOnlyList<PkcsRequestRecord>>(async connection =>
        {
            await using var command = Command(connection, null,
                $"{RecordSelect} WHERE {filter} ORDER BY r.enqueued_at DESC, r.rowid DESC LIMIT @limit",
                ("@now", StandaloneDatabase.FormatTime(now)), ("@limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var records = new List<PkcsRequestRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                records.Add(ReadRecord(reader, now));
            return records;
        }, cancellationToken);
    }

    // Column order follows RequestColumns.
    private static PkcsRequest ReadRequest(DbDataReader reader) => new(
        RequestId: reader.GetString(0),
        SubjectName: reader.GetString(1),
        SubjectAlternativeNames: JsonSerializer.Deserialize<List<SubjectAltName>>(reader.GetString(2), SanJson) ?? [],
        TemplateName: reader.GetString(3),
        KeySpec: KeySpec.Parse(reader.GetString(4)),
        DeviceCertificate: (byte[])reader.GetValue(5),
        CertificateType: reader.GetString(6),
        OnPremisesSid: reader.IsDBNull(7) ? null : reader.GetString(7),
        ValidityDays: StandaloneStore.NullableInt(reader, 8));

    // Column order follows RecordSelect.
    private static PkcsRequestRecord ReadRecord(DbDataReader reader, DateTimeOffset now)
    {
        var request = ReadRequest(reader);
        var enqueuedAt = StandaloneDatabase.ParseTime(reader.GetString(9));
        DateTimeOffset? leaseExpiresAt = reader.IsDBNull(10) ? null : StandaloneDatabase.ParseTime(reader.GetString(10));
        var deliveries = StandaloneStore.Int(reader, 11);

        StoredPkcsResult? stored = null;
        if (!reader.IsDBNull(12))
        {
            var result = new PkcsResult(
                request.RequestId,
                Succeeded: reader.GetInt64(12) == 1,
                ErrorCode: StandaloneStore.NullableString(reader, 13),
                ErrorMessage: StandaloneStore.NullableString(reader, 14),
                EncryptedPfx: StandaloneStore.NullableBytes(reader, 15),
                EncryptedPassword: StandaloneStore.NullableBytes(reader, 16),
                CertificateDer: StandaloneStore.NullableBytes(reader, 17),
                CertificateThumbprint: StandaloneStore.NullableString(reader, 18),
                SerialNumber: StandaloneStore.NullableString(reader, 19),
                ExpirationDateUtc: reader.IsDBNull(20) ? null : StandaloneDatabase.ParseTime(reader.GetString(20)));
            stored = new StoredPkcsResult(result, StandaloneDatabase.ParseTime(reader.GetString(21)), StandaloneStore.Int(reader, 22));
        }

        var status = stored is not null
            ? stored.Result.Succeeded ? QueueStatus.Completed : QueueStatus.Failed
            : leaseExpiresAt > now ? QueueStatus.Leased : QueueStatus.Queued;
        return new PkcsRequestRecord(request, status, enqueuedAt, stored is null ? leaseExpiresAt : null, deliveries, stored);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters) => StandaloneStore.Command(connection, transaction, sql, parameters);

    private static void Add(DbCommand command, string name, object? value) => StandaloneStore.Add(command, name, value);
}
