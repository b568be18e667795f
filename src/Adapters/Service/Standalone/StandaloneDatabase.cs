using System.Globalization;
using CertConnector.Actors.Common;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The standalone SQLite file: opens a connection per call (pooled, so cheap and thread-safe), brings each
/// store's tables to their version (<see cref="EnsureTableAsync"/>), and turns storage errors into transient
/// connector failures so the actors retry. Each feature's store declares its own <see cref="StandaloneTable"/>s.
/// </summary>
public sealed class StandaloneDatabase : IDisposable
{
    public const string FailureCode = "StandaloneStoreUnavailable";

    // Fixed-width UTC text: readable with the sqlite3 CLI and orders correctly as a string.
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private volatile bool _fileReady;

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

    /// <summary>Creates the file now, so a host can fail fast at start-up; otherwise done on first use.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        RunAsync(_ => Task.FromResult(true), cancellationToken);

    /// <summary>
    /// Brings <paramref name="table"/> to its newest version. A table not in the file is created at its newest
    /// shape; one created before versions were tracked (no <c>schema_versions</c> row) counts as version 1; then
    /// every missing step runs in order, each recorded as it completes, so a crash resumes at the step it was in.
    /// </summary>
    public Task EnsureTableAsync(StandaloneTable table, CancellationToken cancellationToken = default) =>
        RunAsync(async connection =>
        {
            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_versions (table_name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);", cancellationToken)
                .ConfigureAwait(false);
            var version = await VersionAsync(connection, table.Name, cancellationToken).ConfigureAwait(false);
            if (version == 0)
            {
                await using var transaction = connection.BeginTransaction(deferred: false);
                var exists = await ScalarAsync(connection, transaction, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name",
                    ("$name", table.Name), cancellationToken).ConfigureAwait(false) > 0;
                if (!exists) await ExecuteAsync(connection, transaction, table.CreateSql, cancellationToken).ConfigureAwait(false);
                version = exists ? 1 : table.Version;
                await SetVersionAsync(connection, transaction, table.Name, version, onlyIfAbsent: true, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                version = await VersionAsync(connection, table.Name, cancellationToken).ConfigureAwait(false); // another instance may have won
            }
            for (var next = version + 1; next <= table.Version; next++)
            {
                await table.Migrations[next - 2](connection, cancellationToken).ConfigureAwait(false);
                await SetVersionAsync(connection, null, table.Name, next, onlyIfAbsent: false, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);

    /// <summary>
    /// Brings every table to its newest version before returning: for stores whose API is synchronous (the built-in
    /// CA's issued.db), which call it once when they open. Microsoft.Data.Sqlite completes its async calls
    /// synchronously, so blocking here cannot deadlock.
    /// </summary>
    public void EnsureTables(params StandaloneTable[] tables)
    {
        foreach (var table in tables) EnsureTableAsync(table).GetAwaiter().GetResult();
    }

    private static async Task<int> VersionAsync(SqliteConnection connection, string table, CancellationToken cancellationToken) =>
        (int)await ScalarAsync(connection, null, "SELECT coalesce(max(version), 0) FROM schema_versions WHERE table_name = $name",
            ("$name", table), cancellationToken).ConfigureAwait(false);

    private static Task SetVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, string table, int version, bool onlyIfAbsent,
        CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, onlyIfAbsent
            ? "INSERT INTO schema_versions (table_name, version) VALUES ($name, $version) ON CONFLICT (table_name) DO NOTHING"
            : "INSERT INTO schema_versions (table_name, version) VALUES ($name, $version) ON CONFLICT (table_name) DO UPDATE SET version = max(version, excluded.version)",
            cancellationToken, ("$name", table), ("$version", version));

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string, object?)[] parameters)
    {
        await using var command = StandaloneStore.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string, object?) parameter,
        CancellationToken cancellationToken)
    {
        await using var command = StandaloneStore.Command(connection, transaction, sql, parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

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
                $"The database '{Path}' is unavailable: {e.Message}", e);
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
        if (!_fileReady)
            await EnsureFileAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task EnsureFileAsync(CancellationToken cancellationToken)
    {
        await _fileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fileReady) return;
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            // WAL lets the admin API read while an instance writes; the mode is stored in the file.
            command.CommandText = "PRAGMA journal_mode = WAL;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _fileReady = true;
        }
        finally
        {
            _fileLock.Release();
        }
    }
}
