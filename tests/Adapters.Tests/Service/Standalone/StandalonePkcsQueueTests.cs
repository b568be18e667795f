using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Tests.Service.Standalone;

public sealed class StandalonePkcsQueueTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "standalone-tests-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _clock = new();
    private readonly List<StandaloneDatabase> _databases = [];

    private string DbPath => Path.Combine(_dir, StandaloneDatabase.FileName);

    private StandalonePkcsQueue Open(TimeSpan? lease = null, TimeSpan? busyTimeout = null, string? path = null, string instance = "node-a") =>
        new(OpenDatabase(busyTimeout, path), lease ?? TimeSpan.FromMinutes(5), instance, _clock);

    private StandaloneDatabase OpenDatabase(TimeSpan? busyTimeout = null, string? path = null)
    {
        var database = new StandaloneDatabase(path ?? DbPath, busyTimeout ?? TimeSpan.FromSeconds(5));
        _databases.Add(database);
        return database;
    }

    /// <summary>Enqueues with the clock at <paramref name="at"/> (the enqueue time orders the queue).</summary>
    private async Task EnqueueAt(StandalonePkcsQueue queue, PkcsRequest request, DateTimeOffset at)
    {
        _clock.Advance(at - _clock.GetUtcNow());
        await queue.EnqueueAsync(request);
    }

    private static PkcsRequest Request(string id) => new(
        id, $"CN={id}", [new SubjectAltName("upn", $"{id}@example.com"), new SubjectAltName("dns", "a;b.example.com")],
        "WiFi", KeySpec.Parse("ec:p256"), [1, 2, 3, (byte)id.Length], "user", "S-1-5-21-1-2-3-1001", 90);

    private static PkcsResult Success(string id, string thumbprint = "AB12") => new(
        id, true, EncryptedPfx: [9, 8, 7], EncryptedPassword: [6, 5], CertificateDer: [0x30, 0x82],
        CertificateThumbprint: thumbprint, SerialNumber: "0A0B", ExpirationDateUtc: new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

    private async Task<long> UploadCountColumn(string id)
    {
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT upload_count FROM pkcs_results WHERE request_id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Enqueued_request_is_downloaded_with_all_fields_and_leased()
    {
        var service = Open();
        var request = Request("r-1");
        Assert.True(await service.EnqueueAsync(request));

        var downloaded = Assert.Single(await service.DownloadPkcsRequestsAsync(10, default));
        Assert.Equal(request.RequestId, downloaded.RequestId);
        Assert.Equal(request.SubjectName, downloaded.SubjectName);
        Assert.Equal(request.SubjectAlternativeNames, downloaded.SubjectAlternativeNames);
        Assert.Equal(request.TemplateName, downloaded.TemplateName);
        Assert.Equal(request.KeySpec, downloaded.KeySpec);
        Assert.Equal(request.DeviceCertificate, downloaded.DeviceCertificate);
        Assert.Equal(request.CertificateType, downloaded.CertificateType);
        Assert.Equal(request.OnPremisesSid, downloaded.OnPremisesSid);
        Assert.Equal(request.ValidityDays, downloaded.ValidityDays);

        Assert.Empty(await service.DownloadPkcsRequestsAsync(10, default));
        var record = await service.GetAsync("r-1");
        Assert.NotNull(record);
        Assert.Equal(QueueStatus.Leased, record.Status);
        Assert.Equal(1, record.DeliveryCount);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(5), record.LeaseExpiresAt);
        Assert.Null(record.Result);
    }

    [Fact]
    public async Task Download_hands_out_oldest_first_up_to_max()
    {
        var service = Open();
        var t = _clock.GetUtcNow();
        await EnqueueAt(service, Request("newest"), t.AddSeconds(2));
        await EnqueueAt(service, Request("oldest"), t);
        await EnqueueAt(service, Request("middle"), t.AddSeconds(1));

        var first = await service.DownloadPkcsRequestsAsync(2, default);
        Assert.Equal(["oldest", "middle"], first.Select(r => r.RequestId));
        var rest = await service.DownloadPkcsRequestsAsync(5, default);
        Assert.Equal(["newest"], rest.Select(r => r.RequestId));
        Assert.Empty(await service.DownloadPkcsRequestsAsync(0, default));
    }

    [Fact]
    public async Task Leased_request_is_handed_out_again_only_after_the_lease_runs_out()
    {
        var service = Open();
        await service.EnqueueAsync(Request("r-1"));
        Assert.Single(await service.DownloadPkcsRequestsAsync(10, default));

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Empty(await service.DownloadPkcsRequestsAsync(10, default));

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(QueueStatus.Queued, (await service.GetAsync("r-1"))!.Status);
        Assert.Equal("r-1", Assert.Single(await service.DownloadPkcsRequestsAsync(10, default)).RequestId);
        Assert.Equal(2, (await service.GetAsync("r-1"))!.DeliveryCount);
    }

    [Fact]
    public async Task At_start_an_instance_takes_back_its_own_leases_and_leaves_other_instances_leases_alone()
    {
        var a = Open(instance: "node-a");
        await a.EnqueueAsync(Request("mine"));
        Assert.Single(await a.DownloadPkcsRequestsAsync(1, default));
        var b = Open(instance: "node-b");
        await b.EnqueueAsync(Request("theirs"));
        Assert.Equal("theirs", Assert.Single(await b.DownloadPkcsRequestsAsync(10, default)).RequestId);

        // node-a is killed and starts again on the same database, long before its lease would run out.
        var restarted = Open(instance: "node-a");
        await restarted.InitializeAsync();
        Assert.Equal("mine", Assert.Single(await restarted.DownloadPkcsRequestsAsync(10, default)).RequestId);
        Assert.Equal(2, (await restarted.GetAsync("mine"))!.DeliveryCount);
    }

    [Fact]
    public async Task A_version_1_database_is_migrated_and_keeps_its_queue()
    {
        Directory.CreateDirectory(_dir);
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = """
                CREATE TABLE pkcs_requests (request_id TEXT PRIMARY KEY NOT NULL, subject_name TEXT NOT NULL, subject_alt_names TEXT NOT NULL,
                    template_name TEXT NOT NULL, key_spec TEXT NOT NULL, device_certificate BLOB NOT NULL, certificate_type TEXT NOT NULL,
                    on_premises_sid TEXT, validity_days INTEGER, enqueued_at TEXT NOT NULL, lease_expires_at TEXT,
                    delivery_count INTEGER NOT NULL DEFAULT 0, completed_at TEXT);
                CREATE TABLE pkcs_results (request_id TEXT PRIMARY KEY NOT NULL, succeeded INTEGER NOT NULL, error_code TEXT, error_message TEXT,
                    encrypted_pfx BLOB, encrypted_password BLOB, certificate_der BLOB, certificate_thumbprint TEXT, serial_number TEXT,
                    expiration_date_utc TEXT, uploaded_at TEXT NOT NULL, upload_count INTEGER NOT NULL DEFAULT 1);
                INSERT INTO pkcs_requests VALUES ('old', 'CN=old', '[]', 'client-auth', 'rsa:2048', x'01', 'device', NULL, NULL,
                    '2026-01-01T00:00:00.0000000Z', NULL, 0, NULL);
                PRAGMA user_version = 1;
                """;
            await create.ExecuteNonQueryAsync();
        }

        var service = Open();
        await service.InitializeAsync();
        Assert.Equal("old", Assert.Single(await service.DownloadPkcsRequestsAsync(10, default)).RequestId);
    }

    [Fact]
    public async Task Lease_duration_is_configurable()
    {
        var service = Open(lease: TimeSpan.FromSeconds(30));
        await service.EnqueueAsync(Request("r-1"));
        Assert.Single(await service.DownloadPkcsRequestsAsync(10, default));
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await service.DownloadPkcsRequestsAsync(10, default));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await service.DownloadPkcsRequestsAsync(10, default));
    }

    [Fact]
    public async Task Duplicate_enqueue_returns_false_and_keeps_the_first()
    {
        var service = Open();
        Assert.True(await service.EnqueueAsync(Request("r-1")));
        Assert.False(await service.EnqueueAsync(Request("r-1") with { SubjectName = "CN=other" }));
        Assert.Equal("CN=r-1", (await service.GetAsync("r-1"))!.Request.SubjectName);
        Assert.Single(await service.ListAsync(null, 10, default));
    }

    [Fact]
    public async Task Uploaded_result_is_stored_once_and_completes_the_request()
    {
        var service = Open();
        await service.EnqueueAsync(Request("r-1"));
        await service.DownloadPkcsRequestsAsync(10, default);
        _clock.Advance(TimeSpan.FromSeconds(3));
        var result = Success("r-1");

        await service.UploadPkcsResultsAsync([result], default);

        var record = (await service.GetAsync("r-1"))!;
        Assert.Equal(QueueStatus.Completed, record.Status);
        Assert.NotNull(record.Result);
        Assert.Equal(result.EncryptedPfx, record.Result.EncryptedPfx);
        Assert.Equal(result.EncryptedPassword, record.Result.EncryptedPassword);
        Assert.Equal(result.CertificateDer, record.Result.CertificateDer);
        Assert.Equal(result.CertificateThumbprint, record.Result.CertificateThumbprint);
        Assert.Equal(result.SerialNumber, record.Result.SerialNumber);
        Assert.Equal(result.ExpirationDateUtc, record.Result.ExpirationDateUtc);
        Assert.Equal(_clock.GetUtcNow(), record.UploadedAt);
        Assert.Equal(1, record.UploadCount);
        Assert.Equal(1, await UploadCountColumn("r-1"));

        // A completed request is never handed out again, even after its lease would have run out.
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await service.DownloadPkcsRequestsAsync(10, default));
    }

    [Fact]
    public async Task Repeated_upload_keeps_the_first_result_and_counts_the_attempt()
    {
        var service = Open();
        await service.EnqueueAsync(Request("r-1"));
        await service.UploadPkcsResultsAsync([Success("r-1", "FIRST")], default);

        var summary = await service.UploadResultsAsync([Success("r-1", "SECOND")]);
        await service.UploadPkcsResultsAsync([new PkcsResult("r-1", false, "X", "late failure")], default);

        Assert.Equal(new UploadSummary(0, 1, 0), summary);
        var record = (await service.GetAsync("r-1"))!;
        Assert.Equal(QueueStatus.Completed, record.Status);
        Assert.Equal("FIRST", record.Result!.CertificateThumbprint);
        Assert.Equal(3, record.UploadCount);
        Assert.Equal(3, await UploadCountColumn("r-1"));
    }

    [Fact]
    public async Task Result_for_an_unknown_request_is_ignored()
    {
        var service = Open();
        await service.EnqueueAsync(Request("known"));

        await service.UploadPkcsResultsAsync([Success("unknown")], default);
        var summary = await service.UploadResultsAsync([Success("unknown"), Success("known")]);

        Assert.Equal(new UploadSummary(1, 0, 1), summary);
        Assert.Equal(new UploadSummary(0, 0, 2), await service.UploadResultsAsync([Success(""), null!]));
        Assert.Null(await service.GetAsync("unknown"));
        Assert.Equal(["known"], (await service.ListAsync(null, 10, default)).Select(r => r.RequestId));
    }

    [Fact]
    public async Task Counts_by_status_follow_leases_and_results()
    {
        var service = Open(lease: TimeSpan.FromSeconds(30));
        foreach (var id in new[] { "r-1", "r-2", "r-3" }) await service.EnqueueAsync(Request(id));
        Assert.Equal(2, (await service.DownloadPkcsRequestsAsync(2, default)).Count);
        await service.UploadPkcsResultsAsync([Success("r-1")], default);

        async Task<(long, long, long, long)> Counts() => (await service.CountAsync(QueueStatus.Queued, default), await service.CountAsync(QueueStatus.Leased, default),
            await service.CountAsync(QueueStatus.Completed, default), await service.CountAsync(QueueStatus.Failed, default));
        Assert.Equal((1, 1, 1, 0), await Counts());
        _clock.Advance(TimeSpan.FromSeconds(30)); // r-2's lease ends: queued again
        Assert.Equal((2, 0, 1, 0), await Counts());
    }

    [Fact]
    public async Task Listing_filters_by_status_newest_first()
    {
        var service = Open();
        var t = _clock.GetUtcNow();
        foreach (var (id, i) in new[] { "leased-old", "leased-new", "completed", "failed", "queued" }.Select((id, i) => (id, i)))
            await EnqueueAt(service, Request(id), t.AddSeconds(i));
        // Download hands out the oldest four; two of them get a result, two stay leased.
        await service.DownloadPkcsRequestsAsync(4, default);
        await service.UploadPkcsResultsAsync([Success("completed"), new PkcsResult("failed", false, "CaDenied", "policy")], default);
        _clock.Advance(TimeSpan.FromMinutes(1));

        async Task<string[]> Ids(string? status) =>
            (await service.ListAsync(QueueStatuses.Parse(status), 10, default)).Select(r => r.RequestId).ToArray();

        Assert.Equal(["queued"], await Ids("Queued"));
        Assert.Equal(["leased-new", "leased-old"], await Ids("leased"));
        Assert.Equal(["completed"], await Ids("COMPLETED"));
        Assert.Equal(["failed"], await Ids("Failed"));
        Assert.Equal(["queued", "failed", "completed", "leased-new", "leased-old"], await Ids(null));
        Assert.Equal(2, (await service.ListAsync(null, 2, default)).Count);
        Assert.Equal("CaDenied", (await service.GetAsync("failed"))!.Result!.ErrorCode);
        Assert.Equal("CaDenied", (await service.FindAsync("failed", default))!.ErrorCode);

        Assert.Throws<ArgumentException>(() => QueueStatuses.Parse("Done"));
        Assert.Throws<ArgumentException>(() => QueueStatuses.Parse("1"));
        Assert.Empty(await service.ListAsync(null, 0, default));
        Assert.Empty(await service.ListAsync(null, -1, default));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("1")]
    [InlineData("Queued,Failed")] // Enum.TryParse would OR these into another defined value
    [InlineData("Leased, Completed")]
    public void An_unknown_status_from_outside_is_an_error_message_not_an_exception(string status)
    {
        Assert.False(QueueStatuses.TryParse(status, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains("Unknown status", error);
    }

    [Fact]
    public async Task Data_survives_reopening_the_file()
    {
        using (var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(5)))
        {
            var first = new StandalonePkcsQueue(database, TimeSpan.FromMinutes(5), "node-a", _clock);
            await first.EnqueueAsync(Request("done"));
            await first.EnqueueAsync(Request("leased"));
            await first.DownloadPkcsRequestsAsync(10, default);
            await first.UploadPkcsResultsAsync([Success("done")], default);
        }

        var reopened = Open();
        Assert.Equal(QueueStatus.Completed, (await reopened.GetAsync("done"))!.Status);
        Assert.Equal([9, 8, 7], (await reopened.GetAsync("done"))!.Result!.EncryptedPfx);
        Assert.Equal(QueueStatus.Leased, (await reopened.GetAsync("leased"))!.Status);
        Assert.Empty(await reopened.DownloadPkcsRequestsAsync(10, default));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("leased", Assert.Single(await reopened.DownloadPkcsRequestsAsync(10, default)).RequestId);
    }

    [Fact]
    public async Task Concurrent_downloads_from_two_instances_never_hand_out_the_same_request()
    {
        var a = Open();
        var b = Open();
        for (var i = 0; i < 40; i++) await a.EnqueueAsync(Request($"r-{i:D2}"));

        var batches = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => (i % 2 == 0 ? a : b).DownloadPkcsRequestsAsync(5, default))));

        var ids = batches.SelectMany(batch => batch).Select(r => r.RequestId).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(40, ids.Distinct().Count());
    }

    [Fact]
    public async Task Database_uses_wal_mode()
    {
        await Open().InitializeAsync();
        await using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Unusable_path_is_a_transient_store_failure()
    {
        Directory.CreateDirectory(_dir);
        var blocker = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        var service = Open(path: Path.Combine(blocker, StandaloneDatabase.FileName));

        var failure = await Assert.ThrowsAsync<ConnectorFailureException>(() => service.DownloadPkcsRequestsAsync(1, default));
        Assert.Equal("StandaloneStoreUnavailable", failure.Code);
        Assert.True(failure.Retryable);
    }

    [Fact]
    public async Task Locked_database_is_a_transient_store_failure()
    {
        var service = Open(busyTimeout: TimeSpan.FromSeconds(1));
        await service.EnqueueAsync(Request("r-1"));
        await using var locker = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await locker.OpenAsync();
        await using var transaction = locker.BeginTransaction(deferred: false);

        var failure = await Assert.ThrowsAsync<ConnectorFailureException>(() => service.DownloadPkcsRequestsAsync(1, default));
        Assert.Equal("StandaloneStoreUnavailable", failure.Code);
        Assert.True(failure.Retryable);

        await transaction.RollbackAsync();
        Assert.Single(await service.DownloadPkcsRequestsAsync(1, default));
    }

    public void Dispose()
    {
        foreach (var database in _databases) database.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Concurrent_enqueues_share_transactions_and_each_learns_whether_its_own_row_was_new()
    {
        var service = Open();
        Assert.True(await service.EnqueueAsync(Request("known")));
        // 60 calls at once, among them the known ID and one new ID twice: exactly the duplicates are refused.
        var ids = Enumerable.Range(0, 57).Select(i => $"r{i}").Concat(["known", "twice", "twice"]).ToList();
        var results = await Task.WhenAll(ids.Select(id => Task.Run(() => service.EnqueueAsync(Request(id)))));

        Assert.All(results.Take(57), Assert.True);
        Assert.False(results[57]);
        Assert.Equal(1, results.Skip(58).Count(r => r));
        var stored = await service.ListAsync(null, 1000, default);
        Assert.Equal(59, stored.Count);
        Assert.Equal(ids.Distinct().Order(), stored.Select(r => r.RequestId).Order());
        var twice = await service.GetAsync("twice");
        Assert.Equal("CN=twice", twice!.Request.SubjectName);
    }

    [Fact]
    public async Task An_enqueue_that_fails_in_the_database_fails_its_caller_and_the_next_one_succeeds()
    {
        var service = Open();
        Assert.True(await service.EnqueueAsync(Request("first")));
        await using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "ALTER TABLE pkcs_requests RENAME TO pkcs_requests_away";
            await drop.ExecuteNonQueryAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => service.EnqueueAsync(Request("lost")));
            drop.CommandText = "ALTER TABLE pkcs_requests_away RENAME TO pkcs_requests";
            await drop.ExecuteNonQueryAsync();
        }
        Assert.True(await service.EnqueueAsync(Request("after")));
        Assert.Null(await service.GetAsync("lost"));
    }

    [Fact]
    public async Task Sqlite_connections_wait_for_the_write_lock_with_sqlites_own_busy_timeout()
    {
        var timeout = await OpenDatabase(busyTimeout: TimeSpan.FromSeconds(7)).RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout";
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }, CancellationToken.None);
        Assert.Equal(7000, timeout);
    }
}
