using CertConnector.Adapters.Service.Standalone;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// The built-in CA's issued.db as one of its stores sees it: the store's tables are created or migrated once, when it
/// opens, by the same mechanism as the standalone stores (<see cref="StandaloneDatabase.EnsureTables"/>); after that,
/// synchronous pooled connections, because issuing is synchronous.
/// </summary>
internal sealed class IssuedDatabase
{
    /// <summary>Microsoft.Data.Sqlite's default busy timeout, which issued.db has always used.</summary>
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _connectionString;

    public IssuedDatabase(string path, params StandaloneTable[] tables)
    {
        using (var database = new StandaloneDatabase(path, BusyTimeout)) database.EnsureTables(tables);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
