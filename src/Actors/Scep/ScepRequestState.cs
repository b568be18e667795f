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
/// outcome the device sees is fixed once Issued or Rejected is persisted; the notification to the service
/// is then pending, durably, until it succeeds. Pure Decide/Apply, timestamps from the events.
/// </summary>
public sealed record ScepRequestState
{
    public string RequestId { get; init; } = "";
    public ScepStatus Status { get; init; } = ScepStatus.New;
    public ScepRequestReceived? Received { get; init; }
    public ScepCertificateIssued? Issued { get; init; }
    public ScepRequestRejected? Rejection { get; init; }
    public bool Notified { get; init; }
    public RetryState<ScepStage>? Retry { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static ScepRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool HasOutcome => Issued is not null || Rejection is not null;

    /// <summary>What the device is told now.</summary>
    public ScepRequestOutcome Outcome() => Issued is { } i
        ? new(RequestId, ScepOutcomeStatus.Issued, i.CertificateDer)
        : Rejection is { } r
            ? new(RequestId, ScepOutcomeStatus.Rejected, FailInfo: r.FailInfo, Reason: r.Reason.Message)
            : new(RequestId, ScepOutcomeStatus.Pending);

    // ---- Decide -------------------------------------------------------------------------------

    public IReadOnlyList<IConnectorEvent> DecideSubmit(SubmitScepRequest s, DateTimeOffset now)
    {
        if (Status != ScepStatus.New) return [];
        var received = new ScepRequestReceived(RequestId, s.TransactionId, s.CsrDer, s.CallerInfo, s.RenewalOf, now);
        // A renewal the edge refused (outside the window, not our certificate, ...) is rejected at Verify like a bad
        // challenge, so it is logged (4003, 4005) and the service is notified of it like every other refusal.
        if (s.RenewalRefusal is { } refusal)
            return [received, new ScepRequestRejected(RequestId, ScepStage.Verify,
                new FailureReason(RenewalRefusedCode, refusal, false), ScepFailInfo.BadRequest, now)];
        return s.RenewalOf is { } serial
            ? [received, new ScepRequestVerified(RequestId, $"renewal signed by our certificate {serial}", now)]
            : [received];
    }

    /// <summary>The failure code of a RenewalReq the edge refused.</summary>
    public const string RenewalRefusedCode = "RenewalRefused";

    public IReadOnlyList<IConnectorEvent> DecideVerdict(ChallengeVerdict verdict, DateTimeOffset now)
    {
        if (CurrentStep() is not ScepNextStep.Verify) return [];
        return verdict.Valid
            ? [new ScepRequestVerified(RequestId, "challenge accepted", now)]
            : [new ScepRequestRejected(RequestId, ScepStage.Verify,
                new FailureReason(verdict.Code, verdict.Description ?? verdict.Code, false), ScepFailInfo.BadRequest, now)];
    }

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
    public RequestStep CurrentStep(bool haveChallenge = true) => this switch
    {
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
            : new ScepNotification(r.TransactionId, r.CsrDer, false, r.CallerInfo, HResult: unchecked((int)0x80094800),
                ErrorDescription: Truncate($"{Rejection!.Reason.Code}: {Rejection.Reason.Message}", 255));
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    // ---- Apply --------------------------------------------------------------------------------

    public ScepRequestState Apply(IConnectorEvent e) => e switch
    {
        ScepRequestReceived r => this with
        {
            Status = ScepStatus.Received, Received = r,
            History = History.Add(new(r.At, "Received", $"transaction {r.TransactionId}{(r.RenewalOf is null ? "" : " (renewal)")}")),
        },
        ScepRequestVerified v => Settled(this with { Status = ScepStatus.Verified, History = History.Add(new(v.At, "Verified", v.Detail)) }),
        ScepRequestRejected r => Settled(this with
        {
            Status = ScepStatus.Rejected, Rejection = r,
            History = History.Add(new(r.At, "Rejected", $"{r.Stage}: {r.Reason.Code}: {r.Reason.Message}")),
        }),
        ScepCertificateIssued i => Settled(this with
        {
            Status = ScepStatus.Issued, Issued = i, History = History.Add(new(i.At, "Issued", $"serial {i.SerialNumber}")),
        }),
        ScepAttemptFailed f => this with
        {
            Retry = RetryState<ScepStage>.From(f),
            History = History.Add(new(f.At, "AttemptFailed", $"{f.Stage} attempt {f.Attempt}: {f.Reason.Code}: {f.Reason.Message}")),
        },
        ScepServiceNotified n => Settled(this with { Status = ScepStatus.Notified, Notified = true, History = History.Add(new(n.At, "Notified", "service told the outcome")) }),
        _ => this,
    };

    /// <summary>A step succeeded: the retry bookkeeping of the previous step is over.</summary>
    private static ScepRequestState Settled(ScepRequestState s) => s with { Retry = null };

    public ScepRequestView ToView() => new(RequestId, Status != ScepStatus.New, Status.ToString(), Received?.TransactionId,
        Issued?.SerialNumber, Notified, Retry is { Stage: ScepStage.Notify } r ? r.Attempts : 0, History);

    /// <summary>The shared view: never the CSR or its challenge, only the issued certificate's identifiers.</summary>
    public RequestView ToRequestView()
    {
        if (Status == ScepStatus.New) return RequestView.Unknown(ScepHosting.Role, RequestId);
        var error = Rejection?.Reason ?? Retry?.LastError;
        return new(ScepHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, error?.Code, error?.Message,
            Issued?.SerialNumber, Issued?.Thumbprint, Issued?.NotAfter, Notified);
    }
}
