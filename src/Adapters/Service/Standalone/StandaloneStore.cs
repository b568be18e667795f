using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The standalone database as one store (a feature's queue, the SCEP challenges, ...) sees it: the shared
/// standalone.db, with the store's own tables brought to their newest version on first use. Storage errors
/// become transient failures (<see cref="StandaloneDatabase.FailureCode"/>).
/// </summary>
public sealed class StandaloneStore(StandaloneDatabase database, params StandaloneTable[] tables)
{
    private volatile bool _ready;

    public StandaloneDatabase Database => database;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_ready) return;
        // Every step checks before it changes, so two first calls racing each other are harmless.
        foreach (var table in tables) await database.EnsureTableAsync(table, cancellationToken).ConfigureAwait(false);
        _ready = true;
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

    public static byte[]? NullableBytes(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : (byte[])reader.GetValue(ordinal);

    public static DateTimeOffset? NullableTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : StandaloneDatabase.ParseTime(reader.GetString(ordinal));
}
