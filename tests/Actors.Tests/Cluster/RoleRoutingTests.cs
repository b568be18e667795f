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
    private static readonly JournalSealingKey Key = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private IHost _a = null!, _b = null!;
    private readonly ScriptedCa _ca = new([.. Enumerable.Range(0, 100).Select(_ => ScriptedCa.Never())]); // requests stay live while issuing

    public async Task InitializeAsync()
    {
        _a = await StartNode("a", withPkcsRole: true);
        _b = await StartNode("b", withPkcsRole: false);
        var a = Cluster(_a);
        a.Join(a.SelfAddress);
        Cluster(_b).Join(a.SelfAddress);
        await AwaitCondition(() => Cluster(_a).State.Members.Count(m => m.Status == MemberStatus.Up) == 2
                                   && Cluster(_b).State.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both nodes Up");
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
        var proxyOnB = Registry(_b).Get<PkcsRequestRegion>();
        var ids = Enumerable.Range(0, 12).Select(i => $"routed-{i}").ToList();
        foreach (var id in ids) proxyOnB.Tell(new StartPkcsRequest(Samples.Request(id)));

        // B can ask about every request (the answer comes from A, over the wire, through our serializer).
        foreach (var id in ids)
        {
            var view = await proxyOnB.Ask<PkcsRequestView>(new GetPkcsRequest(id), Wait);
            Assert.True(view.Exists, id);
        }

        var addressA = Cluster(_a).SelfAddress;
        var addressB = Cluster(_b).SelfAddress;
        var stats = await proxyOnB.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), Wait);
        var region = Assert.Single(stats.Regions); // only A hosts a region: B has only a proxy
        Assert.Equal(addressA, region.Key);
        Assert.Equal(ids.Count, region.Value.Stats.Values.Sum());

        // The entities themselves, from A's own region, are exactly the requests sent on B.
        var state = await Registry(_a).Get<PkcsRequestRegion>().Ask<CurrentShardRegionState>(GetShardRegionState.Instance, Wait);
        Assert.Equal(ids.Order(), state.Shards.SelectMany(s => s.EntityIds).Order());
        Assert.NotEqual(addressA, addressB);
        await AwaitCondition(() => _ca.Calls == ids.Count, "A's CA to be asked once per request");
    }

    [Fact]
    public async Task Every_member_answers_node_info_across_the_cluster()
    {
        var systemB = _b.Services.GetRequiredService<ActorSystem>();
        var info = await systemB.ActorSelection(NodeInfoActor.PathAt(Cluster(_a).SelfAddress)).Ask<NodeInfo>(GetNodeInfo.Instance, Wait);
        Assert.Equal("a", info.Instance);
        Assert.Equal("9.9.9", info.Version);
        Assert.True(info.Uptime > TimeSpan.Zero);
    }

    private static Akka.Cluster.Cluster Cluster(IHost host) => Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>());
    private static ActorRegistry Registry(IHost host) => host.Services.GetRequiredService<ActorRegistry>();

    private async Task<IHost> StartNode(string name, bool withPkcsRole)
    {
        var options = new PkcsOptions { Enabled = withPkcsRole, PollInterval = TimeSpan.FromHours(1) };
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new PkcsPorts(new FakeCredentials(), _ca, new RecordingService(), new RecordingEventLog(), options));
        builder.Services.AddAkka("certconnector", akka => akka
            .AddHocon(ConfigurationFactory.ParseString($$"""
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
                akka.cluster.roles = [{{(withPkcsRole ? "pkcs" : "")}}]
                akka.cluster.app-version = "9.9.9"
                akka.cluster.sharding.remember-entities-store = eventsourced
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                akka.loglevel = WARNING
                """), HoconAddMode.Prepend)
            .WithCustomSerializer("connector-json", ConnectorJsonSerializer.BoundTypes, system => new ConnectorJsonSerializer(system, Key))
            .AddPkcsFeature(options)
            .AddNodeInfo(name, "9.9.9"));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task AwaitCondition(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
