using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Adapters.Tests.Service.Standalone;

/// <summary>
/// When a member leaves or is downed, a survivor ends the leases its instance held (ReleaseLeasesOfAsync): those
/// requests are handed out again at once, while the leases of other instances, and finished requests, stay as they are.
/// </summary>
public sealed class DepartedInstanceLeaseTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "departed-leases-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
    private readonly List<IDisposable> _open = [];

    private string DbPath => Path.Combine(_dir, StandaloneDatabase.FileName);

    public void Dispose()
    {
        foreach (var open in _open) open.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private StandalonePkcsQueue OpenPkcs(string instance)
    {
        var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(5));
        _open.Add(database);
        return new StandalonePkcsQueue(database, TimeSpan.FromMinutes(5), instance, _clock);
    }

    private static PkcsRequest Pkcs(string id) => new(
        id, $"CN={id}", [new SubjectAltName("upn", $"{id}@example.com")], "WiFi", KeySpec.Parse("ec:p256"), [1, 2, 3], "user", "S-1-5-21-1-2-3-1001", 90);

    [Fact]
    public async Task The_pkcs_leases_of_a_departed_instance_are_released_and_no_others()
    {
        var x = OpenPkcs("X");
        await x.InitializeAsync();
        var y = OpenPkcs("Y");
        await y.InitializeAsync();
        foreach (var id in new[] { "x-1", "x-2", "x-done" }) await x.EnqueueAsync(Pkcs(id));
        Assert.Equal(3, (await x.DownloadPkcsRequestsAsync(10, default)).Count);
        await x.UploadPkcsResultsAsync([new PkcsResult("x-done", false, ErrorCode: "CaDenied")], default);
        await y.EnqueueAsync(Pkcs("y-1"));
        Assert.Single(await y.DownloadPkcsRequestsAsync(10, default));

        var survivor = OpenPkcs("Z");
        await survivor.InitializeAsync();
        Assert.Equal(2, await survivor.ReleaseLeasesOfAsync("X"));

        Assert.Equal(["x-1", "x-2"], (await survivor.DownloadPkcsRequestsAsync(10, default)).Select(r => r.RequestId).Order());
        Assert.Equal(QueueStatus.Leased, (await survivor.GetAsync("y-1"))!.Status);  // Y is alive: its lease stands
        Assert.Equal(QueueStatus.Failed, (await survivor.GetAsync("x-done"))!.Status); // finished stays finished
        Assert.Equal(0, await survivor.ReleaseLeasesOfAsync("X")); // idempotent: X's were handed to Z and are Z's now
        Assert.Equal(0, await survivor.ReleaseLeasesOfAsync("nobody"));
    }

    [Fact]
    public async Task The_revocation_leases_of_a_departed_instance_are_released_and_no_others()
    {
        var database = new StandaloneDatabase(DbPath, TimeSpan.FromSeconds(5));
        _open.Add(database);
        var x = new StandaloneRevocationQueue(database, TimeSpan.FromMinutes(5), "X", _clock);
        await x.InitializeAsync();
        var y = new StandaloneRevocationQueue(database, TimeSpan.FromMinutes(5), "Y", _clock);
        await x.EnqueueAsync(new RevocationRequest("rx", "0A", RevocationReason.KeyCompromise), null);
        Assert.Single(await x.DownloadRevocationRequestsAsync(10, default));
        await y.EnqueueAsync(new RevocationRequest("ry", "0B", RevocationReason.KeyCompromise), null);
        Assert.Single(await y.DownloadRevocationRequestsAsync(10, default));

        var survivor = new StandaloneRevocationQueue(database, TimeSpan.FromMinutes(5), "Z", _clock);
        Assert.Equal(1, await survivor.ReleaseLeasesOfAsync("X"));
        Assert.Equal("rx", Assert.Single(await survivor.DownloadRevocationRequestsAsync(10, default)).RequestId);
        Assert.Equal(QueueStatus.Leased, (await survivor.GetAsync("ry"))!.Status);
        Assert.Equal(0, await survivor.ReleaseLeasesOfAsync("X"));
    }
}
