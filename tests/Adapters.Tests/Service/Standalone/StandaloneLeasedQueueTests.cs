using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Tests.Service;

namespace CertConnector.Adapters.Tests.Service.Standalone;

/// <summary>The import and recrypt queues (one shared base): the PKCS queue's lease rules, each result stored once, blobs intact.</summary>
public sealed class StandaloneLeasedQueueTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "leased-queue-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
    private readonly List<StandaloneDatabase> _databases = [];

    private StandaloneDatabase Database()
    {
        var database = new StandaloneDatabase(Path.Combine(_dir, "standalone.db"), TimeSpan.FromSeconds(5));
        _databases.Add(database);
        return database;
    }

    [Fact]
    public async Task An_import_is_leased_once_its_result_is_stored_once_and_the_blobs_come_back_intact()
    {
        var queue = new StandalonePkcsImportQueue(Database(), TimeSpan.FromMinutes(5), "me", _clock);
        await queue.InitializeAsync();
        var request = new PkcsImportRequest("im-1", "alice@contoso.example", [0x30, 0, 0xFF], [1, 2, 3], "oaepSha384", [0x30, 9], "THUMB", "key");
        Assert.True(await queue.EnqueueAsync(request));
        Assert.False(await queue.EnqueueAsync(request));

        var downloaded = Assert.Single(await queue.DownloadPkcsImportRequestsAsync(10, default));
        Assert.Equal((request.UserPrincipalName, request.PaddingScheme, request.Thumbprint, request.KeyName),
            (downloaded.UserPrincipalName, downloaded.PaddingScheme, downloaded.Thumbprint, downloaded.KeyName));
        Assert.Equal(request.EncryptedPfxBlob, downloaded.EncryptedPfxBlob);
        Assert.Equal(request.EncryptedPfxPassword, downloaded.EncryptedPfxPassword);
        Assert.Equal(request.DeviceCertificate, downloaded.DeviceCertificate);
        Assert.Empty(await queue.DownloadPkcsImportRequestsAsync(10, default));
        Assert.Equal(QueueStatus.Leased, (await queue.GetAsync("im-1"))!.Status);

        await queue.UploadPkcsImportResultsAsync([new PkcsImportResult("im-1", true, EncryptedPassword: [7, 7])], default);
        await queue.UploadPkcsImportResultsAsync([new PkcsImportResult("im-1", false, "Other", "a different second result is only counted")], default);
        var record = (await queue.GetAsync("im-1"))!;
        Assert.Equal((QueueStatus.Completed, 2), (record.Status, record.UploadCount));
        Assert.Equal([7, 7], record.Result!.EncryptedPassword);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await queue.DownloadPkcsImportRequestsAsync(10, default)); // completed: never handed out again
        Assert.Equal("pkcs-import", Assert.Single(await queue.ListAsync(QueueStatus.Completed, 10, default)).Feature);
    }

    [Fact]
    public async Task A_recrypt_lease_runs_out_a_restarted_instance_takes_its_own_back_and_a_failure_is_listed_with_its_code()
    {
        var database = Database();
        var queue = new StandaloneRecryptQueue(database, TimeSpan.FromMinutes(5), "me", _clock);
        await queue.InitializeAsync();
        Assert.True(await queue.EnqueueAsync(new RecryptRequest("rc-1", [1, 2], [0x30])));
        Assert.Single(await queue.DownloadRecryptRequestsAsync(10, default));

        var restarted = new StandaloneRecryptQueue(database, TimeSpan.FromMinutes(5), "me", _clock);
        await restarted.InitializeAsync(); // takes back what "me" leased before the crash
        var again = Assert.Single(await restarted.DownloadRecryptRequestsAsync(10, default));
        Assert.Equal([1, 2], again.EncryptedPayload);

        await restarted.UploadRecryptResultsAsync([new RecryptResult("rc-1", false, "BadPayload", "not ours")], default);
        var listed = Assert.Single(await restarted.ListAsync(QueueStatus.Failed, 10, default));
        Assert.Equal(("recrypt", "BadPayload"), (listed.Feature, listed.ErrorCode));
        Assert.Null((await restarted.FindAsync("nope", default)));
        await restarted.UploadRecryptResultsAsync([new RecryptResult("unknown", true)], default); // a result for no request is dropped
        Assert.Null(await restarted.GetAsync("unknown"));
    }

    [Fact]
    public async Task Statistics_count_each_state_the_last_success_and_failure_and_the_redeliveries()
    {
        var queue = new StandaloneRecryptQueue(Database(), TimeSpan.FromMinutes(5), "me", _clock);
        await queue.InitializeAsync();
        Assert.Equal(new QueueStatistics(0, 0, 0, 0, null, null, 0), await queue.StatisticsAsync(default));
        foreach (var id in new[] { "ok", "bad", "leased", "waiting" }) Assert.True(await queue.EnqueueAsync(new RecryptRequest(id, [1], [0x30])));
        Assert.Equal(3, (await queue.DownloadRecryptRequestsAsync(3, default)).Count); // ok, bad, leased
        _clock.Advance(TimeSpan.FromMinutes(6)); // the leases run out: handed out again, the second time a redelivery
        Assert.Equal(4, (await queue.DownloadRecryptRequestsAsync(4, default)).Count);
        await queue.UploadRecryptResultsAsync([new RecryptResult("ok", true)], default);
        var succeededAt = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(1));
        await queue.UploadRecryptResultsAsync([new RecryptResult("bad", false, "BadPayload", "not ours")], default);
        var failedAt = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Single(await queue.DownloadRecryptRequestsAsync(1, default)); // "leased" again (its third hand-out); "waiting" stays queued

        Assert.Equal(new QueueStatistics(Queued: 1, Leased: 1, Completed: 1, Failed: 1, succeededAt, failedAt, Redeliveries: 4),
            await queue.StatisticsAsync(default));
    }

    public void Dispose()
    {
        foreach (var database in _databases) (database as IDisposable)?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
