using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace CertConnector.Actors.Common;

/// <summary>One line of a request's history, for <c>pkcs show</c>, <c>revocation show</c> and the SCEP view.</summary>
public sealed record HistoryEntry(DateTimeOffset At, string Event, string Detail)
{
    /// <summary>For a failed attempt's line: its stage and number (<see cref="RequestHistory.AddFailedAttempt"/>). Not shown.</summary>
    [JsonIgnore] public (string Stage, int Attempt)? FailedAttempt { get; init; }
}

/// <summary>
/// A request's history stays short however long a step keeps failing: a run of failed attempts of one stage is shown as
/// its first line and its latest, which says how many lines it stands for. An upload retried every few minutes through
/// a week's outage used to add thousands of lines, in memory, to every actor waiting on it (the journal keeps every
/// event regardless).
/// </summary>
public static class RequestHistory
{
    /// <summary>The usual line: <c>stage=Issue attempt=3 next=... Code: message</c>.</summary>
    public static ImmutableList<HistoryEntry> AddFailedAttempt<TStage>(this ImmutableList<HistoryEntry> history, IAttemptFailed<TStage> f)
        where TStage : struct, Enum =>
        history.AddFailedAttempt(f, "FailedAttempt", $"stage={f.Stage} attempt={f.Attempt} next={f.NextAttemptAt:O} {f.Reason.Code}: {f.Reason.Message}");

    public static ImmutableList<HistoryEntry> AddFailedAttempt<TStage>(this ImmutableList<HistoryEntry> history, IAttemptFailed<TStage> f,
        string eventName, string detail) where TStage : struct, Enum
    {
        var stage = f.Stage.ToString();
        if (history is [.., { FailedAttempt: { } first }, { FailedAttempt: { } latest }] && first.Stage == stage && latest.Stage == stage
            && latest.Attempt < f.Attempt)
        {
            var notListed = first.Attempt + 1 == f.Attempt - 1 ? $"attempt {first.Attempt + 1}" : $"attempts {first.Attempt + 1}-{f.Attempt - 1}";
            return history.SetItem(history.Count - 1, new HistoryEntry(f.At, eventName, $"{detail} ({notListed} not listed)")
                { FailedAttempt = (stage, f.Attempt) });
        }
        return history.Add(new HistoryEntry(f.At, eventName, detail) { FailedAttempt = (stage, f.Attempt) });
    }
}

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
