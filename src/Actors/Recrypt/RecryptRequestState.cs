using System.Collections.Immutable;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Recrypt;

public enum RecryptStatus { New, Downloaded, Decrypted, Reencrypted, FailedAttempt, Failed, Uploaded }

/// <summary>The recrypt steps. Decrypting and re-encrypting run as one step, so the plaintext never outlives it.</summary>
public abstract record RecryptNextStep : RequestStep
{
    public sealed record Recrypt : RecryptNextStep;
    public sealed record Upload(RecryptResult Outcome) : RecryptNextStep;
}

/// <summary>
/// One re-encrypt request: Downloaded → Decrypted → Reencrypted → Uploaded, with FailedAttempt and the terminal Failed
/// (uploaded as a failure). Decrypted holds no content; a state that stands at Decrypted (its plaintext gone with a
/// restart) decrypts again. Pure: Decide turns an outcome into events, Apply folds an event in.
/// </summary>
public sealed record RecryptRequestState
{
    public string RequestId { get; init; } = "";
    public RecryptStatus Status { get; init; } = RecryptStatus.New;
    public RecryptRequest? Request { get; init; }
    public bool Decrypted { get; init; }
    public RecryptPayloadReencrypted? Reencrypted { get; init; }
    public RecryptFailed? Failure { get; init; }
    public RetryState<RecryptStage>? Retry { get; init; }
    public bool ResultUploaded { get; init; }
    public ImmutableList<HistoryEntry> History { get; init; } = [];

    public static RecryptRequestState Empty(string requestId) => new() { RequestId = requestId };

    public bool IsTerminal => ResultUploaded;

    // ---- Decide -------------------------------------------------------------------------------

    public IReadOnlyList<IConnectorEvent> DecideStart(RecryptRequest request, DateTimeOffset now) =>
        Status == RecryptStatus.New ? [new RecryptRequestDownloaded(request.RequestId, request, now)] : [];

    /// <summary>Both halves of the step succeeded: Decrypted (once) and Reencrypted, persisted together.</summary>
    public IReadOnlyList<IConnectorEvent> DecideRecrypted(int contentLength, byte[] encryptedPayload, DateTimeOffset now) =>
        StepAfterWait() is RecryptNextStep.Recrypt ? [.. DecryptedOnce(contentLength, now), new RecryptPayloadReencrypted(RequestId, encryptedPayload, now)] : [];

    /// <summary>The payload opened but could not be enveloped to the recipient: Decrypted (once), then the failure decided for Reencrypt.</summary>
    public IReadOnlyList<IConnectorEvent> DecideReencryptFailed(int contentLength, FailureReason reason, RetryPolicy policy, DateTimeOffset now, double random01)
    {
        if (StepAfterWait() is not RecryptNextStep.Recrypt) return [];
        var decrypted = DecryptedOnce(contentLength, now);
        var after = decrypted.Aggregate(this, (s, e) => s.Apply(e));
        return [.. decrypted, .. after.DecideFailure(RecryptStage.Reencrypt, reason, policy, now, random01)];
    }

    /// <summary>Retryable errors (this instance lacks the connector key) retry up to the limit; anything about the input
    /// (not addressed to the connector key, damaged, an unusable recipient) fails at once. Uploads are never given up.</summary>
    public IReadOnlyList<IConnectorEvent> DecideFailure(RecryptStage stage, FailureReason reason, RetryPolicy policy, DateTimeOffset now, double random01)
    {
        if (stage == RecryptStage.Upload && !reason.Retryable) return [];
        return Attempts.Decide(Retry, stage, reason, policy, now, random01, neverGiveUp: stage == RecryptStage.Upload) switch
        {
            AttemptDecision.RetryAt r => [new RecryptAttemptFailed(RequestId, stage, r.Attempt, reason, r.NextAttemptAt, now)],
            AttemptDecision.GiveUp g => [new RecryptFailed(RequestId, stage, g.Reason, now)],
            _ => [],
        };
    }

    public IReadOnlyList<IConnectorEvent> DecideUploaded(DateTimeOffset now) =>
        StepAfterWait() is RecryptNextStep.Upload up ? [new RecryptResultUploaded(RequestId, up.Outcome.Succeeded, now)] : [];

    private IReadOnlyList<IConnectorEvent> DecryptedOnce(int contentLength, DateTimeOffset now) =>
        Decrypted ? [] : [new RecryptPayloadDecrypted(RequestId, contentLength, now)];

    public RequestStep NextStep()
    {
        if (ResultUploaded || Request is null) return new RequestStep.Nothing();
        if (Status == RecryptStatus.FailedAttempt && Retry is { } retry) return new RequestStep.WaitUntil(retry.NextAttemptAt);
        if (Failure is { } f) return new RecryptNextStep.Upload(new(RequestId, false, f.Reason.Code, $"{f.Stage}: {f.Reason.Message}"));
        if (Reencrypted is { } r) return new RecryptNextStep.Upload(new(RequestId, true, EncryptedPayload: r.EncryptedPayload));
        return new RecryptNextStep.Recrypt();
    }

    public RequestStep StepAfterWait() => (this with { Status = RecryptStatus.Downloaded }).NextStep();

    // ---- Apply --------------------------------------------------------------------------------

    public RecryptRequestState Apply(IConnectorEvent e) => e switch
    {
        RecryptRequestDownloaded d => this with
        {
            Status = RecryptStatus.Downloaded, Request = d.Request,
            History = History.Add(new(d.At, "Downloaded", $"payload {d.Request.EncryptedPayload.Length} bytes")),
        },
        RecryptPayloadDecrypted d => this with
        {
            Status = RecryptStatus.Decrypted, Decrypted = true,
            History = History.Add(new(d.At, "Decrypted", $"opened with the connector key ({d.ContentLength} bytes, kept in memory only)")),
        },
        RecryptPayloadReencrypted r => this with
        {
            Status = RecryptStatus.Reencrypted, Reencrypted = r, Retry = null,
            History = History.Add(new(r.At, "Reencrypted", "enveloped to the recipient certificate")),
        },
        RecryptAttemptFailed f => this with
        {
            Status = RecryptStatus.FailedAttempt, Retry = RetryState<RecryptStage>.From(f),
            History = History.AddFailedAttempt(f),
        },
        RecryptFailed f => this with
        {
            Status = RecryptStatus.Failed, Failure = f, Retry = null,
            History = History.Add(new(f.At, "Failed", $"stage={f.Stage} {f.Reason.Code}: {f.Reason.Message}")),
        },
        RecryptResultUploaded u => this with
        {
            Status = u.Succeeded ? RecryptStatus.Uploaded : RecryptStatus.Failed, ResultUploaded = true, Retry = null,
            History = History.Add(new(u.At, "Uploaded", u.Succeeded ? "success result uploaded" : "failure result uploaded")),
        },
        _ => this,
    };

    /// <summary>The shared view (requests show): a recrypt issues no certificate, so no serial; a failure names its stage.</summary>
    public RequestView ToRequestView()
    {
        if (Status == RecryptStatus.New) return RequestView.Unknown(RecryptHosting.Role, RequestId);
        var error = Failure?.Reason ?? Retry?.LastError;
        var message = Failure is { } f ? $"{f.Stage}: {f.Reason.Message}" : error?.Message;
        return new(RecryptHosting.Role, RequestId, true, Status.ToString(), Retry?.Attempts ?? 0, Retry?.NextAttemptAt, error?.Code, message,
            null, null, null, ResultUploaded, History, new RecryptViewDetails(
                Failure?.Reason ?? (Status == RecryptStatus.FailedAttempt ? Retry?.LastError : null), Failure?.Stage.ToString()));
    }
}
