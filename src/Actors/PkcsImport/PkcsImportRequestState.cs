using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PkcsImport;

public enum PkcsImportStatus { New, Downloaded, Reencrypted, FailedAttempt, Failed, Uploaded }

/// <summary>The import steps; waiting and nothing-to-do are the shared <see cref="RequestStep"/>s.</summary>
public abstract record PkcsImportNextStep : RequestStep
{
    public sealed record Reencrypt : PkcsImportNextStep;
    public sealed record Upload(PkcsImportResult Outcome) : PkcsImportNextStep;
}

/// <summary>
/// One PKCS import: Downloaded → Reencrypted → Uploaded, with FailedAttempt and the terminal Failed (still uploaded, as a
/// failure). Pure: Decide turns an outcome into events, Apply folds an event in. The state holds the device-addressed
/// envelope only, never the password.
/// </summary>
public sealed record PkcsImportRequestState
{
    public string RequestId { get; init; } = "";
    public PkcsImportStatus Status { get; init; } = PkcsImportStatus.New;
    public PkcsImportRequest? Request { get; init; }
    public PfxPasswordReencrypted? Reencrypted { get; init; }
    public PkcsImportFailed? Failure { get; init; }
    public RetryState<PkcsImportStage>? Retry { get; init; }
    public bool ResultUploaded { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static PkcsImportRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool IsTerminal => ResultUploaded;

    // ---- Decide -------------------------------------------------------------------------------

    public IReadOnlyList<IConnectorEvent> DecideStart(PkcsImportRequest request, DateTimeOffset now) =>
        Status == PkcsImportStatus.New ? [new PkcsImportRequestDownloaded(request.RequestId, request, now)] : [];

    public IReadOnlyList<IConnectorEvent> DecideReencrypted(byte[] encryptedPassword, DateTimeOffset now) =>
        StepAfterWait() is PkcsImportNextStep.Reencrypt ? [new PfxPasswordReencrypted(RequestId, encryptedPassword, now)] : [];

    /// <summary>Re-encrypting retries a retryable error (this instance lacks the connector key) up to the limit; a final error
    /// (padding, wrong password, incomplete PFX, bad device certificate) fails at once. Uploads are never given up.</summary>
    public IReadOnlyList<IConnectorEvent> DecideFailure(PkcsImportStage stage, FailureReason reason, RetryPolicy policy, DateTimeOffset now, double random01)
    {
        if (stage == PkcsImportStage.Upload && !reason.Retryable) return [];
        return Attempts.Decide(Retry, stage, reason, policy, now, random01, neverGiveUp: stage == PkcsImportStage.Upload) switch
        {
            AttemptDecision.RetryAt r => [new PkcsImportAttemptFailed(RequestId, stage, r.Attempt, reason, r.NextAttemptAt, now)],
            AttemptDecision.GiveUp g => [new PkcsImportFailed(RequestId, g.Reason, now)],
            _ => [],
        };
    }

    public IReadOnlyList<IConnectorEvent> DecideUploaded(DateTimeOffset now) =>
        StepAfterWait() is PkcsImportNextStep.Upload up ? [new PkcsImportResultUploaded(RequestId, up.Outcome.Succeeded, now)] : [];

    public RequestStep NextStep()
    {
        if (ResultUploaded || Request is null) return new RequestStep.Nothing();
        if (Status == PkcsImportStatus.FailedAttempt && Retry is { } retry) return new RequestStep.WaitUntil(retry.NextAttemptAt);
        if (Failure is { } f) return new PkcsImportNextStep.Upload(new(RequestId, false, f.Reason.Code, f.Reason.Message));
        if (Reencrypted is { } r) return new PkcsImportNextStep.Upload(new(RequestId, true, EncryptedPassword: r.EncryptedPassword));
        return new PkcsImportNextStep.Reencrypt();
    }

    public RequestStep StepAfterWait() => (this with { Status = PkcsImportStatus.Downloaded }).NextStep();

    // ---- Apply --------------------------------------------------------------------------------

    public PkcsImportRequestState Apply(IConnectorEvent e) => e switch
    {
        PkcsImportRequestDownloaded d => this with
        {
            Status = PkcsImportStatus.Downloaded, Request = d.Request,
            History = History.Add(new(d.At, "Downloaded", $"upn={d.Request.UserPrincipalName} padding={d.Request.PaddingScheme}")),
        },
        PfxPasswordReencrypted r => this with
        {
            Status = PkcsImportStatus.Reencrypted, Reencrypted = r, Retry = null,
            History = History.Add(new(r.At, "Reencrypted", "password checked against the PFX and enveloped to the device certificate")),
        },
        PkcsImportAttemptFailed f => this with
        {
            Status = PkcsImportStatus.FailedAttempt, Retry = RetryState<PkcsImportStage>.From(f),
            History = History.AddFailedAttempt(f),
        },
        PkcsImportFailed f => this with
        {
            Status = PkcsImportStatus.Failed, Failure = f, Retry = null,
            History = History.Add(new(f.At, "Failed", $"{f.Reason.Code}: {f.Reason.Message}")),
        },
        PkcsImportResultUploaded u => this with
        {
            Status = u.Succeeded ? PkcsImportStatus.Uploaded : PkcsImportStatus.Failed, ResultUploaded = true, Retry = null,
            History = History.Add(new(u.At, "Uploaded", u.Succeeded ? "success result uploaded" : "failure result uploaded")),
        },
        _ => this,
    };

    /// <summary>The shared view (requests show): an import issues no certificate, so no serial.</summary>
    public RequestView ToRequestView()
    {
        if (Status == PkcsImportStatus.New || Request is null) return RequestView.Unknown(PkcsImportHosting.Role, RequestId);
        var error = Failure?.Reason ?? Retry?.LastError;
        return new(PkcsImportHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, error?.Code, error?.Message,
            null, null, null, ResultUploaded, History, new PkcsImportViewDetails(Request.UserPrincipalName, Request.PaddingScheme,
                Failure?.Reason ?? (Status == PkcsImportStatus.FailedAttempt ? Retry?.LastError : null)));
    }
}
