using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Tests.Pkcs;
using Microsoft.Extensions.Hosting;

namespace CertConnector.Actors.Tests.Cluster;

/// <summary>
/// Two nodes with the <c>pkcs</c> role share one journal (a SQLite file here, PostgreSQL in production). A's CA never
/// answers, so the requests on A are stuck issuing; when A leaves gracefully its shards move to C, whose
/// remember-entities restart them from the journal, and C's CA issues them: every request finishes, uploaded once.
/// </summary>
public sealed class HandOverTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("handover").FullName;
    private readonly ScriptedCa _caA = new([.. Enumerable.Range(0, 100).Select(_ => ScriptedCa.Never())]);
    private readonly ScriptedCa _caC = new();
    private readonly RecordingService _serviceC = new();
    private IHost _a = null!, _c = null!;

    public async Task InitializeAsync()
    {
        var journal = TestNodes.SharedSqlite(Path.Combine(_dir, "journal.db"));
        _a = await TestNodes.StartPkcsNode("a", withPkcsRole: true, _caA, new RecordingService(), journal);
        _c = await TestNodes.StartPkcsNode("c", withPkcsRole: true, _caC, _serviceC, journal);
        _a.Cluster().Join(_a.Cluster().SelfAddress);
        _c.Cluster().Join(_a.Cluster().SelfAddress);
        await TestNodes.AwaitCondition(() => _c.Cluster().State.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both nodes Up");
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { _c, _a })
        {
            try { await host.StopAsync(); } catch (OperationCanceledException) { }
            host.Dispose();
        }
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task Requests_of_a_node_that_leaves_finish_on_the_other_role_holder()
    {
        var regionC = _c.Registry().Get<PkcsRequestRegion>();
        var ids = Enumerable.Range(0, 20).Select(i => $"handover-{i}").ToList();
        foreach (var id in ids) regionC.Tell(new StartPkcsRequest(Samples.Request(id)));

        // Every request reached a CA once: C's answered at once, A's never will.
        await TestNodes.AwaitCondition(() => _caA.Calls + _caC.Calls == ids.Count, "every request to reach a CA");
        var state = await _a.Registry().Get<PkcsRequestRegion>().Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TestNodes.Wait);
        var onA = state.Shards.SelectMany(s => s.EntityIds).ToList();
        Assert.Equal(_caA.Calls, onA.Count);
        Assert.InRange(onA.Count, 1, ids.Count - 1); // both nodes hold some: the least-shard allocation spreads them
        var issuedOnC = _caC.Calls;

        var systemA = _a.System();
        _a.Cluster().Leave(_a.Cluster().SelfAddress);
        Assert.True(await systemA.WhenTerminated.WaitAsync(TestNodes.Wait).ContinueWith(t => t.IsCompletedSuccessfully), "A left and stopped");

        await TestNodes.AwaitCondition(() => _serviceC.Uploaded.Count >= ids.Count, "every request uploaded by C");
        Assert.Equal(ids.Order(), _serviceC.Uploaded.Select(r => r.RequestId).Order()); // each exactly once
        Assert.Equal(onA.Count, _caA.Calls);                                             // A never issued anything more
        Assert.Equal(issuedOnC + onA.Count, _caC.Calls);                                 // C issued A's after the hand-over
        Assert.Equal(ids.Count, _caC.Calls);
    }
}
