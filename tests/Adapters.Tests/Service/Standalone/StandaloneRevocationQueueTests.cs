using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Tests.Service;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Tests.Service.Standalone;

/// <summary>The standalone revocation queue: the PKCS queue's lease rules, results stored once.</summary>
public sealed class StandaloneRevocationQueueTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "revocation-queue-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
    private readonly List<StandaloneDatabase> _databases = [];

    private StandaloneRevocationQueue Open(string instance = "me")
    {
        var database = new StandaloneDatabase(Path.Combine(_dir, "standalone.db"), TimeSpan.FromSeconds(5));
        _databases.Add(database);
        return new StandaloneRevocationQueue(database, TimeSpan.FromMinutes(5), instance, _clock);
    }

    private static RevocationRequest Request(string id) => new(id, "0A1B", RevocationReason.KeyCompromise);

    [Fact]
    public async Task A_downloaded_revocation_is_leased_and_handed_out_again_after_the_lease()
    {
        var queue = Open();
        Assert.True(await queue.EnqueueAsync(Request("rv-1"), null));
        Assert.False(await queue.EnqueueAsync(Request("rv-1"), null));
        var first = Assert.Single(await queue.DownloadRevocationRequestsAsync(10, default));
        Assert.Equal((RevocationReason.KeyCompromise, "0A1B"), (first.Reason, first.SerialNumber));
        Assert.Empty(await queue.DownloadRevocationRequestsAsync(10, default));
        Assert.Equal(QueueStatus.Leased, (await queue.GetAsync("rv-1"))!.Status);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(await queue.DownloadRevocationRequestsAsync(10, default));
    }

    [Fact]
    public async Task A_restarted_instance_takes_back_its_own_leases_at_once_but_not_others()
    {
        var mine = Open("me");
        await mine.EnqueueAsync(Request("mine"), null);
        Assert.Single(await mine.DownloadRevocationRequestsAsync(1, default));
        var other = Open("other");
        await other.EnqueueAsync(Request("theirs"), null);
        Assert.Single(await other.DownloadRevocationRequestsAsync(1, default));

        var restarted = Open("me");
        await restarted.InitializeAsync();
        Assert.Equal("mine", Assert.Single(await restarted.DownloadRevocationRequestsAsync(10, default)).RequestId);
    }

    [Fact]
    public async Task A_result_is_stored_once_and_completes_the_request()
    {
        var queue = Open();
        await queue.EnqueueAsync(Request("rv-1"), "pkcs-7");
        await queue.UploadRevocationResultsAsync([new("rv-1", true, "4005", "already")], default);
        await queue.UploadRevocationResultsAsync([new("rv-1", false, "4004", "late copy")], default);
        await queue.UploadRevocationResultsAsync([new("unknown", true)], default);

        var record = (await queue.GetAsync("rv-1"))!;
        Assert.Equal(QueueStatus.Completed, record.Status);
        Assert.Equal(("4005", 2, "pkcs-7"), (record.Result!.ErrorCode, record.UploadCount, record.Request.PkcsRequestId));
        Assert.Null(await queue.GetAsync("unknown"));
        Assert.Empty(await queue.DownloadRevocationRequestsAsync(10, default));
        Assert.Equal("revocation", Assert.Single(await queue.ListAsync(QueueStatus.Completed, 10, default)).Feature);
        Assert.Empty(await queue.ListAsync(QueueStatus.Failed, 10, default));
    }

    public void Dispose()
    {
        foreach (var d in _databases) d.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
