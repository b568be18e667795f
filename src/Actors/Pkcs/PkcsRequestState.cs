using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

public enum PkcsStatus { New, Downloaded, Issued, FailedAttempt, Failed, Uploaded }

/// <summary>The PKCS steps; waiting and nothing-to-do are the shared <see cref="RequestStep"/>s.</summary>
public abstract record PkcsNextStep : RequestStep
{
    public sealed record Issue : PkcsNextStep;
    public sealed record Upload(PkcsResult Outcome) : PkcsNextStep;
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
    /// <summary>The key and CSR made for a CA outside this process, until the certificate is issued (then dropped).</summary>
    public PkcsKeyMade? KeyMade { get; init; }
    public FailureReason? Failure { get; init; }
    /// <summary>Failed attempts of the current stage (null again when a stage succeeds).</summary>
    public RetryState<PkcsStage>? Retry { get; init; }
    public bool ResultUploaded { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static PkcsRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool IsTerminal => ResultUploaded;

    // ---- Decide -------------------------------------------------------------------------------

    /// <summary>A downloaded request is accepted once; any later copy changes nothing.</summary>
    public IReadOnlyList<IConnectorEvent> DecideStart(PkcsRequest request, DateTimeOffset now) =>
        Status == PkcsStatus.New ? [new PkcsRequestDownloaded(request.RequestId, request, now)] : [];

    /// <summary>The key for an outside CA is made once: a second one (a late result) changes nothing.</summary>
    public IReadOnlyList<IConnectorEvent> DecideKeyMade(PkcsKeyMade made) =>
        StepAfterWait() is PkcsNextStep.Issue && KeyMade is null ? [made] : [];

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
        if (stage == PkcsStage.Upload && !reason.Retryable)
            return []; // a final upload error: nothing else can be done; the next download retries it
        return Attempts.Decide(Retry, stage, reason, policy, now, random01, neverGiveUp: stage == PkcsStage.Upload) switch
        {
            AttemptDecision.RetryAt r => [new PkcsAttemptFailed(RequestId, stage, r.Attempt, reason, r.NextAttemptAt, now)],
            AttemptDecision.GiveUp g => [new PkcsRequestFailed(RequestId, g.Reason, now)],
            _ => [],
        };
    }

    public IReadOnlyList<IConnectorEvent> DecideUploaded(DateTimeOffset now) =>
        StepAfterWait() is PkcsNextStep.Upload up ? [new PkcsResultUploaded(RequestId, up.Outcome.Succeeded, now)] : [];

    /// <summary>The next thing to do, from the state alone (used after every event and after recovery).</summary>
    public RequestStep NextStep()
    {
        if (ResultUploaded || Request is null) return new RequestStep.Nothing();
        if (Status == PkcsStatus.FailedAttempt && Retry is { } retry)
            return new RequestStep.WaitUntil(retry.NextAttemptAt);
        if (Failure is not null) return new PkcsNextStep.Upload(FailureResult());
        if (Issued is not null) return new PkcsNextStep.Upload(SuccessResult(Issued));
        return new PkcsNextStep.Issue();
    }

    /// <summary>The step being worked on, ignoring any retry wait: what a retry runs again, and what an
    /// outcome must belong to.</summary>
    public RequestStep StepAfterWait() => (this with { Status = StatusWithoutRetry() }).NextStep();

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
            History = History.Add(new(d.At, "Downloaded", $"subject={d.Request.SubjectName} template={d.Request.TemplateName} key={d.Request.KeySpec} ca={d.Request.Ca}")),
        },
        PkcsKeyMade k => this with
        {
            KeyMade = k,
            History = History.Add(new(k.At, "KeyMade", "key and CSR made for the CA; a retry sends the same CSR")),
        },
        PkcsCertificateIssued i => this with
        {
            Status = PkcsStatus.Issued, Issued = i, Retry = null, KeyMade = null,
            History = History.Add(new(i.At, "Issued", $"serial={i.SerialNumber} thumbprint={i.Thumbprint} notAfter={i.NotAfter:O}")),
        },
        PkcsAttemptFailed f => this with
        {
            Status = PkcsStatus.FailedAttempt, Retry = RetryState<PkcsStage>.From(f),
            History = History.AddFailedAttempt(f),
        },
        PkcsRequestFailed f => this with
        {
            Status = PkcsStatus.Failed, Failure = f.Reason, Retry = null,
            History = History.Add(new(f.At, "Failed", $"{f.Reason.Code}: {f.Reason.Message}")),
        },
        PkcsResultUploaded u => this with
        {
            Status = u.Succeeded ? PkcsStatus.Uploaded : PkcsStatus.Failed, ResultUploaded = true,
            Retry = null,
            History = History.Add(new(u.At, "Uploaded", u.Succeeded ? "success result uploaded" : "failure result uploaded")),
        },
        _ => this,
    };

    public RequestView ToRequestView()
    {
        if (Status == PkcsStatus.New || Request is null) return RequestView.Unknown(PkcsHosting.Role, RequestId);
        var error = Failure ?? Retry?.LastError;
        return new(PkcsHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, error?.Code, error?.Message,
            Issued?.SerialNumber, Issued?.Thumbprint, Issued?.NotAfter, ResultUploaded, History,
            new PkcsViewDetails(Request.SubjectName, Request.TemplateName, Request.KeySpec.ToString(),
                Failure ?? (Status == PkcsStatus.FailedAttempt ? Retry?.LastError : null), Request.Ca));
    }
}
