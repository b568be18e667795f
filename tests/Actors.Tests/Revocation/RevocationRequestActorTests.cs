using CertConnector.Actors.Common;
using Akka.Actor;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;

namespace CertConnector.Actors.Tests.Revocation;

/// <summary>The revocation actor under TestKit with the test scheduler: retries fire when the test moves the clock.</summary>
public sealed class RevocationRequestActorTests : RequestActorTestKit
{
    private static readonly RevocationRequest Request = new("rv-1", "0A1B", RevocationReason.KeyCompromise);

    private RevocationPorts Ports(ICertificateRevoker revoker, IRevocationService service) =>
        new(CertificateAuthorities.Single(new ScriptedCa(), revoker), null, service, EventLog, new RevocationOptions { MaxAttempts = 5 });

    [Fact]
    public void CA_fails_twice_then_succeeds_two_retries_one_revocation_one_upload()
    {
        var revoker = new ScriptedRevoker(ScriptedRevoker.Unreachable(), ScriptedRevoker.Unreachable());
        var service = new RecordingRevocationService();
        var actor = Sys.ActorOf(RevocationRequestActor.Props("rv-1", Ports(revoker, service)));

        actor.Tell(new StartRevocationRequest(Request), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.RevokeRequestSuccess) == 1);
        ExpectMsg<RevocationRequestCompleted>(c => c.Succeeded && c.RequestId == "rv-1");
        Assert.Equal(2, EventLog.Count(ConnectorEvents.RevokeFailedAttempt));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeSuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeDownloadedRequest));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeUploadedRequest));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeUploadSuccess));
        Assert.Equal(3, revoker.Calls);
        var upload = Assert.Single(service.Uploaded);
        Assert.True(upload.Succeeded);
        Assert.Null(upload.ErrorCode);
    }

    [Fact]
    public void Already_revoked_is_a_success_reported_with_4005()
    {
        var revoker = new ScriptedRevoker(RevocationResult.AlreadyRevoked);
        var service = new RecordingRevocationService();
        var actor = Sys.ActorOf(RevocationRequestActor.Props("rv-1", Ports(revoker, service)));

        actor.Tell(new StartRevocationRequest(Request), TestActor);

        ExpectMsg<RevocationRequestCompleted>(c => c.Succeeded);
        var upload = Assert.Single(service.Uploaded);
        Assert.True(upload.Succeeded);
        Assert.Equal("4005", upload.ErrorCode);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeRequestSuccess));
        Assert.Equal(0, EventLog.Count(ConnectorEvents.RevokeRequestFailure));
    }

    [Fact]
    public void Unknown_serial_uploads_one_failure_with_4004_and_never_retries()
    {
        var revoker = new ScriptedRevoker(ScriptedRevoker.NotFound());
        var service = new RecordingRevocationService();
        var actor = Sys.ActorOf(RevocationRequestActor.Props("rv-1", Ports(revoker, service)));

        actor.Tell(new StartRevocationRequest(Request), TestActor);

        ExpectMsg<RevocationRequestCompleted>(c => !c.Succeeded);
        Scheduler.Advance(TimeSpan.FromHours(2)); // no timer may be waiting to retry
        actor.Tell(new GetRequestView("rv-1"));
        var view = ExpectMsg<RequestView>();
        Assert.Equal("Failed", view.State);
        Assert.Equal("4004", view.ErrorCode);
        var details = Assert.IsType<RevocationViewDetails>(view.Details);
        Assert.Equal(("4004", RevocationReason.KeyCompromise), (details.ResultCode, details.Reason));
        Assert.Equal("0A1B", view.SerialNumber);
        Assert.Equal(1, revoker.Calls);
        var upload = Assert.Single(service.Uploaded);
        Assert.False(upload.Succeeded);
        Assert.Equal("4004", upload.ErrorCode);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.RevokeFailedAttempt));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeFailure));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeRequestFailure));
    }

    [Fact]
    public void Killed_after_revoking_the_recreated_actor_uploads_once_and_does_not_revoke_again()
    {
        var revoker = new ScriptedRevoker();
        var service = new RecordingRevocationService(hangFirst: 1); // the first upload never returns
        var ports = Ports(revoker, service);
        var first = Sys.ActorOf(RevocationRequestActor.Props("rv-1", ports));
        first.Tell(new StartRevocationRequest(Request));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.RevokeSuccess) == 1);

        Watch(first);
        first.Tell(Kill.Instance);
        ExpectTerminated(first);
        Assert.Empty(service.Uploaded);

        var second = Sys.ActorOf(RevocationRequestActor.Props("rv-1", ports)); // recovery alone resumes it
        AwaitCondition(() => EventLog.Count(ConnectorEvents.RevokeRequestSuccess) == 1);
        Assert.Equal(1, revoker.Calls);
        Assert.Single(service.Uploaded);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.RevokeSuccess));

        second.Tell(new GetRequestView("rv-1"));
        Assert.Equal("Uploaded", ExpectMsg<RequestView>().State);
    }
}
