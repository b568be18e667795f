using System.Data.Common;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// The built-in CA's database as one of its stores sees it: issued.db in the CA directory (embedded default), or the
/// shared PostgreSQL database of a cluster. The store's tables are created or migrated once, when it opens, by the same
/// mechanism as the standalone stores (<see cref="StandaloneDatabase.EnsureTables"/>); after that, pooled connections;
/// issuing writes share commits with each other.
/// </summary>
internal sealed class IssuedDatabase
{
    private readonly StandaloneDatabase _database;

    public IssuedDatabase(StandaloneDatabase database, params StandaloneTable[] tables)
    {
        _database = database;
        database.EnsureTables(tables);
    }

    public DbConnection Open() => _database.Open();

    /// <summary>A write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: only the rows it changes are locked).</summary>
    public DbTransaction BeginWrite(DbConnection connection) => _database.BeginWriteTransaction(connection);

    /// <summary>A write transaction that shares its commit with the others waiting (see <see cref="StandaloneDatabase.InWriteTransactionAsync{T}"/>).</summary>
    public Task<T> InWriteTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _database.InWriteTransactionAsync(work, cancellationToken);

    public SqlDialect Dialect => _database.Dialect;

    public static DbParameter Add(DbCommand command, string name, object? value) => StandaloneStore.Add(command, name, value);
}
