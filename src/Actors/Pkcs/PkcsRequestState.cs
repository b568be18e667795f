using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

public enum PkcsStatus { New, Downloaded, Issued, FailedAttempt, Failed, Uploaded }

/// <summary>What the actor should do next, derived from the state alone.</summary>
public abstract record PkcsNextStep
{
    public sealed record Issue : PkcsNextStep;
    public sealed record Upload(PkcsResult Outcome) : PkcsNextStep;
    public sealed record WaitUntil(DateTimeOffset At, PkcsStage Stage) : PkcsNextStep;
    public sealed record Nothing : PkcsNextStep;
}

/// <summary>
/// The state of one PKCS request: Downloaded → Issued → Uploaded, with FailedAttempt (persisted attempt
/// count and next attempt time) and the terminal Failed (still uploaded as a failure). Pure: Decide
/// turns an outcome into events, Apply folds an event in; timestamps come from the events, so replay
/// equals the live run.
/// </summary>
public sealed record PkcsRequestState
{
    public string RequestId { get; init; } = "";
    public PkcsStatus Status { get; init; } = PkcsStatus.New;
    public PkcsRequest? Request { get; init; }
    public PkcsCertificateIssued? Issued { get; init; }
    public FailureReason? Failure { get; init; }
    /// <summary>Failed attempts of the current stage (reset when a stage succeeds).</summary>
    public int Attempts { get; init; }
    public PkcsStage? RetryStage { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public FailureReason? LastError { get; init; }
    public bool ResultUploaded { get; init; }
    public ImmutableList<PkcsHistoryEntry> History { get; init; } = [];

    public static PkcsRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool IsTerminal => ResultUploaded;

    // ---- Decide -------------------------------------------------------------------------------

    /// <summary>A downloaded request is accepted once; any later copy changes nothing.</summary>
    public IReadOnlyList<IConnectorEvent> DecideStart(PkcsRequest request, DateTimeOffset now) =>
        Status == PkcsStatus.New ? [new PkcsRequestDownloaded(request.RequestId, request, now)] : [];

    public IReadOnlyList<IConnectorEvent> DecideIssued(PkcsCertificateIssued issued) =>
        StepAfterWait() is PkcsNextStep.Issue ? [issued] : [];

    /// <summary>
    /// A failed step: a final error fails the request; a retryable one schedules another attempt until
    /// the policy's limit, then fails the request. Uploads are never given up: they only have a result to
    /// deliver, and giving up would leave the service waiting forever, so they retry at the capped delay.
    /// </summary>
    public IReadOnlyList<IConnectorEvent> DecideFailure(PkcsStage stage, FailureReason reason, RetryPolicy policy,
        DateTimeOffset now, double random01)
    {
        var attempt = (RetryStage == stage ? Attempts : 0) + 1;
        var retry = reason.Retryable && (stage == PkcsStage.Upload || attempt < policy.MaxAttempts);
        if (retry)
            return [new PkcsAttemptFailed(RequestId, stage, attempt, reason, now + policy.DelayFor(attempt, random01), now)];
        if (stage == PkcsStage.Upload)
            return []; // a final upload error: nothing else can be done; the next download retries it
        var final = reason.Retryable
            ? reason with { Message = $"Gave up after {attempt} attempts: {reason.Message}", Retryable = false }
            : reason;
        return [new PkcsRequestFailed(RequestId, final, now)];
    }

    public IReadOnlyList<IConnectorEvent> DecideUploaded(DateTimeOffset now) =>
        StepAfterWait() is PkcsNextStep.Upload up ? [new PkcsResultUploaded(RequestId, up.Outcome.Succeeded, now)] : [];

    /// <summary>The next thing to do, from the state alone (used after every event and after recovery).</summary>
    public PkcsNextStep NextStep()
    {
        if (ResultUploaded || Request is null) return new PkcsNextStep.Nothing();
        if (Status == PkcsStatus.FailedAttempt && NextAttemptAt is { } at && RetryStage is { } stage)
            return new PkcsNextStep.WaitUntil(at, stage);
        if (Failure is not null) return new PkcsNextStep.Upload(FailureResult());
        if (Issued is not null) return new PkcsNextStep.Upload(SuccessResult(Issued));
        return new PkcsNextStep.Issue();
    }

    /// <summary>The step being worked on, ignoring any retry wait: what a retry runs again, and what an
    /// outcome must belong to.</summary>
    public PkcsNextStep StepAfterWait() => (this with { Status = StatusWithoutRetry(), NextAttemptAt = null }).NextStep();

    private PkcsStatus StatusWithoutRetry() =>
        Failure is not null ? PkcsStatus.Failed : Issued is not null ? PkcsStatus.Issued : PkcsStatus.Downloaded;

    private PkcsResult FailureResult() => new(RequestId, false, Failure!.Code, Failure.Message);

    private static PkcsResult SuccessResult(PkcsCertificateIssued i) => new(i.RequestId, true,
        EncryptedPfx: i.EncryptedPfx, EncryptedPassword: i.EncryptedPassword, CertificateDer: i.CertificateDer,
        CertificateThumbprint: i.Thumbprint, SerialNumber: i.SerialNumber, ExpirationDateUtc: i.NotAfter);

    // ---- Apply --------------------------------------------------------------------------------

    public PkcsRequestState Apply(IConnectorEvent e) => e switch
    {
        PkcsRequestDownloaded d => this with
        {
            Status = PkcsStatus.Downloaded, Request = d.Request,
            History = History.Add(new(d.At, "Downloaded", $"subject={d.Request.SubjectName} template={d.Request.TemplateName} key={d.Request.KeySpec}")),
        },
        PkcsCertificateIssued i => this with
        {
            Status = PkcsStatus.Issued, Issued = i, Attempts = 0, RetryStage = null, NextAttemptAt = null,
            History = History.Add(new(i.At, "Issued", $"serial={i.SerialNumber} thumbprint={i.Thumbprint} notAfter={i.NotAfter:O}")),
        },
        PkcsAttemptFailed f => this with
        {
            Status = PkcsStatus.FailedAttempt, Attempts = f.Attempt, RetryStage = f.Stage, NextAttemptAt = f.NextAttemptAt,
            LastError = f.Reason,
            History = History.Add(new(f.At, "FailedAttempt", $"stage={f.Stage} attempt={f.Attempt} next={f.NextAttemptAt:O} {f.Reason.Code}: {f.Reason.Message}")),
        },
        PkcsRequestFailed f => this with
        {
            Status = PkcsStatus.Failed, Failure = f.Reason, Attempts = 0, RetryStage = null, NextAttemptAt = null,
            History = History.Add(new(f.At, "Failed", $"{f.Reason.Code}: {f.Reason.Message}")),
        },
        PkcsResultUploaded u => this with
        {
            Status = u.Succeeded ? PkcsStatus.Uploaded : PkcsStatus.Failed, ResultUploaded = true,
            Attempts = 0, RetryStage = null, NextAttemptAt = null,
            History = History.Add(new(u.At, "Uploaded", u.Succeeded ? "success result uploaded" : "failure result uploaded")),
        },
        _ => this,
    };

    public PkcsRequestView ToView() => new(RequestId, Status != PkcsStatus.New, Status.ToString(), Attempts,
        Failure ?? (Status == PkcsStatus.FailedAttempt ? LastError : null), NextAttemptAt,
        Issued?.SerialNumber, Issued?.Thumbprint, ResultUploaded, History);
}
