using System.Collections.Concurrent;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CertConnector.Actors.Tests.Cluster;

/// <summary>
/// Several nodes in one process, each with its instance role and a recording <see cref="IQueueLeaseRelease"/>: when a
/// member leaves or is downed, the survivors release exactly its instance's leases, never a live instance's.
/// </summary>
public sealed class DepartedMemberLeaseReleaserTests : IAsyncLifetime
{
    private static readonly LeaseReleaseSettings FastRetry = new(new RetryPolicy(5, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)), TimeSpan.FromSeconds(5));
    private readonly List<IHost> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            try { await host.StopAsync(); } catch (OperationCanceledException) { }
            host.Dispose();
        }
    }

    [Fact]
    public async Task A_member_that_leaves_or_is_downed_has_its_leases_released_by_the_survivors()
    {
        var releaseA = new RecordingRelease(failuresBeforeSuccess: 2); // A's database hiccups: the release is retried
        var (releaseB, releaseC) = (new RecordingRelease(), new RecordingRelease());
        var a = await StartNode("inst-a", releaseA);
        var b = await StartNode("inst-b", releaseB);
        var c = await StartNode("inst-c", releaseC);
        await JoinAll(a, b, c);

        var systemB = b.System();
        b.Cluster().Leave(b.Cluster().SelfAddress);
        Assert.True(await systemB.WhenTerminated.WaitAsync(TestNodes.Wait).ContinueWith(t => t.IsCompletedSuccessfully), "B left and stopped");
        await TestNodes.AwaitCondition(() => releaseA.Succeeded.Contains("inst-b") && releaseC.Succeeded.Contains("inst-b"), "A and C to release B's leases");
        Assert.Equal(3, releaseA.Calls.Count(id => id == "inst-b")); // two failures, then the retry that worked
        Assert.Equal(["inst-b"], releaseC.Calls.Distinct());

        // C is downed (what the split-brain resolver does after a kill -9): A releases C's leases.
        a.Cluster().Down(c.Cluster().SelfAddress);
        await TestNodes.AwaitCondition(() => releaseA.Succeeded.Contains("inst-c"), "A to release C's leases");
        // A downed node shuts down, and its cluster then reports every member as removed to itself: C must ignore that.
        Assert.True(await c.System().WhenTerminated.WaitAsync(TestNodes.Wait).ContinueWith(t => t.IsCompletedSuccessfully), "C downed and stopped");

        Assert.Equal(["inst-b", "inst-c"], releaseA.Succeeded.Distinct().Order());
        Assert.DoesNotContain("inst-a", releaseA.Calls.Concat(releaseB.Calls).Concat(releaseC.Calls)); // never a live instance
        Assert.Empty(releaseB.Calls); // the leaving node does not release its own (it does at its next start)
    }

    [Fact]
    public async Task An_old_incarnation_removed_while_its_instance_is_back_keeps_the_new_ones_leases()
    {
        var releaseA = new RecordingRelease();
        var a = await StartNode("inst-a", releaseA);
        var oldD = await StartNode("inst-d", new RecordingRelease());
        await JoinAll(a, oldD);
        var newD = await StartNode("inst-d", new RecordingRelease()); // the same data directory, restarted on another port
        await JoinAll(a, newD);
        await TestNodes.AwaitCondition(() => a.Cluster().State.Members.Count(m => m.Status == MemberStatus.Up) == 3, "three Up members");

        var oldAddress = oldD.Cluster().SelfUniqueAddress;
        a.Cluster().Down(oldAddress.Address);
        await TestNodes.AwaitCondition(() => a.Cluster().State.Members.All(m => !m.UniqueAddress.Equals(oldAddress)), "the old incarnation removed");
        // A third member leaving afterwards proves A's releaser has handled the removal before (events arrive in order).
        var other = await StartNode("inst-e", new RecordingRelease());
        await JoinAll(a, other);
        other.Cluster().Leave(other.Cluster().SelfAddress);
        await TestNodes.AwaitCondition(() => releaseA.Succeeded.Contains("inst-e"), "A to release E's leases");
        Assert.DoesNotContain("inst-d", releaseA.Calls); // the new D is Up: those leases are its own

        // When the new incarnation leaves too, nothing holds the ID any more: its leases are released.
        newD.Cluster().Leave(newD.Cluster().SelfAddress);
        await TestNodes.AwaitCondition(() => releaseA.Succeeded.Contains("inst-d"), "A to release D's leases");
    }

    private async Task<IHost> StartNode(string instanceId, IQueueLeaseRelease release)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(release);
        builder.Services.AddAkka("certconnector", akka => akka
            .AddHocon(ConfigurationFactory.ParseString($$"""
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
                akka.cluster.roles = ["{{InstanceRole.For(instanceId)}}"]
                akka.loglevel = WARNING
                """), HoconAddMode.Prepend)
            .AddDepartedMemberLeaseRelease(FastRetry));
        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    /// <summary>The seed forms the cluster (once), the others join it; waits until all are Up.</summary>
    private static async Task JoinAll(IHost seed, params IHost[] others)
    {
        var seedAddress = seed.Cluster().SelfAddress;
        if (seed.Cluster().SelfMember.Status != MemberStatus.Up) seed.Cluster().Join(seedAddress);
        foreach (var node in others) node.Cluster().Join(seedAddress);
        await TestNodes.AwaitCondition(() => others.Append(seed).All(n => n.Cluster().SelfMember.Status == MemberStatus.Up), "the nodes Up");
    }

    private sealed class RecordingRelease(int failuresBeforeSuccess = 0) : IQueueLeaseRelease
    {
        private int _failures;
        public ConcurrentQueue<string> Calls { get; } = new();
        public ConcurrentQueue<string> Succeeded { get; } = new();

        public Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken)
        {
            Calls.Enqueue(instanceId);
            if (Interlocked.Increment(ref _failures) <= failuresBeforeSuccess) throw new InvalidOperationException("database busy");
            Succeeded.Enqueue(instanceId);
            return Task.FromResult(1);
        }
    }
}
