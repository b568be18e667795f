using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The standalone database as one SCEP store sees it: the same standalone.db as the PKCS queue, plus the
/// store's own table, created on first use. Keeping the DDL with the SCEP stores lets the feature own its
/// schema without touching <see cref="StandaloneDatabase"/>. Storage errors become transient failures there.
/// </summary>
/// <param name="migrate">brings a table created by an older version up to <paramref name="ddl"/>'s shape; runs
/// after the DDL on every first use, so it must check before it changes anything (and tolerate a concurrent run).</param>
internal sealed class ScepStore(StandaloneDatabase database, string ddl, Func<SqliteConnection, CancellationToken, Task>? migrate = null)
{
    private volatile bool _ready;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_ready) return;
        // CREATE ... IF NOT EXISTS makes a race between two first calls harmless, so no lock is needed.
        await database.RunAsync(async connection =>
        {
            await using (var command = Command(connection, null, ddl))
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (migrate is not null) await migrate(connection, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _ready = true;
    }

    /// <summary>The column names of <paramref name="table"/> as the file has them now.</summary>
    public static async Task<HashSet<string>> ColumnsAsync(SqliteConnection connection, SqliteTransaction? transaction, string table,
        CancellationToken cancellationToken)
    {
        // PRAGMA arguments cannot be bound; the table name is always one of ours, never input.
        await using var command = Command(connection, transaction, $"SELECT name FROM pragma_table_info('{table}')");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) columns.Add(reader.GetString(0));
        return columns;
    }

    public async Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await database.RunAsync(work, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One BEGIN IMMEDIATE transaction: a concurrent writer waits, so read-check-update is atomic.</summary>
    public async Task<T> InWriteTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work,
        CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await database.InWriteTransactionAsync(work, cancellationToken).ConfigureAwait(false);
    }

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset? NullableTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : StandaloneDatabase.ParseTime(reader.GetString(ordinal));
}
