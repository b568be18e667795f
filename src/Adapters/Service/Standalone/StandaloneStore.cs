using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The standalone database as one store (a feature's queue, the SCEP challenges, ...) sees it: the shared
/// database, with the store's own tables brought to their newest version on first use. Storage errors
/// become transient failures (<see cref="StandaloneDatabase.FailureCode"/>). Parameters are written <c>@name</c>,
/// which SQLite and PostgreSQL both read.
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

    public async Task<T> RunAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await database.RunAsync(work, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One write transaction (see <see cref="StandaloneDatabase.InWriteTransactionAsync{T}"/> for what it locks on each database).</summary>
    public async Task<T> InWriteTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work,
        CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await database.InWriteTransactionAsync(work, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The column names of <paramref name="table"/> as the database has them now.</summary>
    public static async Task<HashSet<string>> ColumnsAsync(DbConnection connection, DbTransaction? transaction, string table,
        CancellationToken cancellationToken)
    {
        // PRAGMA arguments cannot be bound; the table name is always one of ours, never input.
        await using var command = connection is SqliteConnection
            ? Command(connection, transaction, $"SELECT name FROM pragma_table_info('{table}')")
            : Command(connection, transaction,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table", ("@table", table));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) columns.Add(reader.GetString(0));
        return columns;
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) Add(command, name, value);
        return command;
    }

    /// <summary>Binds one parameter. A bool is stored as 1/0: the columns are integers on both databases.</summary>
    public static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            bool flag => flag ? 1L : 0L,
            _ => value,
        };
        command.Parameters.Add(parameter);
        return parameter;
    }

    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static byte[]? NullableBytes(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : (byte[])reader.GetValue(ordinal);

    public static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : StandaloneDatabase.ParseTime(reader.GetString(ordinal));

    /// <summary>An integer column as int, whichever width the database gives it (SQLite INTEGER, PostgreSQL BIGINT).</summary>
    public static int Int(DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal));

    public static int? NullableInt(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Int(reader, ordinal);
}
