using CertConnector.Tests.Postgres;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>The per-test database helper the PostgreSQL tests build on: a fresh database, usable, dropped on dispose.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresHelperTests
{
    [Fact]
    public async Task A_test_database_is_fresh_usable_and_dropped_on_dispose()
    {
        string name;
        await using (var db = await Postgres.CreateDatabaseAsync("helper"))
        {
            name = db.Name;
            Assert.StartsWith("helper_", name);
            await db.ExecuteAsync("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)");
            Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM t"));
        }
        await using var server = await Postgres.CreateDatabaseAsync("helper_check");
        Assert.Equal(0L, await server.ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{name}'"));
    }
}
