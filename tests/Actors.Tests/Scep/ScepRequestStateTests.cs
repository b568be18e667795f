using CertConnector.Actors.Common;
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

    [Fact]
    public void An_authorized_renewal_is_received_and_verified_at_once()
    {
        var events = ScepRequestState.Empty("scep-1").DecideSubmit(Submit(null) with { RenewalOf = "0A1B" }, T0);
        Assert.Equal([typeof(ScepRequestReceived), typeof(ScepRequestVerified)], events.Select(e => e.GetType()));
        Assert.IsType<ScepNextStep.Issue>(Fold(events).NextStep(haveChallenge: false));
    }

    [Fact]
    public void A_refused_renewal_is_received_then_rejected_at_verify_and_its_failure_is_to_be_notified()
    {
        const string why = "Renewal refused: certificate 0A1B is outside the 30-day renewal window.";
        var events = ScepRequestState.Empty("scep-1").DecideSubmit(Submit(null) with { RenewalRefusal = why }, T0);

        Assert.Equal([typeof(ScepRequestReceived), typeof(ScepRequestRejected)], events.Select(e => e.GetType()));
        var rejected = (ScepRequestRejected)events[1];
        Assert.Equal((ScepStage.Verify, ScepFailInfo.BadRequest, ScepRequestState.RenewalRefusedCode, why, false),
            (rejected.Stage, rejected.FailInfo, rejected.Reason.Code, rejected.Reason.Message, rejected.Reason.Retryable));

        var state = Fold(events);
        Assert.Equal(ScepOutcomeStatus.Rejected, state.Outcome().Status);
        var notify = Assert.IsType<ScepNextStep.Notify>(state.NextStep(haveChallenge: false));
        Assert.False(notify.Notification.Succeeded);
        Assert.Contains(why, notify.Notification.ErrorDescription);
        Assert.Empty(state.DecideSubmit(Submit(null) with { RenewalRefusal = why }, T0.AddMinutes(1))); // decided once
    }
}
