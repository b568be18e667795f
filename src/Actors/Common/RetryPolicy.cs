namespace CertConnector.Actors.Common;

/// <summary>
/// Exponential backoff with jitter. Pure: the caller passes the random number, so the state machine
/// stays replayable and tests can pin it. "Equal jitter": half the delay is fixed, half is random, so a
/// retry is never immediate and many requests failing at once do not retry in lock-step.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static RetryPolicy Default { get; } = new(5, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));

    /// <param name="attempt">1 for the first failure.</param>
    /// <param name="random01">a number in [0, 1).</param>
    public TimeSpan DelayFor(int attempt, double random01)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var full = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(full / 2 + full / 2 * Math.Clamp(random01, 0, 1));
    }
}
