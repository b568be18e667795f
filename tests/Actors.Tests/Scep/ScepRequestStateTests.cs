using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;

namespace CertConnector.Actors.Tests.Scep;

/// <summary>The SCEP state machine as tables: Decide and Apply only, no actors.</summary>
public sealed class ScepRequestStateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-25T12:00:00Z");

    private static SubmitScepRequest Submit(string? challenge = "secret") => new("scep-1", "tx-1", [0x30, 0x01], challenge, "device-1");

    private static ScepRequestState Fold(IEnumerable<IConnectorEvent> events) =>
        events.Aggregate(ScepRequestState.Empty("scep-1"), (s, e) => s.Apply(e));

    [Fact]
    public void An_enrollment_is_received_and_waits_for_its_challenge_to_be_verified()
    {
        var events = ScepRequestState.Empty("scep-1").DecideSubmit(Submit(), T0);
        Assert.IsType<ScepRequestReceived>(Assert.Single(events));
        Assert.IsType<ScepNextStep.Verify>(Fold(events).NextStep(haveChallenge: true));
    }

    private static readonly byte[] Signer = [0x30, 0x02, 0x05, 0x00];

    private static SubmitScepRequest Renewal() => Submit(null) with { RenewalOf = "0A1B", RenewalSignerDer = Signer };

    [Fact]
    public void A_renewal_is_received_and_waits_for_its_own_check_whatever_its_sender_believed()
    {
        var events = ScepRequestState.Empty("scep-1").DecideSubmit(Renewal(), T0);
        Assert.Equal("0A1B", Assert.IsType<ScepRequestReceived>(Assert.Single(events)).RenewalOf);
        Assert.IsType<ScepNextStep.Verify>(Fold(events).NextStep(haveChallenge: true));
        Assert.IsType<ScepNextStep.AwaitRetransmission>(Fold(events).NextStep(haveChallenge: false)); // the signer is memory only
    }

    [Fact]
    public void A_renewal_that_does_not_carry_its_signer_certificate_is_refused_at_once()
    {
        var events = ScepRequestState.Empty("scep-1").DecideSubmit(Renewal() with { RenewalSignerDer = null }, T0);
        Assert.Equal([typeof(ScepRequestReceived), typeof(ScepRequestRejected)], events.Select(e => e.GetType()));
        var rejected = (ScepRequestRejected)events[1];
        Assert.Equal((ScepStage.Verify, ScepFailInfo.BadRequest, ScepRequestState.RenewalRefusedCode), (rejected.Stage, rejected.FailInfo, rejected.Reason.Code));
    }

    [Fact]
    public void The_renewal_check_decides_and_in_service_connected_mode_the_service_too()
    {
        var received = Fold(ScepRequestState.Empty("scep-1").DecideSubmit(Renewal(), T0));
        const string why = "the new request adds DNS name x.example which certificate 0A1B does not have";

        var refused = Assert.IsType<ScepRequestRejected>(Assert.Single(received.DecideRenewal(new ScepRenewalVerdict("0A1B", why), null, T0)));
        Assert.Equal((ScepRequestState.RenewalRefusedCode, $"Renewal refused: {why}.", ScepFailInfo.BadRequest),
            (refused.Reason.Code, refused.Reason.Message, refused.FailInfo));
        var denied = Assert.IsType<ScepRequestRejected>(Assert.Single(received.DecideRenewal(new ScepRenewalVerdict("0A1B", null),
            ChallengeVerdict.Denied("DeviceRetired", "no"), T0)));
        Assert.Equal("DeviceRetired", denied.Reason.Code);
        Assert.IsType<ScepRequestVerified>(Assert.Single(received.DecideRenewal(new ScepRenewalVerdict("0A1B", null), ChallengeVerdict.Success, T0)));
        var verified = Assert.IsType<ScepRequestVerified>(Assert.Single(received.DecideRenewal(new ScepRenewalVerdict("0A1B", null), null, T0)));
        Assert.IsType<ScepNextStep.Issue>(received.Apply(verified).NextStep(haveChallenge: false));
    }

    [Fact]
    public void A_renewal_is_issued_by_the_CA_that_issued_the_renewed_certificate_whatever_the_service_names()
    {
        var received = Fold(ScepRequestState.Empty("scep-1").DecideSubmit(Renewal(), T0));
        var verified = Assert.IsType<ScepRequestVerified>(Assert.Single(received.DecideRenewal(new ScepRenewalVerdict("0A1B", null, "up"),
            ChallengeVerdict.Success with { Ca = "builtin" }, T0)));
        Assert.Equal("up", verified.Ca);
        Assert.Contains("of the CA 'up'", verified.Detail);
        Assert.Null(Assert.IsType<ScepRequestVerified>(Assert.Single(received.DecideRenewal(new ScepRenewalVerdict("0A1B", null), null, T0))).Ca);
    }

    [Fact]
    public void A_rejection_is_not_replayed_the_next_request_opens_a_round_decided_afresh_and_a_success_is_replayed()
    {
        var rejected = new ScepRequestRejected("scep-1", ScepStage.Verify, new FailureReason("RenewalRefused", "too early", false), ScepFailInfo.BadRequest, T0);
        var state = Fold([.. ScepRequestState.Empty("scep-1").DecideSubmit(Renewal(), T0), rejected, new ScepServiceNotified("scep-1", T0)]);
        Assert.True(state.Finished);
        Assert.Equal(ScepOutcomeStatus.Rejected, state.Outcome().Status); // CertPoll keeps hearing the rejection

        var again = state.DecideSubmit(Renewal(), T0.AddDays(1));
        Assert.Equal([typeof(ScepRequestReopened), typeof(ScepRequestReceived)], again.Select(e => e.GetType()));
        state = again.Aggregate(state, (s, e) => s.Apply(e));
        Assert.Equal(ScepOutcomeStatus.Pending, state.Outcome().Status);
        Assert.False(state.Finished);
        Assert.IsType<ScepNextStep.Verify>(state.NextStep(haveChallenge: true));
        Assert.Empty(state.DecideSubmit(Renewal(), T0.AddDays(1))); // a retransmission within the round changes nothing

        state = state.Apply(Assert.Single(state.DecideRenewal(new ScepRenewalVerdict("0A1B", null), null, T0.AddDays(1))));
        state = state.Apply(new ScepCertificateIssued("scep-1", [0x30], "0C", "TH", T0.AddDays(400), "CN=CA", T0.AddDays(1)));
        Assert.Equal(ScepOutcomeStatus.Issued, state.Outcome().Status);
        Assert.Empty(state.DecideSubmit(Renewal(), T0.AddDays(2))); // the actor replays a SUCCESS, never decides again
    }

    [Fact]
    public void A_rejection_not_yet_notified_when_the_device_asks_again_is_still_delivered_and_first()
    {
        var first = ScepRequestState.Empty("scep-1").DecideSubmit(Renewal(), T0);
        var rejected = new ScepRequestRejected("scep-1", ScepStage.Verify, new FailureReason("RenewalRefused", "too early", false), ScepFailInfo.BadRequest, T0);
        var notifyFailed = new ScepAttemptFailed("scep-1", ScepStage.Notify, 1, new FailureReason("ServiceUnavailable", "503", true), T0.AddMinutes(5), T0);
        var state = Fold([.. first, rejected, notifyFailed]);
        var pending = Assert.IsType<ScepNextStep.Notify>(state.CurrentStep()).Notification;

        state = state.DecideSubmit(Renewal(), T0.AddMinutes(1)).Aggregate(state, (s, e) => s.Apply(e));
        // The rejection's notification, unchanged, on its retry schedule, before the new round's check.
        Assert.Equal(new RequestStep.WaitUntil(T0.AddMinutes(5)), state.NextStep(haveChallenge: true));
        var notify = Assert.IsType<ScepNextStep.Notify>(state.CurrentStep());
        Assert.Equal((pending.Succeeded, pending.ErrorDescription, pending.TransactionId), (notify.Notification.Succeeded, notify.Notification.ErrorDescription, notify.Notification.TransactionId));

        state = state.Apply(Assert.Single(state.DecideNotified(T0.AddMinutes(5))));
        Assert.Same(rejected, state.LastDeliveredRejection);
        Assert.Empty(state.EarlierNotifications);
        Assert.False(state.Finished);
        Assert.IsType<ScepNextStep.Verify>(state.NextStep(haveChallenge: true)); // then the new round

        state = state.Apply(Assert.Single(state.DecideRenewal(new ScepRenewalVerdict("0A1B", null), null, T0.AddMinutes(6))));
        state = state.Apply(new ScepCertificateIssued("scep-1", [0x30], "0C", "TH", T0.AddDays(400), "CN=CA", T0.AddMinutes(6)));
        Assert.True(Assert.IsType<ScepNextStep.Notify>(state.NextStep(haveChallenge: false)).Notification.Succeeded);
        state = state.Apply(Assert.Single(state.DecideNotified(T0.AddMinutes(7))));
        Assert.True(state.Finished);
        Assert.Null(state.LastDeliveredRejection);
    }
}
