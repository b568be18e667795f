using CertConnector.Adapters.Service.Standalone;
using CertConnector.Tests.Postgres;
using Npgsql;

namespace CertConnector.Adapters.Tests.Postgres;

/// <summary>
/// A test's own PostgreSQL database and the <see cref="StandaloneDatabase"/> handles opened on it, each standing for one
/// connector instance (pooled, as the connector opens it). Disposing closes the handles and drops the database.
/// </summary>
public sealed class SharedDatabase(string prefix) : IDisposable
{
    private readonly List<StandaloneDatabase> _handles = [];

    public PostgresDatabase Database { get; } = CertConnector.Tests.Postgres.Postgres.CreateDatabase(prefix);

    public StandaloneDatabase OpenInstance() => Track(StandaloneDatabase.Postgres(
        new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Pooling = true }.ConnectionString));

    /// <summary>An instance whose connections go through <paramref name="bouncer"/> (transaction pooling).</summary>
    public StandaloneDatabase OpenInstance(PgBouncer bouncer) => Track(StandaloneDatabase.Postgres(
        new NpgsqlConnectionStringBuilder(bouncer.ConnectionStringFor(Database)) { Pooling = true }.ConnectionString));

    /// <summary>Closes <paramref name="handle"/> with the others at the end.</summary>
    public StandaloneDatabase Track(StandaloneDatabase handle)
    {
        _handles.Add(handle);
        return handle;
    }

    public long Scalar(string sql) => Database.Scalar<long>(sql);

    public void Dispose()
    {
        foreach (var handle in _handles) handle.Dispose();
        Database.Dispose();
    }
}
