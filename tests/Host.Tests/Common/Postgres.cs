// PostgreSQL for tests: one source file, compiled into Host.Tests and (linked) into Adapters.Tests.
//
//   using CertConnector.Tests.Postgres;
//
//   await using var db = await Postgres.CreateDatabaseAsync("queue");   // a fresh, empty database of this test's own
//   var store = new SomeStore(db.ConnectionString);                     // Npgsql connection string to it
//   Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM some_table"));
//   // disposing drops the database (WITH (FORCE): connections still open to it are ended first)
//
//   Postgres.ConnectionString     the server from CERTCONNECTOR_PG (a role with CREATEDB); fails the test when unset
//   Postgres.CreateDatabase(...)  the same, synchronously (IDisposable too)
//
// tests/run.sh installs and starts PostgreSQL (tests/postgres.sh) and sets CERTCONNECTOR_PG. A test that needs
// PostgreSQL fails loudly without it, never passes silently: run tests/run.sh, or start PostgreSQL yourself and
//   export CERTCONNECTOR_PG="Host=127.0.0.1;Port=5432;Database=certconnector;Username=certconnector;Password=certconnector"
// Tag such tests [Trait("Category", "Postgres")] (and "Slow" too when they start processes).
using Npgsql;
using Xunit;

namespace CertConnector.Tests.Postgres;

/// <summary>The PostgreSQL server of the test run (CERTCONNECTOR_PG) and fresh per-test databases on it.</summary>
public static class Postgres
{
    public const string Variable = "CERTCONNECTOR_PG";

    /// <summary>The connection string from CERTCONNECTOR_PG; fails the test with what to do when it is missing.</summary>
    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(value))
                Assert.Fail($"{Variable} is not set. This test needs PostgreSQL: run tests/run.sh, which installs and starts it " +
                            $"and sets {Variable} (or set {Variable} to a role with CREATEDB yourself, e.g. " +
                            "\"Host=127.0.0.1;Port=5432;Database=certconnector;Username=certconnector;Password=certconnector\").");
            return value!;
        }
    }

    /// <summary>A fresh, empty database named <c>{prefix}_{guid}</c>; dropped when disposed.</summary>
    public static async Task<PostgresDatabase> CreateDatabaseAsync(string prefix = "test")
    {
        var server = ConnectionString;
        var name = $"{Sanitize(prefix)}_{Guid.NewGuid():N}";
        await PostgresDatabase.ExecuteOnServerAsync(server, $"CREATE DATABASE \"{name}\"");
        return new PostgresDatabase(server, name);
    }

    /// <summary><see cref="CreateDatabaseAsync"/> for synchronous tests.</summary>
    public static PostgresDatabase CreateDatabase(string prefix = "test") => CreateDatabaseAsync(prefix).GetAwaiter().GetResult();

    // Lower-case letters, digits and underscores, short enough for PostgreSQL's 63-byte names with the GUID.
    private static string Sanitize(string prefix)
    {
        var clean = new string([.. prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        return clean.Length == 0 ? "test" : clean[..Math.Min(clean.Length, 24)];
    }
}

/// <summary>A database of one test's own. <see cref="ConnectionString"/> points at it; disposing drops it.</summary>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    private readonly string _server;
    private int _disposed;

    internal PostgresDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>An Npgsql connection string for this database (same host, port and role as CERTCONNECTOR_PG).</summary>
    public string ConnectionString { get; }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The first column of the first row (converted, e.g. <c>count(*)</c> as long).</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }

    public T Scalar<T>(string sql) => ScalarAsync<T>(sql).GetAwaiter().GetResult();

    public async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await using (var connection = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(connection);
        await ExecuteOnServerAsync(_server, $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal static async Task ExecuteOnServerAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
