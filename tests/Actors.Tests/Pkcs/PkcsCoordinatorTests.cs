using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Adapters.Logging;

namespace CertConnector.Actors.Tests.Pkcs;

public sealed class PkcsCoordinatorTests() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(
    """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """))
{
    private readonly RecordingEventLog _log = new();

    [Fact]
    public void Pulls_no_more_than_max_in_flight_and_refills_as_requests_complete()
    {
        var service = new RecordingService();
        for (var i = 0; i < 10; i++) service.Queue.Enqueue(Samples.Request($"r{i}"));
        var region = CreateTestProbe();
        var coordinator = Sys.ActorOf(PkcsCoordinator.Props(region, service, _log, new PkcsOptions { BatchSize = 2, MaxInFlight = 3 }));

        var started = Enumerable.Range(0, 3).Select(_ => region.ExpectMsg<StartPkcsRequest>().RequestId).ToList();
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(["r0", "r1", "r2"], started);

        coordinator.Tell(new PkcsRequestCompleted("r0", true));
        Assert.Equal("r3", region.ExpectMsg<StartPkcsRequest>().RequestId);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.True(_log.Count(ConnectorEvents.PkcsDownloadSuccess) >= 2);
    }

    [Fact]
    public void A_request_downloaded_twice_is_handed_out_once()
    {
        var service = new RecordingService();
        service.Queue.Enqueue(Samples.Request("dup"));
        service.Queue.Enqueue(Samples.Request("dup"));
        var region = CreateTestProbe();
        Sys.ActorOf(PkcsCoordinator.Props(region, service, _log, new PkcsOptions { BatchSize = 1, MaxInFlight = 10 }));

        Assert.Equal("dup", region.ExpectMsg<StartPkcsRequest>().RequestId);
        // Past the poll (5 s), so the duplicate is downloaded; short of the 30 s nudge, which hands in-flight requests out again on purpose.
        ((TestScheduler)Sys.Scheduler).Advance(TimeSpan.FromSeconds(10));
        AwaitCondition(() => service.Queue.IsEmpty);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
