using Npgsql;

namespace CertConnector.Host.Tests;

/// <summary>
/// The PostgreSQL that tests/run.sh installs, starts and describes in CERTCONNECTOR_PG. Tests that need
/// it are tagged <c>[Trait("Category", "Postgres")]</c> and fail (never pass silently) when it is not set.
/// </summary>
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

    /// <summary>A fresh database of the test's own, dropped (with any connection still open to it) on dispose.</summary>
    public static TestDatabase CreateDatabase(string prefix) => new(ConnectionString, $"{prefix}_{Guid.NewGuid():N}");

    public sealed class TestDatabase : IDisposable
    {
        private readonly string _admin;

        internal TestDatabase(string admin, string name)
        {
            _admin = admin;
            Name = name;
            Execute(_admin, $"CREATE DATABASE \"{name}\"");
            ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
        }

        public string Name { get; }
        public string ConnectionString { get; }

        public long Scalar(string sql)
        {
            using var connection = new NpgsqlConnection(ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(command.ExecuteScalar());
        }

        public void Dispose() => Execute(_admin, $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");

        private static void Execute(string connectionString, string sql)
        {
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }
    }
}
