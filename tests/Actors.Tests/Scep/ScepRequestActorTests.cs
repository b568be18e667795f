using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;
using CertConnector.Actors.Tests.Pkcs;
using CertConnector.Adapters.Logging;

namespace CertConnector.Actors.Tests.Scep;

public sealed class ScepRequestActorTests : RequestActorTestKit
{
    private static SubmitScepRequest Submit(string challenge = "secret") => new("scep-1", "tx-1", [0x30, 0x01], challenge, "device-1");

    private ScepPorts Ports(IChallengeValidator validator, IScepResultNotifier notifier, ICertificateAuthority? ca = null,
        IScepRenewalChecker? renewals = null, bool serviceValidatesRenewals = false) =>
        new(validator, ca ?? new ScriptedCa(), notifier, EventLog, new ScepOptions { MaxAttempts = 3 }, "CN=Test CA",
            renewals ?? new RenewalChecker(null), serviceValidatesRenewals);

    private List<string> Messages(EventDefinition definition) => EventLog.Events.Where(e => e.Definition == definition).Select(e => e.Message).ToList();

    private static readonly byte[] SignerDer = [0x30, 0x03, 0x02, 0x01, 0x1B];

    private static SubmitScepRequest Renewal() => Submit(null!) with { RenewalOf = "0A1B", RenewalSignerDer = SignerDer };

    [Fact]
    public void Notification_fails_twice_then_succeeds()
    {
        var notifier = new FlakyNotifier(failures: 2);
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(new Validator(ChallengeVerdict.Success), notifier)));

        actor.Tell(Submit());
        var outcome = ExpectMsg<ScepRequestOutcome>();
        Assert.Equal(ScepOutcomeStatus.Issued, outcome.Status);
        Assert.NotNull(outcome.CertificateDer);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.ScepRequestSuccess) == 1);
        Assert.Equal(2, EventLog.Count(ConnectorEvents.ScepNotifyAttemptFailed));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepNotifySuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepRequestReceived));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepVerifySuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepIssuedSuccess));
        Assert.Equal(0, EventLog.Count(ConnectorEvents.ScepRequestUploadFailure));
        var sent = Assert.Single(notifier.Delivered);
        Assert.True(sent.Succeeded);
        Assert.Equal("tx-1", sent.TransactionId);
    }

    [Fact]
    public void A_notification_that_never_succeeds_is_reported_and_stays_queued_across_a_restart()
    {
        var notifier = new FlakyNotifier(failures: int.MaxValue);
        var ports = Ports(new Validator(ChallengeVerdict.Success), notifier);
        var first = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        first.Tell(Submit());
        ExpectMsg<ScepRequestOutcome>(o => o.Status == ScepOutcomeStatus.Issued);
        AdvanceRetriesUntil(first, "scep-1", () => EventLog.Count(ConnectorEvents.ScepNotifyAttemptFailed),
            () => EventLog.Count(ConnectorEvents.ScepRequestUploadFailure) == 1);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.ScepNotifySuccess));

        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        var attemptsBefore = notifier.Attempts;

        notifier.Heal();
        var second = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports)); // recovery alone resumes the notification
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.ScepNotifySuccess) == 1);
        Assert.True(notifier.Attempts > attemptsBefore);
        Assert.Single(notifier.Delivered);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepRequestSuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepRequestUploadFailure));

        second.Tell(Submit()); // a late retransmission still gets the same certificate
        Assert.Equal(ScepOutcomeStatus.Issued, ExpectMsg<ScepRequestOutcome>().Status);
    }

    [Fact]
    public void A_retransmission_gets_the_same_certificate_not_a_second()
    {
        var ca = new ScriptedCa();
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(new Validator(ChallengeVerdict.Success), new FlakyNotifier(0), ca)));
        actor.Tell(Submit());
        var first = ExpectMsg<ScepRequestOutcome>();
        actor.Tell(Submit());
        var second = ExpectMsg<ScepRequestOutcome>();
        Assert.Equal(first.CertificateDer, second.CertificateDer);
        Assert.Equal(1, ca.Calls);
    }

    [Fact]
    public void A_denied_challenge_is_a_failure_with_badRequest_and_the_service_is_told()
    {
        var notifier = new FlakyNotifier(0);
        var ca = new ScriptedCa();
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(new Validator(ChallengeVerdict.Denied("ChallengeAlreadyUsed", "used")), notifier, ca)));
        actor.Tell(Submit());
        var outcome = ExpectMsg<ScepRequestOutcome>();
        Assert.Equal((ScepOutcomeStatus.Rejected, ScepFailInfo.BadRequest), (outcome.Status, outcome.FailInfo));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.ScepRequestIssuedFailure) == 1);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepVerifyFailure));
        Assert.Equal(0, ca.Calls);
        var sent = Assert.Single(notifier.Delivered);
        Assert.False(sent.Succeeded);
        Assert.Contains("ChallengeAlreadyUsed", sent.ErrorDescription);
    }

    [Fact]
    public void CertPoll_is_pending_until_issued()
    {
        var gate = new TaskCompletionSource<IssuedCertificate>();
        var ca = new ScriptedCa(() => gate.Task);
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(new Validator(ChallengeVerdict.Success), new FlakyNotifier(0), ca)));
        var device = CreateTestProbe();
        actor.Tell(Submit(), device);
        AwaitCondition(() => ca.Calls == 1);
        actor.Tell(new PollScepRequest("scep-1"));
        Assert.Equal(ScepOutcomeStatus.Pending, ExpectMsg<ScepRequestOutcome>().Status);
        gate.SetResult(Samples.Certificate());
        Assert.Equal(ScepOutcomeStatus.Issued, device.ExpectMsg<ScepRequestOutcome>().Status);
        actor.Tell(new PollScepRequest("scep-1"));
        Assert.Equal(ScepOutcomeStatus.Issued, ExpectMsg<ScepRequestOutcome>().Status);
    }

    [Fact]
    public void An_accepted_renewal_needs_no_challenge_and_asks_the_CA_to_renew_that_serial()
    {
        var validator = new Validator(ChallengeVerdict.Denied("ChallengeMissing", "none"));
        var (renewals, ca) = (new RenewalChecker(null), new ScriptedCa());
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(validator, new FlakyNotifier(0), ca, renewals)));
        actor.Tell(Renewal());
        Assert.Equal(ScepOutcomeStatus.Issued, ExpectMsg<ScepRequestOutcome>().Status);
        Assert.Equal(0, validator.Calls);
        var checkedWith = Assert.Single(renewals.Checked);
        Assert.Equal((SignerDer, "0A1B"), (checkedWith.SignerCertificateDer, checkedWith.RenewedSerial));
        Assert.Equal("0A1B", Assert.Single(ca.Requests).Renews);
    }

    [Fact]
    public void A_submit_that_claims_a_renewal_is_checked_by_the_actor_and_refused_with_4005_and_badRequest()
    {
        var notifier = new FlakyNotifier(0);
        var validator = new Validator(ChallengeVerdict.Success);
        var ca = new ScriptedCa();
        const string why = "certificate 0A1B was issued by the pkcs feature, not by SCEP; SCEP renews only certificates it issued";
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(validator, notifier, ca, new RenewalChecker(why))));

        actor.Tell(Renewal());
        var outcome = ExpectMsg<ScepRequestOutcome>();
        Assert.Equal((ScepOutcomeStatus.Rejected, ScepFailInfo.BadRequest), (outcome.Status, outcome.FailInfo));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.ScepRequestIssuedFailure) == 1);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepRequestReceived));
        Assert.Contains(why, Assert.Single(Messages(ConnectorEvents.ScepVerifyFailure)));
        Assert.Equal((0, 0), (validator.Calls, ca.Calls));
        var sent = Assert.Single(notifier.Delivered);
        Assert.False(sent.Succeeded);
        Assert.Contains(ScepRequestState.RenewalRefusedCode, sent.ErrorDescription);
    }

    [Fact]
    public void A_submit_that_claims_a_renewal_without_its_signer_certificate_is_refused_unchecked()
    {
        var (renewals, ca) = (new RenewalChecker(null), new ScriptedCa());
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(new Validator(ChallengeVerdict.Success), new FlakyNotifier(0), ca, renewals)));
        actor.Tell(Renewal() with { RenewalSignerDer = null });
        Assert.Equal((ScepOutcomeStatus.Rejected, ScepFailInfo.BadRequest), ExpectMsg<ScepRequestOutcome>() is var o ? (o.Status, o.FailInfo) : default);
        Assert.Equal((0, 0), (renewals.Checked.Count, ca.Calls));
    }

    [Fact]
    public void In_service_connected_mode_the_service_validates_a_renewal_the_check_accepted()
    {
        var validator = new Validator(ChallengeVerdict.Denied("DeviceRetired", "the device was retired"));
        var ca = new ScriptedCa();
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(validator, new FlakyNotifier(0), ca, new RenewalChecker(null), serviceValidatesRenewals: true)));
        actor.Tell(Renewal());
        Assert.Equal(ScepOutcomeStatus.Rejected, ExpectMsg<ScepRequestOutcome>().Status);
        Assert.Equal((1, 0), (validator.Calls, ca.Calls));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.ScepVerifyFailure) == 1);
        Assert.Contains("DeviceRetired", Messages(ConnectorEvents.ScepVerifyFailure)[0]);
    }

    [Fact]
    public void A_rejected_request_sent_again_is_decided_afresh_and_both_outcomes_reach_the_service_in_order()
    {
        var notifier = new FlakyNotifier(0);
        var renewals = new RenewalChecker("certificate 0A1B expires later, outside the 30-day renewal window");
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", Ports(new Validator(ChallengeVerdict.Success), notifier, new ScriptedCa(), renewals)));
        actor.Tell(Renewal());
        Assert.Equal(ScepOutcomeStatus.Rejected, ExpectMsg<ScepRequestOutcome>().Status);
        AwaitCondition(() => notifier.Delivered.Count == 1);
        actor.Tell(new PollScepRequest("scep-1"));
        Assert.Equal(ScepOutcomeStatus.Rejected, ExpectMsg<ScepRequestOutcome>().Status); // CertPoll still hears the rejection

        renewals.Refusal = null; // e.g. the window was widened
        actor.Tell(Renewal()); // same transaction, same signer: the same actor
        Assert.Equal(ScepOutcomeStatus.Issued, ExpectMsg<ScepRequestOutcome>().Status);
        AwaitCondition(() => notifier.Delivered.Count == 2);
        Assert.Equal([false, true], notifier.Delivered.Select(n => n.Succeeded));
        Assert.Equal(2, renewals.Checked.Count);
        actor.Tell(Renewal());
        Assert.Equal(ScepOutcomeStatus.Issued, ExpectMsg<ScepRequestOutcome>().Status); // a SUCCESS is replayed
        Assert.Equal(2, renewals.Checked.Count);
    }

    [Fact]
    public void A_rejection_whose_notification_is_still_failing_is_delivered_before_the_new_round_and_survives_a_restart()
    {
        var notifier = new FlakyNotifier(failures: int.MaxValue);
        var renewals = new RenewalChecker("too early");
        var ports = Ports(new Validator(ChallengeVerdict.Success), notifier, new ScriptedCa(), renewals);
        var first = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        first.Tell(Renewal());
        Assert.Equal(ScepOutcomeStatus.Rejected, ExpectMsg<ScepRequestOutcome>().Status);
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.ScepNotifyAttemptFailed) >= 1);

        renewals.Refusal = null;
        first.Tell(Renewal());
        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the earlier notification goes first; the device waits (PENDING at the edge)
        Assert.Single(renewals.Checked);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        notifier.Heal();
        var second = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        second.Tell(Renewal()); // the device retransmits: the signer is back
        AdvanceUntil(() => notifier.Delivered.Count == 2);
        Assert.Equal([false, true], notifier.Delivered.Select(n => n.Succeeded));
        Assert.Contains("too early", notifier.Delivered.First().ErrorDescription);
    }

    [Fact]
    public void Received_is_journaled_with_the_verdict_and_a_stop_before_it_leaves_nothing_for_the_retransmission_to_trip_on()
    {
        var gate = new TaskCompletionSource<ChallengeVerdict>();
        var validator = new GatedValidator(() => gate.Task);
        var ports = Ports(validator, new FlakyNotifier(0));
        var first = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        first.Tell(Submit());
        AwaitCondition(() => validator.Calls == 1);
        // Verifying, Received applied but not yet written: nothing reported, a stop loses only what the device resends.
        Assert.Equal(0, EventLog.Count(ConnectorEvents.ScepRequestReceived));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the device heard nothing yet

        gate.SetResult(ChallengeVerdict.Success); // the first attempt's verdict never reaches a stopped actor
        var second = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        second.Tell(new GetRequestView("scep-1"));
        Assert.False(ExpectMsg<RequestView>().Known); // nothing was journaled
        second.Tell(Submit()); // the retransmission
        Assert.Equal(ScepOutcomeStatus.Issued, ExpectMsg<ScepRequestOutcome>().Status);
        AwaitCondition(() => EventLog.Count(ConnectorEvents.ScepIssuedSuccess) == 1);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepRequestReceived)); // reported once, when written with the verdict
        Assert.Equal(1, EventLog.Count(ConnectorEvents.ScepVerifySuccess));

        second.Tell(new GetRequestView("scep-1")); // the one query: the shared view, with SCEP's own part
        var view = ExpectMsg<RequestView>();
        Assert.Equal(("scep", true), (view.Feature, view.Known));
        Assert.Equal("tx-1", Assert.IsType<ScepViewDetails>(view.Details).TransactionId);
        Assert.Contains(view.History, h => h.Event == "Issued");
    }

    [Fact]
    public void A_retry_already_due_at_recovery_and_a_retransmission_start_the_issue_step_once()
    {
        var ca = new ScriptedCa(ScriptedCa.Transient(), ScriptedCa.Never());
        var ports = Ports(new Validator(ChallengeVerdict.Success), new FlakyNotifier(0), ca);
        var first = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        first.Tell(Submit());
        AwaitCondition(() => EventLog.Count(ConnectorEvents.ScepIssuedFailure) == 1); // attempt 1 failed, a retry is journaled
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        Scheduler.Advance(TimeSpan.FromHours(1)); // the process was down past the retry time
        var second = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));
        second.Tell(Submit()); // the device's retransmission arrives while the actor recovers
        AwaitCondition(() => ca.Calls >= 2);
        Thread.Sleep(300);
        Assert.Equal(2, ca.Calls); // one failed attempt before the restart, one after: never two at once
    }

    /// <summary>Two CAs, the built-in one the default, and SCEP's own CA setting naming the other.</summary>
    private (ScepPorts Ports, ScriptedCa BuiltIn, ScriptedCa Up) TwoCas(ChallengeVerdict verdict, RenewalChecker? renewals = null)
    {
        var (builtIn, up) = (new ScriptedCa(), new ScriptedCa());
        var cas = new CertificateAuthorities([new NamedCa("builtin", NamedCa.BuiltInType, builtIn, null, new UpProbe()),
            new NamedCa("up", "scep", up, null, new UpProbe())], "builtin");
        return (new ScepPorts(new Validator(verdict), cas, new FlakyNotifier(0), EventLog, new ScepOptions { MaxAttempts = 3, Ca = "up" }, "CN=Test CA",
            renewals ?? new RenewalChecker(null), false), builtIn, up);
    }

    [Fact]
    public void An_enrollment_whose_verdict_names_no_CA_goes_to_the_CA_the_SCEP_settings_name_and_a_named_one_where_it_says()
    {
        var (ports, builtIn, up) = TwoCas(ChallengeVerdict.Success); // the service's verdicts name no CA
        Sys.ActorOf(ScepRequestActor.Props("scep-1", ports)).Tell(Submit());
        ExpectMsg<ScepRequestOutcome>(o => o.Status == ScepOutcomeStatus.Issued);
        Assert.Equal((0, 1), (builtIn.Calls, up.Calls));

        var (named, builtIn2, up2) = TwoCas(ChallengeVerdict.Success with { Ca = "builtin" });
        Sys.ActorOf(ScepRequestActor.Props("scep-2", named)).Tell(Submit() with { RequestId = "scep-2" });
        ExpectMsg<ScepRequestOutcome>(o => o.Status == ScepOutcomeStatus.Issued);
        Assert.Equal((1, 0), (builtIn2.Calls, up2.Calls));
    }

    [Fact]
    public void A_renewal_goes_to_the_CA_that_issued_the_certificate_it_renews_not_to_the_SCEP_setting()
    {
        var (ports, builtIn, up) = TwoCas(ChallengeVerdict.Success, new RenewalChecker(null));
        Sys.ActorOf(ScepRequestActor.Props("scep-1", ports)).Tell(Renewal());
        ExpectMsg<ScepRequestOutcome>(o => o.Status == ScepOutcomeStatus.Issued);
        Assert.Equal((1, 0), (builtIn.Calls, up.Calls)); // the check found a built-in certificate (its verdict names no CA)
        Assert.Equal("0A1B", Assert.Single(builtIn.Requests).Renews);

        var (upstream, builtIn2, up2) = TwoCas(ChallengeVerdict.Success, new RenewalChecker(null) { Ca = "up" });
        Sys.ActorOf(ScepRequestActor.Props("scep-2", upstream)).Tell(Renewal() with { RequestId = "scep-2" });
        ExpectMsg<ScepRequestOutcome>(o => o.Status == ScepOutcomeStatus.Issued);
        Assert.Equal((0, 1), (builtIn2.Calls, up2.Calls));
        Assert.Equal("0A1B", Assert.Single(up2.Requests).Renews);
    }

    private sealed class RenewalChecker(string? refusal) : IScepRenewalChecker
    {
        public volatile string? Refusal = refusal;
        public string? Ca { get; init; }
        public ConcurrentQueue<ScepRenewalCheck> Checked { get; } = new();
        public ScepRenewalVerdict Check(ScepRenewalCheck request)
        {
            Checked.Enqueue(request);
            return new ScepRenewalVerdict(request.RenewedSerial, Refusal, Ca);
        }
    }

    private sealed class GatedValidator(Func<Task<ChallengeVerdict>> verdict) : IChallengeValidator
    {
        public int Calls;
        public Task<ChallengeVerdict> ValidateAsync(ScepValidationRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return verdict();
        }
    }

    private sealed class Validator(ChallengeVerdict verdict) : IChallengeValidator
    {
        public int Calls;
        public Task<ChallengeVerdict> ValidateAsync(ScepValidationRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(verdict);
        }
    }

    private sealed class FlakyNotifier(int failures) : IScepResultNotifier
    {
        private int _failuresLeft = failures;
        public int Attempts;
        public ConcurrentQueue<ScepNotification> Delivered { get; } = new();
        public void Heal() => Volatile.Write(ref _failuresLeft, 0);

        public Task NotifyAsync(ScepNotification notification, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
                return Task.FromException(ConnectorFailureException.Transient("ServiceUnavailable", "503"));
            Delivered.Enqueue(notification);
            return Task.CompletedTask;
        }
    }
}
