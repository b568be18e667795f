using System.Collections.Concurrent;
using System.Data.Common;
using CertConnector.Adapters.Service.Standalone;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Tests.Service.Standalone;

/// <summary>
/// SQLite write transactions grouped into shared commits (SqliteGroupCommit), seen through
/// <see cref="StandaloneDatabase.InWriteTransactionAsync{T}"/>: every write lands once, a failing write fails alone,
/// nobody hears of success before the COMMIT, cancelled writes never run, and read-check-update stays atomic.
/// </summary>
public sealed class SqliteGroupCommitTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "group-commit-" + Guid.NewGuid().ToString("N"));
    private string DbPath => Path.Combine(_dir, "standalone.db");

    [Fact]
    public async Task Five_hundred_concurrent_writes_all_land_and_each_caller_gets_its_own_result()
    {
        using var database = await NewDatabaseAsync();
        var tasks = Enumerable.Range(0, 500).Select(i => Task.Run(() => database.InWriteTransactionAsync(async (connection, transaction) =>
        {
            await InsertAsync(connection, transaction, i, $"item-{i}");
            return $"result-{i}";
        }, CancellationToken.None))).ToArray();

        var results = await Task.WhenAll(tasks).WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"result-{i}"), results);
        Assert.Equal(500L, await ScalarAsync("SELECT count(*) FROM items"));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), await IdsAsync());
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM items WHERE name <> 'item-' || id"));
    }

    [Fact]
    public async Task In_one_batch_a_throwing_write_fails_alone_and_its_row_is_absent()
    {
        using var database = await NewDatabaseAsync();
        var release = await BlockWriterAsync(database, id: 100);
        var transactions = new ConcurrentDictionary<string, DbTransaction>();
        var boom = new InvalidOperationException("boom");

        var before = database.InWriteTransactionAsync(async (connection, transaction) =>
        {
            transactions["before"] = transaction;
            await InsertAsync(connection, transaction, 1, "before");
            return "before";
        }, CancellationToken.None);
        var failing = database.InWriteTransactionAsync<string>(async (connection, transaction) =>
        {
            transactions["failing"] = transaction;
            await InsertAsync(connection, transaction, 2, "failing");
            throw boom;
        }, CancellationToken.None);
        var after = database.InWriteTransactionAsync(async (connection, transaction) =>
        {
            transactions["after"] = transaction;
            await InsertAsync(connection, transaction, 3, "after");
            return "after";
        }, CancellationToken.None);
        release();

        Assert.Equal("before", await before.WaitAsync(Timeout));
        Assert.Equal("after", await after.WaitAsync(Timeout));
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Timeout));
        Assert.Same(boom, thrown);

        // The three shared one transaction: the failure was rolled back to its savepoint, not the whole batch.
        Assert.Same(transactions["before"], transactions["failing"]);
        Assert.Same(transactions["before"], transactions["after"]);
        Assert.Equal([1L, 3L, 100L], await IdsAsync());
    }

    [Fact]
    public async Task In_one_batch_a_refused_row_fails_alone_with_the_constraint_error()
    {
        using var database = await NewDatabaseAsync();
        var release = await BlockWriterAsync(database, id: 100);

        var first = database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, 1, "first"); return 1; }, CancellationToken.None);
        var duplicate = database.InWriteTransactionAsync(async (c, t) =>
        {
            await InsertAsync(c, t, 5, "kept?");
            await InsertAsync(c, t, 1, "duplicate");
            return 2;
        }, CancellationToken.None);
        var last = database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, 3, "last"); return 3; }, CancellationToken.None);
        release();

        Assert.Equal(1, await first.WaitAsync(Timeout));
        Assert.Equal(3, await last.WaitAsync(Timeout));
        var error = await Assert.ThrowsAsync<SqliteException>(() => duplicate.WaitAsync(Timeout));
        Assert.True(StandaloneDatabase.IsUniqueViolation(error));
        Assert.Equal([1L, 3L, 100L], await IdsAsync()); // the refused write's earlier insert (5) was rolled back with it
        Assert.Equal("first", await ScalarAsync("SELECT name FROM items WHERE id = 1"));
    }

    [Fact]
    public async Task No_write_is_reported_done_while_its_transaction_is_still_open()
    {
        using var database = await NewDatabaseAsync();
        var release = await BlockWriterAsync(database, id: 100);

        var earlier = database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, 1, "earlier"); return "earlier"; }, CancellationToken.None);
        var observed = database.InWriteTransactionAsync(async (c, t) =>
        {
            await Task.Delay(50); // give a premature completion time to show
            var earlierDone = earlier.IsCompleted;
            var visibleOutside = await OutsideCountAsync("SELECT count(*) FROM items WHERE id = 1");
            await InsertAsync(c, t, 2, "later");
            return (earlierDone, visibleOutside);
        }, CancellationToken.None);
        release();

        var (earlierDoneInside, visibleOutsideInside) = await observed.WaitAsync(Timeout);
        Assert.False(earlierDoneInside); // still in the same open transaction
        Assert.Equal(0L, visibleOutsideInside); // and indeed not committed yet
        Assert.Equal("earlier", await earlier.WaitAsync(Timeout));
        Assert.Equal(1L, await OutsideCountAsync("SELECT count(*) FROM items WHERE id = 1"));
    }

    [Fact]
    public async Task A_completed_write_is_already_visible_to_other_connections()
    {
        using var database = await NewDatabaseAsync();
        for (var i = 0; i < 20; i++)
        {
            var id = i;
            await database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, id, "x"); return true; }, CancellationToken.None)
                .WaitAsync(Timeout);
            Assert.Equal(1L, await OutsideCountAsync($"SELECT count(*) FROM items WHERE id = {id}"));
        }
    }

    [Fact]
    public async Task A_write_cancelled_before_the_writer_reaches_it_is_not_run_and_is_cancelled()
    {
        using var database = await NewDatabaseAsync();
        var release = await BlockWriterAsync(database, id: 100);
        using var cancellation = new CancellationTokenSource();
        var ran = false;

        var cancelled = database.InWriteTransactionAsync(async (c, t) =>
        {
            ran = true;
            await InsertAsync(c, t, 1, "cancelled");
            return 1;
        }, cancellation.Token);
        var next = database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, 2, "next"); return 2; }, CancellationToken.None);
        cancellation.Cancel();
        release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        Assert.True(cancelled.IsCanceled);
        Assert.Equal(2, await next.WaitAsync(Timeout)); // the rest of the batch is unaffected
        Assert.False(ran);
        Assert.Equal([2L, 100L], await IdsAsync());
    }

    [Fact]
    public async Task Fifty_concurrent_read_check_updates_of_one_counter_reach_fifty()
    {
        using var database = await NewDatabaseAsync();
        await database.InWriteTransactionAsync(async (c, t) =>
        {
            await ExecuteAsync(c, t, "CREATE TABLE counter (value INTEGER NOT NULL); INSERT INTO counter VALUES (0);");
            return true;
        }, CancellationToken.None);

        var tasks = Enumerable.Range(0, 50).Select(_ => Task.Run(() => database.InWriteTransactionAsync(async (c, t) =>
        {
            await using var read = StandaloneStore.Command(c, t, "SELECT value FROM counter");
            var value = Convert.ToInt64(await read.ExecuteScalarAsync());
            await Task.Yield();
            await ExecuteAsync(c, t, $"UPDATE counter SET value = {value + 1}");
            return value;
        }, CancellationToken.None))).ToArray();

        var seen = await Task.WhenAll(tasks).WaitAsync(Timeout);

        Assert.Equal(50L, await ScalarAsync("SELECT value FROM counter"));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), seen.Order()); // each saw a distinct value
    }

    [Fact]
    public async Task After_dispose_the_file_reopens_with_the_data()
    {
        using (var database = await NewDatabaseAsync())
        {
            var tasks = Enumerable.Range(0, 30).Select(i =>
                database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, i, $"item-{i}"); return i; }, CancellationToken.None)).ToArray();
            await Task.WhenAll(tasks).WaitAsync(Timeout);
        }

        using var reopened = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(30));
        var count = await reopened.InWriteTransactionAsync(async (c, t) =>
        {
            await InsertAsync(c, t, 1000, "after reopen");
            await using var command = StandaloneStore.Command(c, t, "SELECT count(*) FROM items");
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(31L, count);
        var names = await reopened.RunAsync(async c =>
        {
            await using var command = StandaloneStore.Command(c, null, "SELECT group_concat(name, ',') FROM (SELECT name FROM items ORDER BY id)");
            return (string?)await command.ExecuteScalarAsync();
        }, CancellationToken.None);
        Assert.Equal(string.Join(',', Enumerable.Range(0, 30).Select(i => $"item-{i}").Append("after reopen")), names);
    }

    [Fact]
    public async Task Dispose_lets_the_queued_writes_finish_first()
    {
        var database = await NewDatabaseAsync();
        var release = await BlockWriterAsync(database, id: 100);
        var queued = Enumerable.Range(0, 20).Select(i =>
            database.InWriteTransactionAsync(async (c, t) => { await InsertAsync(c, t, i, "queued"); return i; }, CancellationToken.None)).ToArray();
        release();
        database.Dispose();

        Assert.All(queued, task => Assert.True(task.IsCompletedSuccessfully));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i).Append(100L), await IdsAsync());
    }

    [Fact]
    public async Task A_write_after_dispose_is_refused()
    {
        var database = await NewDatabaseAsync();
        database.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() =>
            database.InWriteTransactionAsync((_, _) => Task.FromResult(true), CancellationToken.None).WaitAsync(Timeout));
    }

    // ---- helpers ----

    private async Task<StandaloneDatabase> NewDatabaseAsync()
    {
        var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(30));
        await database.InWriteTransactionAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
            return true;
        }, CancellationToken.None).WaitAsync(Timeout);
        return database;
    }

    /// <summary>
    /// Starts a write (inserting <paramref name="id"/>) that holds the single writer until the returned action is
    /// called, and returns once the writer is inside it: writes queued meanwhile all go into the next batch.
    /// </summary>
    private static async Task<Action> BlockWriterAsync(StandaloneDatabase database, long id)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = database.InWriteTransactionAsync(async (c, t) =>
        {
            await InsertAsync(c, t, id, "blocker");
            entered.SetResult();
            await gate.Task;
            return true;
        }, CancellationToken.None);
        await entered.Task.WaitAsync(Timeout);
        return () => gate.SetResult();
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, long id, string name)
    {
        await using var command = StandaloneStore.Command(connection, transaction, "INSERT INTO items (id, name) VALUES (@id, @name)",
            ("@id", id), ("@name", name));
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql)
    {
        await using var command = StandaloneStore.Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>What a reader on its own connection (another process, the admin API) sees: only committed data.</summary>
    private async Task<long> OutsideCountAsync(string sql) => Convert.ToInt64(await ScalarAsync(sql));

    private async Task<List<long>> IdsAsync()
    {
        var ids = new List<long>();
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM items ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
