using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Scep;

public enum ScepStatus { New, Received, Verified, Issued, Rejected, Notified }

/// <summary>The SCEP steps; waiting and nothing-to-do are the shared <see cref="RequestStep"/>s.</summary>
public abstract record ScepNextStep : RequestStep
{
    public sealed record Verify : ScepNextStep;
    /// <summary>Received, but the challenge (memory only) was lost in a restart: the device's retransmission brings it again.</summary>
    public sealed record AwaitRetransmission : ScepNextStep;
    public sealed record Issue : ScepNextStep;
    public sealed record Notify(ScepNotification Notification) : ScepNextStep;
}

/// <summary>
/// One SCEP PKIOperation: Received → Verified (or Rejected) → Issued (or Rejected) → Notified. The
/// outcome the device sees is fixed once Issued is persisted; the notification to the service is then
/// pending, durably, until it succeeds. A rejection holds only until the device asks again: RFC 8894 has
/// clients derive the transaction ID from their key, so a device retrying after a refusal (a renewal too
/// early, a challenge since re-minted) reaches this same request, and must be decided afresh rather than
/// refused forever. That opens a new round (<see cref="ScepRequestReopened"/>); the rejection's notification,
/// if not yet delivered, is kept and delivered first. Pure Decide/Apply, timestamps from the events.
/// </summary>
public sealed record ScepRequestState
{
    public string RequestId { get; init; } = "";
    public ScepStatus Status { get; init; } = ScepStatus.New;
    public ScepRequestReceived? Received { get; init; }
    /// <summary>The CA the verdict of the current round sends the enrollment to; null: the default CA.</summary>
    public string? Ca { get; init; }
    public ScepCertificateIssued? Issued { get; init; }
    public ScepRequestRejected? Rejection { get; init; }
    public bool Notified { get; init; }
    public RetryState<ScepStage>? Retry { get; init; }
    /// <summary>Earlier, rejected rounds whose notification the service has not had yet, oldest first; delivered before anything else.</summary>
    public ImmutableList<ScepEarlierRound> EarlierNotifications { get; init; } = [];
    /// <summary>The rejection a <see cref="ScepServiceNotified"/> just told the service of; null when it told a success.</summary>
    public ScepRequestRejected? LastDeliveredRejection { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static ScepRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool HasOutcome => Issued is not null || Rejection is not null;

    /// <summary>Every outcome has reached the service, earlier rounds' too: nothing will run again until the device asks anew.</summary>
    public bool Finished => Notified && EarlierNotifications.IsEmpty;

    /// <summary>What the device is told now.</summary>
    public ScepRequestOutcome Outcome() => Issued is { } i
        ? new(RequestId, ScepOutcomeStatus.Issued, i.CertificateDer)
        : Rejection is { } r
            ? new(RequestId, ScepOutcomeStatus.Rejected, FailInfo: r.FailInfo, Reason: r.Reason.Message)
            : new(RequestId, ScepOutcomeStatus.Pending);

    // ---- Decide -------------------------------------------------------------------------------

    /// <summary>
    /// A PKCSReq or RenewalReq. The first one is received; a later one is a retransmission and changes nothing, unless
    /// the request was rejected: then it is decided afresh in a new round. A SUCCESS is never decided again. A renewal
    /// is verified like a challenge, by the Verify step (<see cref="DecideRenewal"/>), whatever its sender concluded;
    /// one that does not carry the certificate it was signed with cannot be checked and is refused at once.
    /// </summary>
    public IReadOnlyList<IConnectorEvent> DecideSubmit(SubmitScepRequest s, DateTimeOffset now)
    {
        var reopen = Issued is null && Rejection is not null;
        if (Status != ScepStatus.New && !reopen) return [];
        var received = new ScepRequestReceived(RequestId, s.TransactionId, s.CsrDer, s.CallerInfo, s.RenewalOf, now);
        IReadOnlyList<IConnectorEvent> round = s is { RenewalOf: not null, RenewalSignerDer: null }
            ? [received, Refused(RenewalRefusedCode, "Renewal refused: the request does not carry the certificate it was signed with.", now)]
            : [received];
        return reopen ? [new ScepRequestReopened(RequestId, now), .. round] : round;
    }

    /// <summary>The failure code of a refused renewal.</summary>
    public const string RenewalRefusedCode = "RenewalRefused";

    public IReadOnlyList<IConnectorEvent> DecideVerdict(ChallengeVerdict verdict, DateTimeOffset now)
    {
        if (CurrentStep() is not ScepNextStep.Verify) return [];
        return verdict.Valid
            ? [new ScepRequestVerified(RequestId, verdict.Ca is null ? "challenge accepted" : $"challenge accepted for the CA '{verdict.Ca}'", now, verdict.Ca)]
            : [Refused(verdict.Code, verdict.Description ?? verdict.Code, now)];
    }

    /// <summary>
    /// The renewal check's answer and, in service-connected mode, the service's (asked only when the check passed;
    /// null in standalone mode, where a renewal needs no challenge).
    /// </summary>
    public IReadOnlyList<IConnectorEvent> DecideRenewal(ScepRenewalVerdict renewal, ChallengeVerdict? service, DateTimeOffset now)
    {
        if (CurrentStep() is not ScepNextStep.Verify) return [];
        if (!renewal.Accepted) return [Refused(RenewalRefusedCode, $"Renewal refused: {renewal.Refusal}.", now)];
        if (service is { Valid: false }) return [Refused(service.Code, service.Description ?? service.Code, now)];
        // A certificate is renewed at the CA that issued it, whatever CA the service's verdict would send a new enrollment to.
        return [new ScepRequestVerified(RequestId,
            $"renewal of certificate {renewal.RenewedSerial}{(renewal.Ca is null ? "" : $" of the CA '{renewal.Ca}'")} accepted{(service is null ? "" : "; the service validated it")}",
            now, renewal.Ca ?? service?.Ca)];
    }

    private ScepRequestRejected Refused(string code, string why, DateTimeOffset now) =>
        new(RequestId, ScepStage.Verify, new FailureReason(code, why, false), ScepFailInfo.BadRequest, now);

    public IReadOnlyList<IConnectorEvent> DecideIssued(ScepCertificateIssued issued) => CurrentStep() is ScepNextStep.Issue ? [issued] : [];

    public IReadOnlyList<IConnectorEvent> DecideNotified(DateTimeOffset now) =>
        CurrentStep() is ScepNextStep.Notify ? [new ScepServiceNotified(RequestId, now)] : [];

    /// <summary>
    /// Verify and issue retry until the policy's limit, then reject; a final error rejects at once.
    /// Notifying never gives up: the outcome must reach the service, so it waits at the capped delay.
    /// </summary>
    public IReadOnlyList<IConnectorEvent> DecideFailure(ScepStage stage, FailureReason reason, RetryPolicy policy, DateTimeOffset now, double random01) =>
        Attempts.Decide(Retry, stage, reason, policy, now, random01, neverGiveUp: stage == ScepStage.Notify) switch
        {
            AttemptDecision.RetryAt r => [new ScepAttemptFailed(RequestId, stage, r.Attempt, reason, r.NextAttemptAt, now)],
            AttemptDecision.GiveUp g => [new ScepRequestRejected(RequestId, stage, g.Reason, ScepFailInfo.BadRequest, now)],
            _ => [],
        };

    public RequestStep NextStep(bool haveChallenge) =>
        Status != ScepStatus.New && !Notified && Retry is { } retry ? new RequestStep.WaitUntil(retry.NextAttemptAt) : CurrentStep(haveChallenge);

    /// <summary>The step being worked on, ignoring a retry wait.</summary>
    /// <param name="haveChallenge">the actor holds what Verify needs (the challenge, or the renewal's signer certificate): memory only.</param>
    public RequestStep CurrentStep(bool haveChallenge = true) => this switch
    {
        { EarlierNotifications: [var earlier, ..] } => new ScepNextStep.Notify(FailureNotification(earlier.Received, earlier.Rejection)),
        { Status: ScepStatus.New } or { Notified: true } => new RequestStep.Nothing(),
        { HasOutcome: true } => new ScepNextStep.Notify(Notification()),
        { Status: ScepStatus.Verified } => new ScepNextStep.Issue(),
        _ => haveChallenge ? new ScepNextStep.Verify() : new ScepNextStep.AwaitRetransmission(),
    };

    private ScepNotification Notification()
    {
        var r = Received!;
        return Issued is { } i
            ? new ScepNotification(r.TransactionId, r.CsrDer, true, r.CallerInfo, i.Thumbprint, i.SerialNumber, i.NotAfter, i.IssuingCa)
            : FailureNotification(r, Rejection!);
    }

    private static ScepNotification FailureNotification(ScepRequestReceived r, ScepRequestRejected rejection) =>
        new(r.TransactionId, r.CsrDer, false, r.CallerInfo, HResult: unchecked((int)0x80094800),
            ErrorDescription: Truncate($"{rejection.Reason.Code}: {rejection.Reason.Message}", 255));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    // ---- Apply --------------------------------------------------------------------------------

    public ScepRequestState Apply(IConnectorEvent e) => e switch
    {
        ScepRequestReceived r => this with
        {
            Status = ScepStatus.Received, Received = r, Ca = null,
            History = History.Add(new(r.At, "Received", $"transaction {r.TransactionId}{(r.RenewalOf is null ? "" : " (renewal)")}")),
        },
        ScepRequestVerified v => Settled(this with { Status = ScepStatus.Verified, Ca = v.Ca, History = History.Add(new(v.At, "Verified", v.Detail)) }),
        // A round refused at once while an earlier round's notification waits for its retry: that wait stands.
        ScepRequestRejected r => (EarlierNotifications.IsEmpty ? Settled(this) : this) with
        {
            Status = ScepStatus.Rejected, Rejection = r,
            History = History.Add(new(r.At, "Rejected", $"{r.Stage}: {r.Reason.Code}: {r.Reason.Message}")),
        },
        ScepCertificateIssued i => Settled(this with
        {
            Status = ScepStatus.Issued, Issued = i, History = History.Add(new(i.At, "Issued", $"serial {i.SerialNumber}")),
        }),
        ScepAttemptFailed f => this with
        {
            Retry = RetryState<ScepStage>.From(f),
            History = History.AddFailedAttempt(f, "AttemptFailed", $"{f.Stage} attempt {f.Attempt}: {f.Reason.Code}: {f.Reason.Message}"),
        },
        // Earlier rounds' notifications go first (CurrentStep), so this one delivered the oldest of them, if any.
        ScepServiceNotified n when EarlierNotifications is [var earlier, ..] => Settled(this with
        {
            EarlierNotifications = EarlierNotifications.RemoveAt(0), LastDeliveredRejection = earlier.Rejection,
            History = History.Add(new(n.At, "Notified", "service told the outcome of an earlier round")),
        }),
        ScepServiceNotified n => Settled(this with
        {
            Status = ScepStatus.Notified, Notified = true, LastDeliveredRejection = Rejection, History = History.Add(new(n.At, "Notified", "service told the outcome")),
        }),
        // The round's Received follows in the same decision. A notification still pending keeps its retry schedule.
        ScepRequestReopened o => this with
        {
            Status = ScepStatus.New, Received = null, Rejection = null, Notified = false,
            EarlierNotifications = Notified ? EarlierNotifications : EarlierNotifications.Add(new ScepEarlierRound(Received!, Rejection!)),
            History = History.Add(new(o.At, "Reopened", "asked again after the rejection: decided afresh")),
        },
        _ => this,
    };

    /// <summary>A step succeeded: the retry bookkeeping of the previous step is over.</summary>
    private static ScepRequestState Settled(ScepRequestState s) => s with { Retry = null };

    /// <summary>The shared view: never the CSR or its challenge, only the issued certificate's identifiers.</summary>
    public RequestView ToRequestView()
    {
        if (Status == ScepStatus.New || Received is null) return RequestView.Unknown(ScepHosting.Role, RequestId);
        var error = Rejection?.Reason ?? Retry?.LastError;
        return new(ScepHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, error?.Code, error?.Message,
            Issued?.SerialNumber, Issued?.Thumbprint, Issued?.NotAfter, Notified, History,
            new ScepViewDetails(Received.TransactionId, Retry is { Stage: ScepStage.Notify } r ? r.Attempts : 0));
    }
}

/// <summary>A rejected round whose notification the service has not had when the device asked again.</summary>
public sealed record ScepEarlierRound(ScepRequestReceived Received, ScepRequestRejected Rejection);
