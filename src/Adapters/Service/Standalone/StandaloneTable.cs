using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>One step that brings a table from the previous version to the next. It must check before it changes
/// anything: a table from before versions were tracked starts at version 1 whatever steps it already had, and
/// another instance may be running the same step. It manages its own transaction (some steps, VACUUM, cannot run in one).</summary>
public delegate Task TableMigration(SqliteConnection connection, CancellationToken cancellationToken);

/// <summary>
/// A table a store keeps: its name, the DDL of its newest shape (version <see cref="Version"/>), and the ordered
/// steps from each older version. The one way every SQLite store declares its schema (the standalone stores in
/// standalone.db, the built-in CA's in issued.db), so the same declarations can be given to another database later. Versions are tracked per table in
/// <c>schema_versions</c> (see <see cref="StandaloneDatabase.EnsureTableAsync"/>).
/// </summary>
/// <param name="CreateSql">the table (and its indexes) as of the newest version; <c>IF NOT EXISTS</c> throughout.</param>
/// <param name="Migrations">step i brings version i+1 to i+2; a new file gets <paramref name="CreateSql"/> and no step.</param>
public sealed record StandaloneTable(string Name, string CreateSql, IReadOnlyList<TableMigration> Migrations)
{
    public StandaloneTable(string name, string createSql) : this(name, createSql, []) { }

    public int Version => Migrations.Count + 1;

    /// <summary>A step that adds a column if the table lacks it, checked again under the write lock.</summary>
    public static TableMigration AddColumn(string table, string column, string type) => async (connection, cancellationToken) =>
    {
        if ((await StandaloneStore.ColumnsAsync(connection, null, table, cancellationToken).ConfigureAwait(false)).Contains(column)) return;
        await using var transaction = connection.BeginTransaction(deferred: false);
        if (!(await StandaloneStore.ColumnsAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false)).Contains(column))
        {
            await using var alter = StandaloneStore.Command(connection, transaction, $"ALTER TABLE {table} ADD COLUMN {column} {type}");
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    };
}
