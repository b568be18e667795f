using System.Globalization;
using CertConnector.Actors.Common;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The standalone SQLite file: opens a connection per call (pooled, so cheap and thread-safe), creates the
/// schema on first use, and turns storage errors into transient connector failures so the actors retry.
/// Each feature keeps its own tables; only PKCS exists so far (revocation, import and SCEP challenges follow).
/// </summary>
public sealed class StandaloneDatabase : IDisposable
{
    public const string FailureCode = "StandaloneStoreUnavailable";

    // PKCS queue and results as of the newest version; older files are brought up by Migrations.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS pkcs_requests (
            request_id         TEXT PRIMARY KEY NOT NULL,
            subject_name       TEXT NOT NULL,
            subject_alt_names  TEXT NOT NULL,
            template_name      TEXT NOT NULL,
            key_spec           TEXT NOT NULL,
            device_certificate BLOB NOT NULL,
            certificate_type   TEXT NOT NULL,
            on_premises_sid    TEXT,
            validity_days      INTEGER,
            enqueued_at        TEXT NOT NULL,
            lease_expires_at   TEXT,
            leased_by          TEXT,
            delivery_count     INTEGER NOT NULL DEFAULT 0,
            completed_at       TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_pkcs_requests_pending ON pkcs_requests (enqueued_at) WHERE completed_at IS NULL;
        CREATE INDEX IF NOT EXISTS ix_pkcs_requests_enqueued ON pkcs_requests (enqueued_at);
        CREATE TABLE IF NOT EXISTS pkcs_results (
            request_id             TEXT PRIMARY KEY NOT NULL REFERENCES pkcs_requests (request_id),
            succeeded              INTEGER NOT NULL,
            error_code             TEXT,
            error_message          TEXT,
            encrypted_pfx          BLOB,
            encrypted_password     BLOB,
            certificate_der        BLOB,
            certificate_thumbprint TEXT,
            serial_number          TEXT,
            expiration_date_utc    TEXT,
            uploaded_at            TEXT NOT NULL,
            upload_count           INTEGER NOT NULL DEFAULT 1
        );
        """;

    // Each step brings a file from user_version N-1 to N; files created by Schema above already have the columns.
    private static readonly string[] Migrations =
    [
        "", // 1: the tables above
        "ALTER TABLE pkcs_requests ADD COLUMN leased_by TEXT;", // 2: who holds a lease
    ];

    // Fixed-width UTC text: readable with the sqlite3 CLI and orders correctly as a string.
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    public StandaloneDatabase(string path, TimeSpan busyTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY/LOCKED until this many seconds have passed.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Creates the file and schema now, so a host can fail fast at start-up; otherwise done on first use.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        RunAsync(_ => Task.FromResult(true), cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a fresh connection; storage errors become transient failures.</summary>
    public async Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw ConnectorFailureException.Transient(FailureCode,
                $"The standalone database '{Path}' is unavailable: {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction. BEGIN IMMEDIATE takes the write lock up front,
    /// so two instances reading the same queue cannot both lease the same row.
    /// </summary>
    public Task<T> InWriteTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work,
        CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) => DateTimeOffset.ParseExact(text, TimeFormat,
        CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>Closes pooled connections so the file can be moved, deleted or reopened cleanly.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new file gets the whole schema; an older one the missing steps. One transaction, so a crash leaves the old version.</summary>
    private static async Task MigrateAsync(SqliteConnection connection, int version, CancellationToken cancellationToken)
    {
        if (version >= Migrations.Length) return;
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = (version == 0 ? Schema : string.Concat(Migrations.Skip(version))) + $"PRAGMA user_version = {Migrations.Length};";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady) return;
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            // WAL lets the admin API read while an instance writes; the mode is stored in the file.
            command.CommandText = "PRAGMA journal_mode = WAL;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            command.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
            await MigrateAsync(connection, version, cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }
}
