using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Scep;

/// <summary>The ports one SCEP request needs, resolved once per node.</summary>
/// <param name="Renewals">checks a renewal's signer and names, in place of a challenge.</param>
/// <param name="ServiceValidatesRenewals">service-connected mode: the service's validateRequest (<paramref name="Validator"/>)
/// decides renewals too, after <paramref name="Renewals"/> accepted them. Standalone challenges are for first enrollments only.</param>
/// <param name="Cas">the configured CAs: an enrollment goes to the one its challenge names (a renewal: to the built-in CA, which issued what it renews).</param>
public sealed record ScepPorts(
    IChallengeValidator Validator,
    CertificateAuthorities Cas,
    IScepResultNotifier Notifier,
    IConnectorEventLog Log,
    ScepOptions Options,
    string IssuingCaName,
    IScepRenewalChecker Renewals,
    bool ServiceValidatesRenewals)
{
    /// <summary>A node with one CA, the built-in one.</summary>
    public ScepPorts(IChallengeValidator validator, ICertificateAuthority ca, IScepResultNotifier notifier, IConnectorEventLog log, ScepOptions options,
        string issuingCaName, IScepRenewalChecker renewals, bool serviceValidatesRenewals)
        : this(validator, CertificateAuthorities.Single(ca), notifier, log, options, issuingCaName, renewals, serviceValidatesRenewals) { }
}

/// <summary>
/// One SCEP PKIOperation, persistent and sharded by (transaction ID, requester key). The device's answer
/// is fixed once Issued is persisted; retransmissions and CertPoll get that same answer. A rejection is
/// answered to CertPoll until the device sends its request again, which is decided afresh
/// (<see cref="ScepRequestState.DecideSubmit"/>). Each outcome's notification to the service is pending,
/// in the journal, and retried until it succeeds.
/// </summary>
public sealed class ScepRequestActor : RequestActor<ScepStage>
{
    private readonly ScepPorts _ports;
    private readonly List<IActorRef> _waiting = [];
    private ScepRequestState _state;
    private string? _challenge; // memory only: a restart loses it and the device's retransmission brings it back
    private byte[]? _renewalSigner; // likewise: what Verify checks a renewal with
    private bool _gaveUpReported;

    /// <summary>The journal's name for a SCEP request: its ID (see <see cref="Pkcs.PkcsRequestActor.PersistenceIdOf"/>).</summary>
    public static string PersistenceIdOf(string requestId) => requestId;

    public ScepRequestActor(string requestId, ScepPorts ports) : base(PersistenceIdOf(requestId))
    {
        _ports = ports;
        _state = ScepRequestState.Empty(requestId);

        Command<SubmitScepRequest>(OnSubmit);
        Command<PollScepRequest>(_ =>
        {
            if (_state.Status != ScepStatus.New)
            {
                Sender.Tell(_state.Outcome());
                return;
            }
            Sender.Tell(new ScepRequestOutcome(_state.RequestId, ScepOutcomeStatus.Rejected, FailInfo: ScepFailInfo.BadCertId, Reason: "No such transaction."));
            Passivate(); // a poll for an unknown transaction must not create (or remember) a request
        });
        Command<VerdictReceived>(v => PersistThen(_state.DecideVerdict(v.Verdict, Now)));
        Command<RenewalChecked>(r => PersistThen(_state.DecideRenewal(r.Renewal, r.Service, Now)));
        Command<IssueSucceeded>(ok => PersistThen(_state.DecideIssued(new ScepCertificateIssued(_state.RequestId,
            ok.Certificate.CertificateDer, ok.Certificate.SerialNumber, ok.Certificate.Thumbprint, ok.Certificate.NotAfter,
            _ports.Cas.Find(TargetCa(_ports, _state)) is { IsBuiltIn: false } routed ? routed.Name : _ports.IssuingCaName, Now)))); // another CA: its name, as the settings give it
        Command<NotifySucceeded>(_ => PersistThen(_state.DecideNotified(Now)));
        Command<PassivateIfFinished>(_ =>
        {
            if (IsFinished && Idle) Passivate();
        });
    }

    public static Props Props(string requestId, ScepPorts ports) => Akka.Actor.Props.Create(() => new ScepRequestActor(requestId, ports));

    protected override void ApplyEvent(IConnectorEvent e) => _state = _state.Apply(e);

    protected override RequestStep NextStep() => _state.NextStep(CanVerify);

    protected override RequestStep CurrentStep() => _state.CurrentStep(CanVerify);

    private bool CanVerify => _state.Received?.RenewalOf is null ? _challenge is not null : _renewalSigner is not null;

    protected override bool IsFinished => _state.Finished;

    /// <summary>
    /// Not at once: a finished request is started again by the device's next PKCSReq (a rejected one is decided afresh),
    /// and that message is usually what recovered it. It is handled first; only if the request is still finished and idle
    /// after it does the entity stop, so the new round is not stopped halfway with its events unwritten.
    /// </summary>
    protected override void OnFinished() => Self.Tell(PassivateIfFinished.Instance);

    protected override RequestView View() => _state.ToRequestView();

    protected override void OnStepFailed(ScepStage stage, FailureReason reason) =>
        PersistThen(_state.DecideFailure(stage, reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble()));

    protected override void AfterPersisted(IConnectorEvent e)
    {
        if (e is ScepRequestRejected or ScepCertificateIssued) AnswerWaiting();
    }

    private void OnSubmit(SubmitScepRequest submit)
    {
        if (submit.ChallengePassword is not null) _challenge = submit.ChallengePassword;
        if (submit.RenewalSignerDer is not null) _renewalSigner = submit.RenewalSignerDer;
        if (_state.Issued is not null)
        {
            Sender.Tell(_state.Outcome()); // a retransmission: the same answer, never a second certificate
            return;
        }
        _waiting.Add(Sender);
        var events = _state.DecideSubmit(submit, Now);
        // Received (and a new round) alone is journaled with the verdict: a crash before that loses only what the device's
        // retransmission brings again (its challenge may be spent by this transaction, which the validator accepts again).
        if (events.Count > 0 && events.All(e => e is ScepRequestReceived or ScepRequestReopened)) ApplyThenPersistWithNext(events);
        else if (events.Count > 0) PersistThen(events);
        else Resume(); // e.g. Received before a restart: the retransmitted challenge lets it go on
    }

    private void AnswerWaiting()
    {
        _challenge = null; // no longer needed
        _renewalSigner = null;
        foreach (var w in _waiting) w.Tell(_state.Outcome());
        _waiting.Clear();
    }

    protected override void Start(RequestStep step)
    {
        switch (step)
        {
            case ScepNextStep.Verify:
                StartVerify();
                break;
            case ScepNextStep.Issue:
                StartIssue();
                break;
            case ScepNextStep.Notify notify:
                StartNotify(notify.Notification);
                break;
        }
    }

    private void StartVerify()
    {
        if (_state.Received!.RenewalOf is not null)
        {
            StartRenewalCheck();
            return;
        }
        var (ports, received, challenge) = (_ports, _state.Received!, _challenge);
        RunStep(ScepStage.Verify, ports.Options.CallTimeout, async timeout =>
        {
            var verdict = await ports.Validator.ValidateAsync(
                new ScepValidationRequest(received.TransactionId, received.CsrDer, challenge, received.CallerInfo), timeout).ConfigureAwait(false);
            return (object)new VerdictReceived(verdict);
        });
    }

    /// <summary>The renewal is checked here, not taken from the sender's word; in service-connected mode the service decides too.</summary>
    private void StartRenewalCheck()
    {
        var (ports, received, signer, challenge) = (_ports, _state.Received!, _renewalSigner!, _challenge);
        RunStep(ScepStage.Verify, ports.Options.CallTimeout, async timeout =>
        {
            var renewal = ports.Renewals.Check(new ScepRenewalCheck(signer, received.CsrDer, received.RenewalOf, IssuanceId(received)));
            var service = renewal.Accepted && ports.ServiceValidatesRenewals
                ? await ports.Validator.ValidateAsync(new ScepValidationRequest(received.TransactionId, received.CsrDer, challenge, received.CallerInfo), timeout)
                    .ConfigureAwait(false)
                : null;
            return (object)new RenewalChecked(renewal, service);
        });
    }

    private void StartIssue()
    {
        var (ports, received, named) = (_ports, _state.Received!, TargetCa(_ports, _state));
        RunStep(ScepStage.Issue, ports.Options.CallTimeout, async timeout =>
        {
            var ca = ports.Cas.Get(named); // an unknown CA name is a final failure
            var certificate = await ca.Authority.IssueAsync(
                // Not the actor's ID: every actor holding this transaction and CSR key asks for the same certificate.
                new IssuanceRequest(IssuanceId(received), ScepHosting.Role,
                    received.CsrDer, ports.Options.Template, Renews: received.RenewalOf), timeout).ConfigureAwait(false);
            return (object)new IssueSucceeded(certificate);
        });
    }

    /// <summary>
    /// The CA this round's certificate comes from: the one the verdict named (a challenge minted for it, or the CA that issued the
    /// certificate a renewal renews); a renewal naming none renews a certificate of the built-in CA; otherwise SCEP's own CA setting
    /// (<see cref="ScepOptions.Ca"/>: the service's verdicts name none), then the connector's default.
    /// </summary>
    private static string? TargetCa(ScepPorts ports, ScepRequestState state) =>
        state.Ca ?? (state.Received?.RenewalOf is not null ? (ports.Cas.BuiltIn ?? ports.Cas.Default).Name : ports.Options.Ca);

    private static string IssuanceId(ScepRequestReceived received) => ScepIssuanceIds.For(received.TransactionId, received.CsrDer, received.RenewalOf);

    private void StartNotify(ScepNotification notification)
    {
        var ports = _ports;
        RunStep(ScepStage.Notify, ports.Options.CallTimeout, async timeout =>
        {
            await ports.Notifier.NotifyAsync(notification, timeout).ConfigureAwait(false);
            return (object)NotifySucceeded.Instance;
        });
    }

    /// <summary>An outcome that cannot be journaled cannot be notified later: say so (4010). The actor stops;
    /// the device's retransmission starts it again.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        if (@event is ScepCertificateIssued or ScepRequestRejected)
            WriteEvent(ConnectorEvents.ScepNotifySaveToDiskFailed, $"The outcome of SCEP request {_state.RequestId} could not be saved; the service cannot be told. {cause.Message}");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        if (@event is ScepCertificateIssued or ScepRequestRejected)
            WriteEvent(ConnectorEvents.ScepNotifySaveToDiskFailed, $"The outcome of SCEP request {_state.RequestId} was rejected by the journal; the service cannot be told. {cause.Message}");
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void Report(IConnectorEvent e)
    {
        switch (e)
        {
            case ScepRequestReceived r:
                WriteEvent(ConnectorEvents.ScepRequestReceived, $"SCEP request received: transaction {r.TransactionId}{(r.RenewalOf is null ? "" : $", renewal of {r.RenewalOf}")}.");
                break;
            case ScepRequestVerified v:
                WriteEvent(ConnectorEvents.ScepVerifySuccess, $"SCEP request verified: {v.Detail}.");
                break;
            // A renewal that lost the race for its certificate at the CA is refused like one refused by the check.
            case ScepRequestRejected r when r.Stage == ScepStage.Verify || r.Reason.Code == ICertificateAuthority.AlreadyRenewedCode:
                WriteEvent(ConnectorEvents.ScepVerifyFailure, $"SCEP request rejected: {r.Reason.Code}: {r.Reason.Message}", ("errorCode", r.Reason.Code));
                break;
            case ScepRequestRejected r:
                WriteEvent(ConnectorEvents.ScepIssuedFailure, $"Issuing failed for the SCEP request: {r.Reason.Code}: {r.Reason.Message}", ("errorCode", r.Reason.Code));
                break;
            case ScepCertificateIssued i:
                WriteEvent(ConnectorEvents.ScepIssuedSuccess, $"Certificate issued for SCEP request: serial {i.SerialNumber}, expires {i.NotAfter:O}.",
                    ("serialNumber", i.SerialNumber), ("thumbprint", i.Thumbprint));
                break;
            case ScepAttemptFailed { Stage: ScepStage.Notify } f:
                WriteEvent(ConnectorEvents.ScepNotifyAttemptFailed, $"Notifying the service failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt));
                if (f.Attempt >= _ports.Options.MaxAttempts && !_gaveUpReported)
                {
                    _gaveUpReported = true;
                    WriteEvent(ConnectorEvents.ScepRequestUploadFailure,
                        $"SCEP request processed ({(_state.Issued is null ? "failed" : "issued")}) but the service could not be notified after {f.Attempt} attempts; the notification stays queued and is retried.");
                }
                break;
            case ScepAttemptFailed { Stage: ScepStage.Verify } f:
                WriteEvent(ConnectorEvents.ScepVerifyFailure, $"The challenge could not be checked (attempt {f.Attempt}); retrying. {f.Reason.Code}: {f.Reason.Message}", ("attempt", f.Attempt));
                break;
            case ScepAttemptFailed f:
                WriteEvent(ConnectorEvents.ScepIssuedFailure, $"Issuing failed (attempt {f.Attempt}); retrying. {f.Reason.Code}: {f.Reason.Message}", ("attempt", f.Attempt));
                break;
            case ScepServiceNotified:
                WriteEvent(ConnectorEvents.ScepNotifySuccess, "The service was notified of the SCEP request's outcome.");
                if (_state.LastDeliveredRejection is { } rejected)
                    WriteEvent(ConnectorEvents.ScepRequestIssuedFailure, $"SCEP request failed ({rejected.Reason.Code}: {rejected.Reason.Message}); the service was notified.",
                        ("errorCode", rejected.Reason.Code));
                else if (_state.Issued is { } issued)
                    WriteEvent(ConnectorEvents.ScepRequestSuccess, $"SCEP request fulfilled: serial {issued.SerialNumber}; the service was notified.", ("serialNumber", issued.SerialNumber));
                break;
        }
    }

    private void WriteEvent(EventDefinition definition, string message, params (string, object?)[] properties) =>
        WriteEvent(_ports.Log, _state.RequestId, ClientRequestId, definition, message, [.. properties, ("transactionId", _state.Received?.TransactionId)]);

    private sealed record VerdictReceived(ChallengeVerdict Verdict);
    private sealed record RenewalChecked(ScepRenewalVerdict Renewal, ChallengeVerdict? Service);
    private sealed record IssueSucceeded(IssuedCertificate Certificate);
    private sealed record NotifySucceeded { public static readonly NotifySucceeded Instance = new(); }
    private sealed record PassivateIfFinished { public static readonly PassivateIfFinished Instance = new(); }
}
