namespace CertConnector.Actors.Common;

/// <summary>One line of a request's history, for <c>pkcs show</c>, <c>revocation show</c> and the SCEP view.</summary>
public sealed record HistoryEntry(DateTimeOffset At, string Event, string Detail);

/// <summary>
/// The data every feature's attempt-failed event carries. Each feature keeps its own event type (and journal
/// manifest), so old journals replay unchanged; this interface lets one <see cref="RetryState{TStage}"/> fold them all.
/// </summary>
public interface IAttemptFailed<TStage> : IConnectorEvent where TStage : struct, Enum
{
    TStage Stage { get; }
    int Attempt { get; }
    FailureReason Reason { get; }
    DateTimeOffset NextAttemptAt { get; }
}

/// <summary>
/// The retry bookkeeping of the step in progress: which stage failed, how often in a row, when it runs again,
/// and why it failed last. Null in a state when no step is failing. Persisted only through the attempt-failed
/// events, so a restart keeps the count and the schedule.
/// </summary>
public sealed record RetryState<TStage>(TStage Stage, int Attempts, DateTimeOffset NextAttemptAt, FailureReason LastError)
    where TStage : struct, Enum
{
    public static RetryState<TStage> From(IAttemptFailed<TStage> e) => new(e.Stage, e.Attempt, e.NextAttemptAt, e.Reason);
}

/// <summary>What to do after a step failed: try again at a time, or give up with a final reason.</summary>
public abstract record AttemptDecision
{
    public sealed record RetryAt(int Attempt, DateTimeOffset NextAttemptAt) : AttemptDecision;
    public sealed record GiveUp(int Attempt, FailureReason Reason) : AttemptDecision;
}

/// <summary>The one rule for failed attempts, shared by every feature's state.</summary>
public static class Attempts
{
    /// <summary>
    /// A final error gives up at once. A retryable one is retried with backoff until the policy's limit, then
    /// given up ("Gave up after N attempts"). <paramref name="neverGiveUp"/> is for steps that only deliver an
    /// outcome already decided (uploads, notifications): giving up would leave the service waiting forever.
    /// </summary>
    public static AttemptDecision Decide<TStage>(RetryState<TStage>? current, TStage stage, FailureReason reason, RetryPolicy policy,
        DateTimeOffset now, double random01, bool neverGiveUp = false) where TStage : struct, Enum
    {
        var attempt = (current is { } c && EqualityComparer<TStage>.Default.Equals(c.Stage, stage) ? c.Attempts : 0) + 1;
        if (neverGiveUp || (reason.Retryable && attempt < policy.MaxAttempts))
            return new AttemptDecision.RetryAt(attempt, now + policy.DelayFor(attempt, random01));
        var final = reason.Retryable
            ? reason with { Message = $"Gave up after {attempt} attempts: {reason.Message}", Retryable = false }
            : reason;
        return new AttemptDecision.GiveUp(attempt, final);
    }
}
