using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PfxImport;

public enum PfxImportStatus { New, Downloaded, Reencrypted, FailedAttempt, Failed, Uploaded }

/// <summary>The import steps; waiting and nothing-to-do are the shared <see cref="RequestStep"/>s.</summary>
public abstract record PfxImportNextStep : RequestStep
{
    public sealed record Reencrypt : PfxImportNextStep;
    public sealed record Upload(PfxImportResult Outcome) : PfxImportNextStep;
}

/// <summary>
/// One PKCS import: Downloaded → Reencrypted → Uploaded, with FailedAttempt and the terminal Failed (still uploaded, as a
/// failure). Pure: Decide turns an outcome into events, Apply folds an event in. The state holds the device-addressed
/// envelope only, never the password.
/// </summary>
public sealed record PfxImportRequestState
{
    public string RequestId { get; init; } = "";
    public PfxImportStatus Status { get; init; } = PfxImportStatus.New;
    public PfxImportRequest? Request { get; init; }
    public PfxPasswordReencrypted? Reencrypted { get; init; }
    public PfxImportFailed? Failure { get; init; }
    public RetryState<PfxImportStage>? Retry { get; init; }
    public bool ResultUploaded { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static PfxImportRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool IsTerminal => ResultUploaded;

    // ---- Decide -------------------------------------------------------------------------------

    public IReadOnlyList<IConnectorEvent> DecideStart(PfxImportRequest request, DateTimeOffset now) =>
        Status == PfxImportStatus.New ? [new PfxImportRequestDownloaded(request.RequestId, request, now)] : [];

    public IReadOnlyList<IConnectorEvent> DecideReencrypted(byte[] encryptedPassword, DateTimeOffset now) =>
        StepAfterWait() is PfxImportNextStep.Reencrypt ? [new PfxPasswordReencrypted(RequestId, encryptedPassword, now)] : [];

    /// <summary>Re-encrypting retries a retryable error (this instance lacks the connector key) up to the limit; a final error
    /// (padding, wrong password, incomplete PFX, bad device certificate) fails at once. Uploads are never given up.</summary>
    public IReadOnlyList<IConnectorEvent> DecideFailure(PfxImportStage stage, FailureReason reason, RetryPolicy policy, DateTimeOffset now, double random01)
    {
        if (stage == PfxImportStage.Upload && !reason.Retryable) return [];
        return Attempts.Decide(Retry, stage, reason, policy, now, random01, neverGiveUp: stage == PfxImportStage.Upload) switch
        {
            AttemptDecision.RetryAt r => [new PfxImportAttemptFailed(RequestId, stage, r.Attempt, reason, r.NextAttemptAt, now)],
            AttemptDecision.GiveUp g => [new PfxImportFailed(RequestId, g.Reason, now)],
            _ => [],
        };
    }

    public IReadOnlyList<IConnectorEvent> DecideUploaded(DateTimeOffset now) =>
        StepAfterWait() is PfxImportNextStep.Upload up ? [new PfxImportResultUploaded(RequestId, up.Outcome.Succeeded, now)] : [];

    public RequestStep NextStep()
    {
        if (ResultUploaded || Request is null) return new RequestStep.Nothing();
        if (Status == PfxImportStatus.FailedAttempt && Retry is { } retry) return new RequestStep.WaitUntil(retry.NextAttemptAt);
        if (Failure is { } f) return new PfxImportNextStep.Upload(new(RequestId, false, f.Reason.Code, f.Reason.Message));
        if (Reencrypted is { } r) return new PfxImportNextStep.Upload(new(RequestId, true, EncryptedPassword: r.EncryptedPassword));
        return new PfxImportNextStep.Reencrypt();
    }

    public RequestStep StepAfterWait() => (this with { Status = PfxImportStatus.Downloaded }).NextStep();

    // ---- Apply --------------------------------------------------------------------------------

    public PfxImportRequestState Apply(IConnectorEvent e) => e switch
    {
        PfxImportRequestDownloaded d => this with
        {
            Status = PfxImportStatus.Downloaded, Request = d.Request,
            History = History.Add(new(d.At, "Downloaded", $"upn={d.Request.UserPrincipalName} padding={d.Request.PaddingScheme}")),
        },
        PfxPasswordReencrypted r => this with
        {
            Status = PfxImportStatus.Reencrypted, Reencrypted = r, Retry = null,
            History = History.Add(new(r.At, "Reencrypted", "password checked against the PFX and enveloped to the device certificate")),
        },
        PfxImportAttemptFailed f => this with
        {
            Status = PfxImportStatus.FailedAttempt, Retry = RetryState<PfxImportStage>.From(f),
            History = History.Add(new(f.At, "FailedAttempt", $"stage={f.Stage} attempt={f.Attempt} next={f.NextAttemptAt:O} {f.Reason.Code}: {f.Reason.Message}")),
        },
        PfxImportFailed f => this with
        {
            Status = PfxImportStatus.Failed, Failure = f, Retry = null,
            History = History.Add(new(f.At, "Failed", $"{f.Reason.Code}: {f.Reason.Message}")),
        },
        PfxImportResultUploaded u => this with
        {
            Status = u.Succeeded ? PfxImportStatus.Uploaded : PfxImportStatus.Failed, ResultUploaded = true, Retry = null,
            History = History.Add(new(u.At, "Uploaded", u.Succeeded ? "success result uploaded" : "failure result uploaded")),
        },
        _ => this,
    };

    /// <summary>The shared view (requests show): an import issues no certificate, so no serial.</summary>
    public RequestView ToRequestView()
    {
        if (Status == PfxImportStatus.New) return RequestView.Unknown(PfxImportHosting.Role, RequestId);
        var error = Failure?.Reason ?? Retry?.LastError;
        return new(PfxImportHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, error?.Code, error?.Message,
            null, null, null, ResultUploaded);
    }

    public PfxImportRequestView ToView() => new(RequestId, Status != PfxImportStatus.New, Status.ToString(), Request?.UserPrincipalName,
        Request?.PaddingScheme, Retry?.Attempts ?? 0, Retry?.NextAttemptAt,
        Failure?.Reason ?? (Status == PfxImportStatus.FailedAttempt ? Retry?.LastError : null), ResultUploaded, History);
}
