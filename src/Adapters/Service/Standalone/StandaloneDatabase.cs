using System.Data.Common;
using System.Globalization;
using CertConnector.Actors.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>The two databases the stores run on. The SQL the stores write is the subset both understand.</summary>
public enum SqlDialect { Sqlite, Postgres }

/// <summary>
/// The database the connector's own stores live in: a SQLite file in the data directory (the embedded default, one
/// instance) or one PostgreSQL database that every instance of a cluster shares. Opens a pooled connection per call
/// (so it is thread-safe), brings each store's tables to their version (<see cref="EnsureTableAsync"/>), runs writes
/// (<see cref="InWriteTransactionAsync{T}"/>), and turns storage errors into transient connector failures so the actors
/// retry. Each store declares its own <see cref="StandaloneTable"/>s.
/// On SQLite every write transaction holds the file's write lock (BEGIN IMMEDIATE). On PostgreSQL no write takes a lock
/// wider than the rows it touches, so instances never queue behind each other: each store's read-check-update is made
/// atomic by the rows themselves (<see cref="ForUpdate"/>, <see cref="ForUpdateSkipLocked"/>, conditional updates, ON CONFLICT).
/// Only schema changes hold a database-wide lock (<see cref="BeginSchemaTransactionAsync"/>).
/// </summary>
public sealed class StandaloneDatabase : IDisposable
{
    public const string FailureCode = "StandaloneStoreUnavailable";

    /// <summary>The SQLite file's name in the data directory.</summary>
    public const string FileName = "standalone.db";

    /// <summary>How long a call waits for a lock held by another connection before it fails as transient.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    // Fixed-width UTC text: readable with the sqlite3 CLI and psql, and orders correctly as a string on both.
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    // pg_advisory_xact_lock key taken by a schema change (a table created or migrated), so instances starting together agree.
    private const long SchemaLockKey = 0x43_65_72_74_43_6F_6E_6E; // "CertConn"

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private readonly int _busyTimeoutMs;
    private volatile bool _fileReady;
    private readonly object _groupCommitGate = new();
    private volatile SqliteGroupCommit? _groupCommit;


    /// <summary>A SQLite file; its directory is created on first use.</summary>
    public StandaloneDatabase(string path, TimeSpan busyTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Dialect = SqlDialect.Sqlite;
        Path = System.IO.Path.GetFullPath(path);
        Description = $"'{Path}'";
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY/LOCKED until this many seconds have passed.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();
        _busyTimeoutMs = (int)Math.Clamp(busyTimeout.TotalMilliseconds, 1, int.MaxValue);
    }

    private StandaloneDatabase(string connectionString)
    {
        Dialect = SqlDialect.Postgres;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Path = "";
        // Never the password: this text goes into error messages and logs.
        Description = $"'{builder.Database}' on {builder.Host}:{builder.Port} (PostgreSQL)";
        _connectionString = connectionString;
        _postgres = NpgsqlDataSource.Create(connectionString);
        _fileReady = true;
    }

    /// <summary>One PostgreSQL database shared by every instance. A malformed connection string is an <see cref="ArgumentException"/>.</summary>
    public static StandaloneDatabase Postgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new StandaloneDatabase(connectionString);
    }

    public SqlDialect Dialect { get; }

    /// <summary>The SQLite file's full path; empty for PostgreSQL.</summary>
    public string Path { get; }

    /// <summary>What to call the database in messages (the file, or the PostgreSQL database and host; never a password).</summary>
    public string Description { get; }

    /// <summary>Creates the file (or checks the server answers) now, so a host can fail fast at start-up.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        RunAsync(_ => Task.FromResult(true), cancellationToken);

    /// <summary>
    /// Brings <paramref name="table"/> to its newest version. A table not in the database is created at its newest
    /// shape; one created before versions were tracked (no <c>schema_versions</c> row) counts as version 1; then
    /// every missing step runs in order, each recorded as it completes, so a crash resumes at the step it was in.
    /// On PostgreSQL the creation runs in one transaction under the schema lock, so instances starting together agree.
    /// </summary>
    public Task EnsureTableAsync(StandaloneTable table, CancellationToken cancellationToken = default) =>
        Dialect == SqlDialect.Postgres
            ? EnsurePostgresTableAsync(table, cancellationToken)
            : RunAsync(async connection =>
            {
                await ExecuteAsync(connection, null, SchemaVersionsDdl, cancellationToken).ConfigureAwait(false);
                var version = await VersionAsync(connection, null, table.Name, cancellationToken).ConfigureAwait(false);
                if (version == 0)
                {
                    await using var transaction = await BeginSchemaTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                    await using var exists = StandaloneStore.Command(connection, transaction,
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name", ("@name", table.Name));
                    var existed = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) > 0;
                    if (!existed) await ExecuteAsync(connection, transaction, table.CreateSql, cancellationToken).ConfigureAwait(false);
                    await SetVersionAsync(connection, transaction, table.Name, existed ? 1 : table.Version, onlyIfAbsent: true, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    version = await VersionAsync(connection, null, table.Name, cancellationToken).ConfigureAwait(false); // another instance may have won
                }
                for (var next = version + 1; next <= table.Version; next++)
                {
                    await table.Migrations[next - 2](this, connection, cancellationToken).ConfigureAwait(false);
                    await SetVersionAsync(connection, null, table.Name, next, onlyIfAbsent: false, cancellationToken).ConfigureAwait(false);
                }
                return true;
            }, cancellationToken);

    /// <summary>
    /// PostgreSQL databases are all younger than the versioning, so a missing table is created at its newest shape. A table
    /// that gained a step since (its recorded version is lower) runs the missing steps, each under the schema lock and
    /// idempotent (<see cref="StandaloneTable.AddColumn"/>), so instances starting together agree.
    /// </summary>
    private async Task<bool> EnsurePostgresTableAsync(StandaloneTable table, CancellationToken cancellationToken)
    {
        var version = await RunAsync(async connection =>
        {
            await using var transaction = await BeginSchemaTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, SchemaVersionsDdl, cancellationToken).ConfigureAwait(false);
            if (await VersionAsync(connection, transaction, table.Name, cancellationToken).ConfigureAwait(false) == 0)
            {
                await ExecuteAsync(connection, transaction, table.PostgresCreateSql, cancellationToken).ConfigureAwait(false);
                await SetVersionAsync(connection, transaction, table.Name, table.Version, onlyIfAbsent: true, cancellationToken).ConfigureAwait(false);
            }
            var now = await VersionAsync(connection, transaction, table.Name, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return now;
        }, cancellationToken).ConfigureAwait(false);
        if (version >= table.Version) return true;
        return await RunAsync(async connection =>
        {
            for (var next = version + 1; next <= table.Version; next++)
            {
                await table.Migrations[next - 2](this, connection, cancellationToken).ConfigureAwait(false);
                await SetVersionAsync(connection, null, table.Name, next, onlyIfAbsent: false, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings every table to its newest version before returning: for stores whose API is synchronous (the built-in
    /// CA's), which call it once when they open, at start-up, before any actor runs.
    /// </summary>
    public void EnsureTables(params StandaloneTable[] tables)
    {
        foreach (var table in tables) EnsureTableAsync(table).GetAwaiter().GetResult();
    }

    private const string SchemaVersionsDdl =
        "CREATE TABLE IF NOT EXISTS schema_versions (table_name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);";

    private static async Task<int> VersionAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = StandaloneStore.Command(connection, transaction,
            "SELECT coalesce(max(version), 0) FROM schema_versions WHERE table_name = @name", ("@name", table));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    private Task SetVersionAsync(DbConnection connection, DbTransaction? transaction, string table, int version, bool onlyIfAbsent,
        CancellationToken cancellationToken)
    {
        var greatest = Dialect == SqlDialect.Postgres ? "greatest" : "max"; // SQLite's two-argument max() is PostgreSQL's greatest()
        return ExecuteAsync(connection, transaction, onlyIfAbsent
            ? "INSERT INTO schema_versions (table_name, version) VALUES (@name, @version) ON CONFLICT (table_name) DO NOTHING"
            : $"INSERT INTO schema_versions (table_name, version) VALUES (@name, @version) ON CONFLICT (table_name) DO UPDATE SET version = {greatest}(schema_versions.version, excluded.version)",
            cancellationToken, ("@name", table), ("@version", version));
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string, object?)[] parameters)
    {
        await using var command = StandaloneStore.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> on a fresh connection; storage errors become transient failures.</summary>
    public async Task<T> RunAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction. On SQLite it holds the file's write lock from its start
    /// (BEGIN IMMEDIATE), and the write transactions of one process are grouped into one commit (see
    /// <see cref="SqliteGroupCommit"/>). On PostgreSQL it is a READ COMMITTED transaction without any wider lock: the
    /// work locks the rows it reads to change (<see cref="ForUpdate"/>) or changes them conditionally, so two instances
    /// never lease one row or spend one challenge twice, and unrelated writes of many instances run side by side.
    /// </summary>
    public async Task<T> InWriteTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Dialect == SqlDialect.Postgres)
            return await RunAsync(async connection =>
            {
                await using var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                var result = await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }, cancellationToken).ConfigureAwait(false);
        try
        {
            return await GroupCommit.RunAsync(work, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStorageFailure(e) && !IsUniqueViolation(e)) // a refused row is the caller's to handle
        {
            throw Unavailable(e);
        }
    }

    private SqliteGroupCommit GroupCommit
    {
        get
        {
            if (_groupCommit is { } existing) return existing;
            lock (_groupCommitGate)
                return _groupCommit ??= new SqliteGroupCommit(OpenAsync);
        }
    }

    /// <summary>A write transaction (see <see cref="InWriteTransactionAsync{T}"/>): SQLite's holds the write lock, PostgreSQL's none.</summary>
    public async Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A transaction for a schema change (a table created, a column added): it holds a database-wide lock until commit
    /// (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so instances starting together agree.
    /// </summary>
    public async Task<DbTransaction> BeginSchemaTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        if (connection is SqliteConnection) return transaction;
        await using var command = StandaloneStore.Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("@key", SchemaLockKey));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    /// <summary>
    /// Appended to a SELECT whose rows the transaction will change: PostgreSQL locks them until commit and a concurrent
    /// writer of the same rows waits, then sees the committed rows. SQLite needs nothing: its write transaction holds the file.
    /// </summary>
    public string ForUpdate => Dialect == SqlDialect.Postgres ? " FOR UPDATE" : "";

    /// <summary>
    /// <see cref="ForUpdate"/> that passes over rows another transaction has locked (PostgreSQL's SKIP LOCKED): instances
    /// leasing from one queue take different rows at once instead of waiting for each other. <paramref name="table"/> is
    /// the alias of the table whose rows are locked, when the SELECT joins others.
    /// </summary>
    public string ForUpdateSkipLocked(string table) => Dialect == SqlDialect.Postgres ? $" FOR UPDATE OF {table} SKIP LOCKED" : "";

    /// <summary>A pooled connection for synchronous callers (the built-in CA); errors become transient failures.</summary>
    public DbConnection Open()
    {
        try
        {
            return OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>The synchronous <see cref="BeginWriteTransactionAsync"/>.</summary>
    public DbTransaction BeginWriteTransaction(DbConnection connection) =>
        BeginWriteTransactionAsync(connection, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>A primary key or unique constraint refused the row (SQLite's SQLITE_CONSTRAINT, PostgreSQL's 23505).</summary>
    public static bool IsUniqueViolation(Exception e) =>
        e is SqliteException { SqliteErrorCode: 19 } || e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || e.InnerException is { } inner && IsUniqueViolation(inner);

    private static bool IsStorageFailure(Exception e) =>
        e is DbException or IOException or UnauthorizedAccessException or TimeoutException or System.Net.Sockets.SocketException;

    private ConnectorFailureException Unavailable(Exception e) =>
        ConnectorFailureException.Transient(FailureCode, $"The database {Description} is unavailable: {e.Message}", e);

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) => DateTimeOffset.ParseExact(text, TimeFormat,
        CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>Closes pooled connections so the file can be moved, deleted or reopened cleanly.</summary>
    public void Dispose()
    {
        if (_postgres is not null)
        {
            _postgres.Dispose();
            return;
        }
        _groupCommit?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!_fileReady)
            await EnsureFileAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // SQLite's own busy handler waits for the lock in steps of a few milliseconds; without it Microsoft.Data.Sqlite
            // sees SQLITE_BUSY at once and sleeps 150 ms per retry. Covers writers outside this process (another instance on
            // a shared file, the CLI) and the synchronous BeginWriteTransaction, which the group commit does not.
            await using (var busy = connection.CreateCommand())
            {
                busy.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs};";
                await busy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
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
