using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Tests.Pkcs;

namespace CertConnector.Actors.Tests.Common;

/// <summary>
/// The coordinator's pulling (backpressure, no request handed out twice by a download) and its one resend rule: every
/// <see cref="RequestCoordinator.ResendInterval"/>, each request in flight for a whole interval and not heard complete is
/// handed to the region again. The clock is the test scheduler's; the feature is PKCS, the rule is every feature's.
/// </summary>
public sealed class RequestCoordinatorTests : RequestActorTestKit
{
    private static readonly TimeSpan Interval = RequestCoordinator.ResendInterval;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60); // real time, generous: two cores shared by many test runs
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private readonly RecordingService _service = new();

    private IActorRef Coordinator(IActorRef region, int batchSize = 1, int maxInFlight = 10) => Sys.ActorOf(RequestCoordinator.Props(region,
        new PullSource("PKCS", async (max, ct) => [.. (await _service.DownloadPkcsRequestsAsync(max, ct)).Select(r => new StartPkcsRequest(r))],
            start => start, ConnectorEvents.PkcsDownloadSuccess, ConnectorEvents.PkcsDownloadFailure,
            new PkcsOptions { BatchSize = batchSize, MaxInFlight = maxInFlight }.PullSettings),
        EventLog));

    private void Queue(params string[] ids)
    {
        foreach (var id in ids) _service.Queue.Enqueue(Samples.Request(id));
    }

    [Fact]
    public void Pulls_no_more_than_max_in_flight_and_refills_as_requests_complete()
    {
        Queue([.. Enumerable.Range(0, 10).Select(i => $"r{i}")]);
        var region = CreateTestProbe();
        var coordinator = Coordinator(region, batchSize: 2, maxInFlight: 3);

        var started = Enumerable.Range(0, 3).Select(_ => region.ExpectMsg<StartPkcsRequest>(Wait).RequestId).ToList();
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(["r0", "r1", "r2"], started);

        coordinator.Tell(new PkcsRequestCompleted("r0", true));
        Assert.Equal("r3", region.ExpectMsg<StartPkcsRequest>(Wait).RequestId);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.True(EventLog.Count(ConnectorEvents.PkcsDownloadSuccess) >= 2);
    }

    [Fact]
    public void A_request_downloaded_again_while_in_flight_is_not_handed_out_again()
    {
        Queue("dup", "dup");
        var region = CreateTestProbe();
        Coordinator(region);

        Assert.Equal("dup", region.ExpectMsg<StartPkcsRequest>(Wait).RequestId);
        Scheduler.Advance(Interval - TimeSpan.FromSeconds(1)); // past the poll (5 s): the duplicate is downloaded; short of a resend tick
        AwaitCondition(() => _service.Queue.IsEmpty);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_start_lost_in_transit_is_handed_out_again_at_the_second_tick_after_it_was_sent_and_not_before()
    {
        Queue("lost");
        var region = CreateTestProbe(); // receives the start and drops it: nothing reports completion
        Coordinator(region);
        Assert.Equal("lost", region.ExpectMsg<StartPkcsRequest>(Wait).RequestId);

        Scheduler.Advance(Interval); // first tick: handed out less than an interval ago, not resent
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(Interval); // second tick: a whole interval has passed
        Assert.Equal("lost", region.ExpectMsg<StartPkcsRequest>(Wait).RequestId);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void While_a_departed_members_shards_have_no_home_every_tick_resends_and_the_first_after_starts_the_request()
    {
        var region = Sys.ActorOf(Props.Create(() => new FakeRegion(id => PkcsRequestActor.Props(id, Ports()))));
        region.Tell(FakeRegion.Drop.Instance); // the start goes to the departed member: lost
        Queue("moved", "next");
        Coordinator(region, maxInFlight: 1);
        AwaitDropped(region, 1);

        // However long the shard coordinator takes to give the shards a new home, every tick sends the request again.
        for (var tick = 1; tick <= 5; tick++)
        {
            Scheduler.Advance(Interval);
            AwaitDropped(region, tick); // the first tick only marks it: handed out less than an interval ago
        }
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsRequestSuccess));

        region.Tell(FakeRegion.Deliver.Instance); // the shards have a home again
        Scheduler.Advance(Interval);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess, "moved") == 1, Wait, Poll);
        // Its completion reached the coordinator (it sent the start that ran): the slot is free and the next request is pulled.
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess, "next") == 1, Wait, Poll);

        // Heard complete: never sent again (a resend would wake the finished request, delivered a second time).
        for (var tick = 0; tick < 3; tick++) Scheduler.Advance(Interval);
        region.Tell(new FakeRegion.Delivered("moved"), TestActor);
        Assert.Equal(1, ExpectMsg<int>(Wait));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsDownloadedRequest, "moved"));
        Assert.Equal(["moved", "next"], _service.Uploaded.Select(r => r.RequestId).Order());
    }

    [Fact]
    public void A_request_actor_restarted_from_the_journal_reports_completion_to_the_coordinator_on_the_next_resend()
    {
        // A member killed and restarted at once: the request's actor comes back from the journal (remember-entities) and
        // finishes, but it no longer knows who started it. Only a start tells it; until then the coordinator's slot stays taken.
        var ca = new ScriptedCa(ScriptedCa.Never()); // the first incarnation hangs at the CA and is killed there
        var region = Sys.ActorOf(Props.Create(() => new FakeRegion(id => PkcsRequestActor.Props(id, Ports(ca)))));
        Queue("restarted", "next");
        Coordinator(region, maxInFlight: 1);
        AwaitCondition(() => ca.Calls == 1, Wait, Poll);

        region.Tell(new FakeRegion.Restart("restarted"));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess, "restarted") == 1, Wait, Poll);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsDownloadedRequest, "next")); // the slot is still held

        Scheduler.Advance(Interval);
        Scheduler.Advance(Interval); // the resend wakes the finished request, which reports completion: the slot frees
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess, "next") == 1, Wait, Poll);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRequestSuccess, "restarted")); // finished once, uploaded once
        Assert.Equal(["next", "restarted"], _service.Uploaded.Select(r => r.RequestId).Order());
    }

    private PkcsPorts Ports(ICertificateAuthority? ca = null) =>
        new(new FakeCredentials(), ca ?? new ScriptedCa(), _service, EventLog, new PkcsOptions());

    private void AwaitDropped(IActorRef region, int count) => AwaitCondition(() =>
    {
        region.Tell(FakeRegion.Dropped.Instance, TestActor);
        return ExpectMsg<int>(Wait) >= count;
    }, Wait, Poll);

    /// <summary>
    /// Stands in for a shard region: creates one request actor per ID and forwards to it (keeping the sender, as a region
    /// does); drops everything while its shards have no home; restarts an entity from the journal as a member restart does.
    /// </summary>
    private sealed class FakeRegion : ReceiveActor
    {
        private readonly Dictionary<string, IActorRef> _entities = new();
        private bool _dropping;
        private readonly Dictionary<string, int> _delivered = new();
        private int _dropped;

        public FakeRegion(Func<string, Props> entity)
        {
            Receive<Drop>(_ => _dropping = true);
            Receive<Deliver>(_ => _dropping = false);
            Receive<Dropped>(_ => Sender.Tell(_dropped));
            Receive<Delivered>(d => Sender.Tell(_delivered.GetValueOrDefault(d.RequestId)));
            Receive<Restart>(r =>
            {
                Context.Stop(_entities[r.RequestId]);
                _entities[r.RequestId] = Context.Watch(Context.ActorOf(entity(r.RequestId))); // recovery alone resumes it
            });
            Receive<Passivate>(p => Context.Stop(Sender));
            Receive<Terminated>(t =>
            {
                foreach (var id in _entities.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList()) _entities.Remove(id);
            });
            Receive<IWithRequestId>(m =>
            {
                if (_dropping)
                {
                    _dropped++;
                    return;
                }
                _delivered[m.RequestId] = _delivered.GetValueOrDefault(m.RequestId) + 1;
                if (!_entities.TryGetValue(m.RequestId, out var target))
                    _entities[m.RequestId] = target = Context.Watch(Context.ActorOf(entity(m.RequestId)));
                target.Forward(m);
            });
        }

        public sealed record Restart(string RequestId);

        public sealed record Drop
        {
            public static readonly Drop Instance = new();
        }

        public sealed record Deliver
        {
            public static readonly Deliver Instance = new();
        }

        public sealed record Dropped
        {
            public static readonly Dropped Instance = new();
        }

        public sealed record Delivered(string RequestId);
    }
}
