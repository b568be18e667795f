using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// A stored SCEP outcome: the first notification for its transaction, and how often it was sent. The CSR is
/// not kept (its challengePassword is the challenge in plaintext): <see cref="ScepNotification.CsrDer"/> comes
/// back empty, and what the CSR asked for is in <see cref="SubjectName"/>, <see cref="SubjectAlternativeNames"/>
/// and <see cref="PublicKeySha256"/> (SHA-256 of its SubjectPublicKeyInfo, hex; null if the CSR was unreadable).
/// </summary>
public sealed record ScepNotificationRecord(ScepNotification Notification, DateTimeOffset ReceivedAt, int NotifyCount,
    string SubjectName = "", IReadOnlyList<SubjectAltName>? SubjectAlternativeNames = null, string? PublicKeySha256 = null);

/// <summary>The standalone SCEP outcomes as the admin API reads them (the SCEP edge writes through <see cref="IScepResultNotifier"/>).</summary>
public interface IScepNotificationLog
{
    /// <summary>The newest <paramref name="limit"/> outcomes, newest first.</summary>
    Task<IReadOnlyList<ScepNotificationRecord>> ListAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Outcomes counted: SCEP has no queue, so only successes, failures, their last times and repeated notifications.</summary>
    Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Standalone SCEP outcomes: where the service would receive success/failure notifications, the connector
/// keeps them in standalone.db for the admin API. Idempotent per transaction ID: the first notification is
/// kept and repeats (retries after a lost answer) only raise <c>notify_count</c>.
/// </summary>
public sealed class StandaloneScepNotifications : IScepResultNotifier, IScepNotificationLog
{
    // The service's failureNotification keeps at most this much of the description; standalone shows the same.
    public const int MaxErrorDescriptionLength = 255;

    // Version 2 keeps a summary of the CSR instead of the CSR (see ScepNotificationsMigration).
    private static readonly StandaloneTable Table = new("scep_notifications", $"""
        CREATE TABLE IF NOT EXISTS scep_notifications ({Columns});
        CREATE INDEX IF NOT EXISTS ix_scep_notifications_received ON scep_notifications (received_at);
        """, [ScepNotificationsMigration.DropCsrAsync]);

    private const string Columns = """

            transaction_id         TEXT PRIMARY KEY NOT NULL,
            succeeded              INTEGER NOT NULL,
            certificate_thumbprint TEXT,
            serial_number          TEXT,
            expiration_date_utc    TEXT,
            issuing_ca             TEXT,
            hresult                INTEGER,
            error_description      TEXT,
            caller_info            TEXT NOT NULL,
            subject_name           TEXT NOT NULL,
            subject_alt_names      TEXT NOT NULL,
            public_key_sha256      TEXT,
            received_at            TEXT NOT NULL,
            notify_count           INTEGER NOT NULL DEFAULT 1

        """;

    private const string Select = """
        SELECT transaction_id, succeeded, caller_info, certificate_thumbprint, serial_number, expiration_date_utc,
            issuing_ca, hresult, error_description, received_at, notify_count, subject_name, subject_alt_names, public_key_sha256
        FROM scep_notifications
        """;

    /// <summary>
    /// A repeat keeps the first outcome (retries, another requester reusing the transaction ID), with one exception: a
    /// success replaces a failure. A rejected request asked again is decided afresh and may then succeed
    /// (<c>ScepRequestReopened</c>); its failure was delivered first, and the success is what holds now.
    /// </summary>
    private static readonly string SuccessReplacesFailure = string.Join(", ",
        new[] { "succeeded", "certificate_thumbprint", "serial_number", "expiration_date_utc", "issuing_ca", "hresult", "error_description", "caller_info",
                "subject_name", "subject_alt_names", "public_key_sha256" }
            .Select(c => $"{c} = CASE WHEN scep_notifications.succeeded = 0 AND excluded.succeeded = 1 THEN excluded.{c} ELSE scep_notifications.{c} END"));

    private readonly StandaloneStore _store;
    private readonly TimeProvider _time;

    public StandaloneScepNotifications(StandaloneDatabase database, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _store = new StandaloneStore(database, Table);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table now, so a host can fail fast at start-up; otherwise done on first use.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _store.InitializeAsync(cancellationToken);

    public Task NotifyAsync(ScepNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentException.ThrowIfNullOrEmpty(notification.TransactionId, nameof(notification));
        var now = StandaloneDatabase.FormatTime(_time.GetUtcNow());
        var csr = ScepCsrSummary.Of(notification.CsrDer);
        // One statement, atomic by itself; in a write transaction only to share its commit with other writes.
        return _store.InWriteTransactionAsync(async (connection, transaction) =>
        {
            await using var upsert = StandaloneStore.Command(connection, transaction, $$"""
                INSERT INTO scep_notifications (transaction_id, succeeded, certificate_thumbprint, serial_number,
                    expiration_date_utc, issuing_ca, hresult, error_description, caller_info, subject_name, subject_alt_names,
                    public_key_sha256, received_at)
                VALUES (@tx, @succeeded, @thumbprint, @serial, @expires, @ca, @hresult, @error, @caller, @subject, @sans, @key, @now)
                ON CONFLICT (transaction_id) DO UPDATE SET notify_count = scep_notifications.notify_count + 1, {{SuccessReplacesFailure}}
                """,
                ("@tx", notification.TransactionId), ("@succeeded", notification.Succeeded ? 1 : 0),
                ("@thumbprint", notification.CertificateThumbprint), ("@serial", notification.CertificateSerialNumber),
                ("@expires", notification.CertificateExpirationDateUtc is { } e ? StandaloneDatabase.FormatTime(e) : null),
                ("@ca", notification.IssuingCertificateAuthority), ("@hresult", notification.HResult),
                ("@error", Truncate(notification.ErrorDescription)), ("@caller", notification.CallerInfo ?? ""),
                ("@subject", csr.SubjectName), ("@sans", csr.SubjectAltNamesJson), ("@key", csr.PublicKeySha256), ("@now", now));
            return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>The stored outcome of one transaction, or null if none was notified.</summary>
    public Task<ScepNotificationRecord?> GetAsync(string transactionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        return _store.RunAsync(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null, Select + " WHERE transaction_id = @tx", ("@tx", transactionId));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);
    }

    /// <summary>The newest <paramref name="limit"/> outcomes, newest first.</summary>
    public Task<IReadOnlyList<ScepNotificationRecord>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0) return Task.FromResult<IReadOnlyList<ScepNotificationRecord>>([]);
        return _store.RunAsync<IReadOnlyList<ScepNotificationRecord>>(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null,
                Select + " ORDER BY received_at DESC, rowid DESC LIMIT @limit", ("@limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var records = new List<ScepNotificationRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) records.Add(Read(reader));
            return records;
        }, cancellationToken);
    }

    public Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken = default) =>
        _store.RunAsync(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null, """
                SELECT 0, 0, sum(CASE WHEN succeeded = 1 THEN 1 ELSE 0 END), sum(CASE WHEN succeeded = 0 THEN 1 ELSE 0 END),
                       max(CASE WHEN succeeded = 1 THEN received_at END), max(CASE WHEN succeeded = 0 THEN received_at END), sum(notify_count - 1)
                FROM scep_notifications
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return QueueStatistics.Read(reader);
        }, cancellationToken);

    // Column order follows Select.
    private static ScepNotificationRecord Read(DbDataReader reader) => new(
        new ScepNotification(
            TransactionId: reader.GetString(0),
            CsrDer: [], // not stored
            Succeeded: reader.GetInt64(1) == 1,
            CallerInfo: reader.GetString(2),
            CertificateThumbprint: StandaloneStore.NullableString(reader, 3),
            CertificateSerialNumber: StandaloneStore.NullableString(reader, 4),
            CertificateExpirationDateUtc: StandaloneStore.NullableTime(reader, 5),
            IssuingCertificateAuthority: StandaloneStore.NullableString(reader, 6),
            HResult: StandaloneStore.NullableInt(reader, 7),
            ErrorDescription: StandaloneStore.NullableString(reader, 8)),
        StandaloneDatabase.ParseTime(reader.GetString(9)),
        StandaloneStore.Int(reader, 10),
        reader.GetString(11),
        ScepCsrSummary.ParseSans(reader.GetString(12)),
        StandaloneStore.NullableString(reader, 13));

    /// <summary>The column list of <c>scep_notifications</c>, for the migration that rebuilds the table.</summary>
    internal static string CreateTable(string name) => $"CREATE TABLE {name} ({Columns});";

    private static string? Truncate(string? text)
    {
        if (text is null || text.Length <= MaxErrorDescriptionLength) return text;
        // Do not cut a surrogate pair in half.
        var length = char.IsHighSurrogate(text[MaxErrorDescriptionLength - 1]) ? MaxErrorDescriptionLength - 1 : MaxErrorDescriptionLength;
        return text[..length];
    }
}
