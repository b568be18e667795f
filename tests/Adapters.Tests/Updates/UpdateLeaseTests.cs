using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Tests.Common;
using CertConnector.Adapters.Tests.Postgres;
using CertConnector.Adapters.Updates;

namespace CertConnector.Adapters.Tests.Updates;

/// <summary>
/// The connector's update lease: of many instances asking at once exactly one may update; it keeps the lease across its own
/// restart; nobody else gets it until it is given back or has expired. On SQLite (the embedded default) and on PostgreSQL
/// (a cluster's shared database, two handles standing for two instances).
/// </summary>
public sealed class UpdateLeaseTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task On_sqlite_one_of_many_askers_holds_it_until_it_gives_it_back_or_it_expires()
    {
        using var dir = new TempDirectory();
        using var database = new StandaloneDatabase(dir.File("standalone.db"), TimeSpan.FromSeconds(10));
        await database.InitializeAsync();
        await OneAtATime(() => database);
    }

    [Fact]
    [Trait("Category", "Postgres")]
    public async Task On_postgres_one_instance_of_many_holds_it_until_it_gives_it_back_or_it_expires()
    {
        using var shared = new SharedDatabase("update_lease");
        await OneAtATime(shared.OpenInstance);
    }

    private static async Task OneAtATime(Func<StandaloneDatabase> instance)
    {
        var clock = new ManualTimeProvider();
        var leases = Enumerable.Range(0, 4).Select(_ => new UpdateLease(instance(), clock)).ToList();

        // Sixteen askers, four handles, at once: one is granted, and every refusal names it.
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => leases[i % 4].Take($"node-{i}", "0.9.0", Duration))));
        var holder = Assert.Single(answers, a => a.Granted).Holder;
        Assert.All(answers.Where(a => !a.Granted), a => Assert.Equal(holder, a.Holder));

        // The holder, restarted (another handle), still holds it and may renew it; the others may not take it, nor give it back.
        Assert.True(leases[3].Take(holder, "0.9.0", Duration).Granted);
        Assert.False(leases[0].Take("node-x", "0.9.1", Duration).Granted);
        Assert.False(leases[0].Release("node-x"));
        clock.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.False(leases[1].Take("node-x", "0.9.1", Duration).Granted);

        // Given back: the next may go.
        Assert.True(leases[2].Release(holder));
        var next = leases[1].Take("node-x", "0.9.1", Duration);
        Assert.True(next.Granted);
        Assert.Equal(("node-x", "0.9.1"), (next.Holder, next.Version));

        // A holder that never comes back loses it when it expires, not before.
        clock.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.False(leases[0].Take("node-y", "0.9.1", Duration).Granted);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(leases[0].Take("node-y", "0.9.1", Duration).Granted);
    }
}
