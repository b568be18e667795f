using CertConnector.Adapters.Service.Standalone;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Tests.Service.Standalone;

/// <summary>The one schema mechanism of the standalone stores: per-table versions in schema_versions.</summary>
public sealed class StandaloneTableTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "standalone-table-" + Guid.NewGuid().ToString("N"));
    private string DbPath => Path.Combine(_dir, "standalone.db");

    private static readonly StandaloneTable Widgets = new("widgets", "CREATE TABLE IF NOT EXISTS widgets (id TEXT PRIMARY KEY, color TEXT, size INTEGER);",
        [StandaloneTable.AddColumn("widgets", "color", "TEXT"), StandaloneTable.AddColumn("widgets", "size", "INTEGER")]);

    [Fact]
    public async Task A_new_table_is_created_at_its_newest_version()
    {
        using var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(5));
        await database.EnsureTableAsync(Widgets);
        Assert.Equal(3, await VersionOf("widgets"));
        Assert.Equal(["color", "id", "size"], (await Columns("widgets")).Order());
    }

    [Fact]
    public async Task A_table_from_before_versions_counts_as_version_1_and_gets_every_step_once()
    {
        await Execute("CREATE TABLE widgets (id TEXT PRIMARY KEY); INSERT INTO widgets VALUES ('kept');");
        using var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(5));
        await database.EnsureTableAsync(Widgets);
        await database.EnsureTableAsync(Widgets); // a second start changes nothing
        Assert.Equal(3, await VersionOf("widgets"));
        Assert.Equal(["color", "id", "size"], (await Columns("widgets")).Order());
        Assert.Equal("kept", await Scalar("SELECT id FROM widgets"));
    }

    [Fact]
    public async Task A_recorded_version_runs_only_the_later_steps()
    {
        var ran = new List<int>();
        var table = new StandaloneTable("gadgets", "CREATE TABLE IF NOT EXISTS gadgets (id TEXT);",
            [(_, _, _) => { ran.Add(2); return Task.CompletedTask; }, (_, _, _) => { ran.Add(3); return Task.CompletedTask; }]);
        await Execute("CREATE TABLE gadgets (id TEXT); CREATE TABLE schema_versions (table_name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);" +
                      "INSERT INTO schema_versions VALUES ('gadgets', 2);");
        using var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(5));
        await database.EnsureTableAsync(table);
        Assert.Equal([3], ran);
        Assert.Equal(3, await VersionOf("gadgets"));
    }

    private async Task<long> VersionOf(string table) => Convert.ToInt64(await Scalar($"SELECT version FROM schema_versions WHERE table_name = '{table}'"));

    private async Task<IEnumerable<string>> Columns(string table)
    {
        var names = new List<string>();
        await using var connection = await Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    private async Task Execute(string sql)
    {
        await using var connection = await Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> Scalar(string sql)
    {
        await using var connection = await Open();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<SqliteConnection> Open()
    {
        Directory.CreateDirectory(_dir);
        var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
