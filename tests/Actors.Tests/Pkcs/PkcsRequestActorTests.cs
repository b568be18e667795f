using CertConnector.Actors.Common;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Logging;

namespace CertConnector.Actors.Tests.Pkcs;

/// <summary>
/// The request actor under TestKit with a controllable scheduler: retries happen when the test advances
/// the clock, never by sleeping. The in-memory journal outlives the actor, so killing and recreating the
/// actor exercises recovery.
/// </summary>
public sealed class PkcsRequestActorTests : RequestActorTestKit
{
    private PkcsPorts Ports(ICertificateAuthority ca, IPkcsService service) =>
        new(new FakeCredentials(), ca, service, EventLog, new PkcsOptions { MaxAttempts = 5 });

    [Fact]
    public void CA_fails_twice_then_succeeds_two_retries_one_issue_one_upload()
    {
        var ca = new ScriptedCa(ScriptedCa.Transient(), ScriptedCa.Transient());
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(ca, service)));

        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1);
        ExpectMsg<PkcsRequestCompleted>(c => c.Succeeded && c.RequestId == "req-1");
        Assert.Equal(2, EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsIssuedSuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsUploadedRequest));
        Assert.Equal(3, ca.Calls);
        var upload = Assert.Single(service.Uploaded);
        Assert.True(upload.Succeeded);
        Assert.Equal("0003", upload.SerialNumber);
        Assert.All(EventLog.Events, e => Assert.Equal("req-1", e.RequestId));
    }

    [Fact]
    public void A_final_CA_error_fails_the_request_uploads_one_failure_and_never_retries()
    {
        var ca = new ScriptedCa(ScriptedCa.Final("Template denies this subject"));
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(ca, service)));

        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);

        ExpectMsg<PkcsRequestCompleted>(c => !c.Succeeded);
        Scheduler.Advance(TimeSpan.FromHours(2)); // no timer may be waiting to retry
        actor.Tell(new GetRequestView("req-1"));
        var view = ExpectMsg<RequestView>();
        Assert.Equal("Failed", view.State);
        Assert.Equal("Template denies this subject", Assert.IsType<PkcsViewDetails>(view.Details).Failure!.Message);
        Assert.Equal(1, ca.Calls);
        var upload = Assert.Single(service.Uploaded);
        Assert.False(upload.Succeeded);
        Assert.Equal("CaDenied", upload.ErrorCode);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsIssuedFailure));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRequestFailure));
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsRequestSuccess));
    }

    [Fact]
    public void Killed_after_issuing_the_recreated_actor_resumes_from_the_journal_without_issuing_again()
    {
        var ca = new ScriptedCa();
        var service = new RecordingService(hangFirst: 1); // the first upload never returns
        var ports = Ports(ca, service);
        var first = Sys.ActorOf(PkcsRequestActor.Props("req-1", ports));
        first.Tell(new StartPkcsRequest(Samples.Request()));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsIssuedSuccess) == 1);

        Watch(first);
        first.Tell(Kill.Instance);
        ExpectTerminated(first);
        Assert.Empty(service.Uploaded);

        var second = Sys.ActorOf(PkcsRequestActor.Props("req-1", ports)); // recovery alone resumes it
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1);
        Assert.Equal(1, ca.Calls);
        Assert.Single(service.Uploaded);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsDownloadedRequest));

        second.Tell(new GetRequestView("req-1"));
        Assert.Equal("Uploaded", ExpectMsg<RequestView>().State);
    }

    [Fact]
    public void Killed_while_waiting_to_retry_the_attempt_count_survives()
    {
        var ca = new ScriptedCa(ScriptedCa.Transient(), ScriptedCa.Transient(), ScriptedCa.Transient(), ScriptedCa.Transient(), ScriptedCa.Transient());
        var service = new RecordingService();
        var ports = Ports(ca, service);
        var first = Sys.ActorOf(PkcsRequestActor.Props("req-1", ports));
        first.Tell(new StartPkcsRequest(Samples.Request()));
        AdvanceRetriesUntil(first, "req-1", () => EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt),
            () => EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt) == 2);
        Assert.Equal(2, ca.Calls); // stopped with no third attempt in flight
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        Sys.ActorOf(PkcsRequestActor.Props("req-1", ports));
        // 5 attempts in all: 2 before the restart, 3 after, then the request fails for good.
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestFailure) == 1);
        Assert.Equal(5, ca.Calls);
        Assert.Equal(4, EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt));
        Assert.Contains("Gave up after 5 attempts", Assert.Single(service.Uploaded).ErrorMessage);
    }

    [Fact]
    public void A_second_start_while_working_does_not_issue_twice()
    {
        var ca = new ScriptedCa();
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(ca, service)));
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);
        ExpectMsg<PkcsRequestCompleted>();
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor); // downloaded again after it finished
        ExpectMsg<PkcsRequestCompleted>(c => c.Succeeded);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRequestSuccess));
        Assert.Equal(1, ca.Calls);
        Assert.Single(service.Uploaded);
    }

    [Fact]
    public void Upload_failures_are_retried_andEventLogged_as_1101()
    {
        var service = new RecordingService(failFirst: 2);
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(new ScriptedCa(), service)));
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1);
        Assert.Equal(2, EventLog.Count(ConnectorEvents.PkcsUploadFailure));
        Assert.Single(service.Uploaded);
    }

    [Fact]
    public void Asking_about_an_unknown_request_answers_not_found()
    {
        var actor = Sys.ActorOf(PkcsRequestActor.Props("nope", Ports(new ScriptedCa(), new RecordingService())));
        actor.Tell(new GetRequestView("nope"));
        Assert.False(ExpectMsg<RequestView>().Known);
    }

    [Fact]
    public void A_final_upload_error_waits_and_the_next_download_uploads_again()
    {
        var service = new RecordingService(finalFirst: 1);
        var ca = new ScriptedCa();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(ca, service)));
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsUploadFailure) == 1);
        Scheduler.Advance(TimeSpan.FromHours(1));
        Assert.Empty(service.Uploaded); // no retry loop on a final error

        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor); // downloaded again
        ExpectMsg<PkcsRequestCompleted>(c => c.Succeeded);
        Assert.Single(service.Uploaded);
        Assert.Equal(1, ca.Calls);
    }
}
