using CertConnector.Actors.Common;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Hosting;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Tests.Pkcs;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CertConnector.Actors.Tests.Cluster;

/// <summary>
/// Two actor systems in one process on port 0, wired as the host wires them (<see cref="PkcsHosting.AddPkcsFeature"/>,
/// our serializer on the wire): A has the <c>pkcs</c> role, B does not. Requests sent on B through its shard-region
/// proxy reach request actors that live only on A, and B can ask about them.
/// </summary>
public sealed class RoleRoutingTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TestNodes.Wait;

    private IHost _a = null!, _b = null!;
    private readonly ScriptedCa _ca = new([.. Enumerable.Range(0, 100).Select(_ => ScriptedCa.Never())]); // requests stay live while issuing

    public async Task InitializeAsync()
    {
        _a = await TestNodes.StartPkcsNode("a", withPkcsRole: true, _ca, new RecordingService(), TestNodes.InMemoryJournal);
        _b = await TestNodes.StartPkcsNode("b", withPkcsRole: false, _ca, new RecordingService(), TestNodes.InMemoryJournal);
        var a = _a.Cluster();
        a.Join(a.SelfAddress);
        _b.Cluster().Join(a.SelfAddress);
        await TestNodes.AwaitCondition(() => _a.Cluster().State.Members.Count(m => m.Status == MemberStatus.Up) == 2
                                   && _b.Cluster().State.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both nodes Up");
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { _b, _a })
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task Requests_sent_through_the_proxy_on_a_node_without_the_role_live_only_on_the_role_holder()
    {
        var proxyOnB = _b.Registry().Get<PkcsRequestRegion>();
        var ids = Enumerable.Range(0, 12).Select(i => $"routed-{i}").ToList();
        foreach (var id in ids) proxyOnB.Tell(new StartPkcsRequest(Samples.Request(id)));

        // B can ask about every request (the answer comes from A, over the wire, through our serializer).
        foreach (var id in ids)
        {
            var view = await proxyOnB.Ask<RequestView>(new GetRequestView(id), Wait);
            Assert.True(view.Known, id);
            Assert.IsType<PkcsViewDetails>(view.Details); // the feature's own part crossed too, under its own manifest
        }

        var addressA = _a.Cluster().SelfAddress;
        var addressB = _b.Cluster().SelfAddress;
        var stats = await proxyOnB.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), Wait);
        var region = Assert.Single(stats.Regions); // only A hosts a region: B has only a proxy
        Assert.Equal(addressA, region.Key);
        Assert.Equal(ids.Count, region.Value.Stats.Values.Sum());

        // The entities themselves, from A's own region, are exactly the requests sent on B.
        var state = await _a.Registry().Get<PkcsRequestRegion>().Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Wait);
        Assert.Equal(ids.Order(), state.Shards.SelectMany(s => s.EntityIds).Order());
        Assert.NotEqual(addressA, addressB);
        await TestNodes.AwaitCondition(() => _ca.Calls == ids.Count, "A's CA to be asked once per request");
    }

    [Fact]
    public async Task Every_member_answers_node_info_across_the_cluster()
    {
        var systemB = _b.Services.GetRequiredService<ActorSystem>();
        var info = await systemB.ActorSelection(NodeInfoActor.PathAt(_a.Cluster().SelfAddress)).Ask<NodeInfo>(GetNodeInfo.Instance, Wait);
        Assert.Equal("a", info.Instance);
        Assert.Equal("9.9.9", info.Version);
        Assert.True(info.Uptime > TimeSpan.Zero);
    }
}
