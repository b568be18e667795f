using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Revocation;

public enum RevocationStatus { New, Downloaded, Revoked, FailedAttempt, Failed, Uploaded }

/// <summary>The revocation steps; waiting and nothing-to-do are the shared <see cref="RequestStep"/>s.</summary>
public abstract record RevocationNextStep : RequestStep
{
    public sealed record Revoke : RevocationNextStep;
    public sealed record Upload(RevocationRequestResult Outcome) : RevocationNextStep;
}

/// <summary>
/// One revocation: Downloaded → Revoked → Uploaded, with FailedAttempt (persisted count and time) and the terminal
/// Failed (still uploaded, as a failure). The service's error codes (docs/DESIGN.md §8) are decided here: already revoked is
/// success with 4005, an unknown serial fails with 4004. Pure: Decide turns an outcome into events, Apply folds
/// an event in; timestamps come from the events.
/// </summary>
public sealed record RevocationRequestState
{
    public const string AlreadyRevokedCode = "4005";
    public const string NotFoundCode = "4004";
    public const string GaveUpCode = "4100";
    public const string FinalErrorCode = "4000";

    public string RequestId { get; init; } = "";
    public RevocationStatus Status { get; init; } = RevocationStatus.New;
    public RevocationRequest? Request { get; init; }
    public CertificateRevoked? Revoked { get; init; }
    public RevocationFailed? Failure { get; init; }
    public RetryState<RevocationStage>? Retry { get; init; }
    public bool ResultUploaded { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static RevocationRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool IsTerminal => ResultUploaded;

    // ---- Decide -------------------------------------------------------------------------------

    /// <summary>A downloaded revocation is accepted once; any later copy changes nothing.</summary>
    public IReadOnlyList<IConnectorEvent> DecideStart(RevocationRequest request, DateTimeOffset now) =>
        Status == RevocationStatus.New ? [new RevocationRequestDownloaded(request.RequestId, request, now)] : [];

    public IReadOnlyList<IConnectorEvent> DecideRevoked(RevocationResult result, DateTimeOffset now, string? ca = null) =>
        StepAfterWait() is RevocationNextStep.Revoke ? [new CertificateRevoked(RequestId, result == RevocationResult.AlreadyRevoked, now, ca)] : [];

    /// <summary>
    /// Revoking retries a retryable error (CA unreachable) up to the policy's limit, then fails; a final error (an
    /// unknown serial) fails at once. Uploads are never given up (they only deliver a decided outcome); a final
    /// upload error waits for the next download of the request.
    /// </summary>
    public IReadOnlyList<IConnectorEvent> DecideFailure(RevocationStage stage, FailureReason reason, RetryPolicy policy, DateTimeOffset now, double random01)
    {
        if (stage == RevocationStage.Upload && !reason.Retryable) return [];
        return Attempts.Decide(Retry, stage, reason, policy, now, random01, neverGiveUp: stage == RevocationStage.Upload) switch
        {
            AttemptDecision.RetryAt r => [new RevocationAttemptFailed(RequestId, stage, r.Attempt, reason, r.NextAttemptAt, now)],
            AttemptDecision.GiveUp g => [new RevocationFailed(RequestId, g.Reason, ServiceCode(reason), now)],
            _ => [],
        };
    }

    private static string ServiceCode(FailureReason reason) =>
        reason.Code == ICertificateRevoker.NotFoundCode ? NotFoundCode : reason.Retryable ? GaveUpCode : FinalErrorCode;

    public IReadOnlyList<IConnectorEvent> DecideUploaded(DateTimeOffset now) =>
        StepAfterWait() is RevocationNextStep.Upload up ? [new RevocationResultUploaded(RequestId, up.Outcome.Succeeded, now)] : [];

    /// <summary>The next thing to do, from the state alone (after every event and after recovery).</summary>
    public RequestStep NextStep()
    {
        if (ResultUploaded || Request is null) return new RequestStep.Nothing();
        if (Status == RevocationStatus.FailedAttempt && Retry is { } retry) return new RequestStep.WaitUntil(retry.NextAttemptAt);
        if (Failure is { } f) return new RevocationNextStep.Upload(new(RequestId, false, f.ErrorCode, $"{f.Reason.Code}: {f.Reason.Message}"));
        if (Revoked is { } r)
            return new RevocationNextStep.Upload(r.AlreadyRevoked
                ? new(RequestId, true, AlreadyRevokedCode, "The certificate was already revoked.")
                : new(RequestId, true));
        return new RevocationNextStep.Revoke();
    }

    /// <summary>The step being worked on, ignoring a retry wait.</summary>
    public RequestStep StepAfterWait() => (this with { Status = RevocationStatus.Downloaded }).NextStep();

    // ---- Apply --------------------------------------------------------------------------------

    public RevocationRequestState Apply(IConnectorEvent e) => e switch
    {
        RevocationRequestDownloaded d => this with
        {
            Status = RevocationStatus.Downloaded, Request = d.Request,
            History = History.Add(new(d.At, "Downloaded", $"serial={d.Request.SerialNumber} reason={d.Request.Reason}")),
        },
        CertificateRevoked r => this with
        {
            Status = RevocationStatus.Revoked, Revoked = r, Retry = null,
            History = History.Add(new(r.At, "Revoked", (r.AlreadyRevoked ? "already revoked at the CA (reported as 4005)" : "revoked at the CA") + (r.Ca is { } ca ? $" '{ca}'" : ""))),
        },
        RevocationAttemptFailed f => this with
        {
            Status = RevocationStatus.FailedAttempt, Retry = RetryState<RevocationStage>.From(f),
            History = History.AddFailedAttempt(f),
        },
        RevocationFailed f => this with
        {
            Status = RevocationStatus.Failed, Failure = f, Retry = null,
            History = History.Add(new(f.At, "Failed", $"{f.ErrorCode} {f.Reason.Code}: {f.Reason.Message}")),
        },
        RevocationResultUploaded u => this with
        {
            Status = u.Succeeded ? RevocationStatus.Uploaded : RevocationStatus.Failed, ResultUploaded = true, Retry = null,
            History = History.Add(new(u.At, "Uploaded", u.Succeeded ? "success result uploaded" : "failure result uploaded")),
        },
        _ => this,
    };

    /// <summary>The shared view; the serial is the one to revoke.</summary>
    public RequestView ToRequestView()
    {
        if (Status == RevocationStatus.New || Request is null) return RequestView.Unknown(RevocationHosting.Role, RequestId);
        var error = Failure?.Reason ?? Retry?.LastError;
        var resultCode = Failure?.ErrorCode ?? (Revoked?.AlreadyRevoked == true ? AlreadyRevokedCode : null);
        return new(RevocationHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, resultCode ?? error?.Code,
            error?.Message, Request.SerialNumber, null, null, ResultUploaded, History, new RevocationViewDetails(Request.Reason,
                Failure?.Reason ?? (Status == RevocationStatus.FailedAttempt ? Retry?.LastError : null), resultCode));
    }
}
