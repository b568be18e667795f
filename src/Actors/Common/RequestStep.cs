namespace CertConnector.Actors.Common;

/// <summary>
/// What a request actor should do next, derived from its state alone. The two steps every feature has are
/// here; each feature derives its own work steps (issue, revoke, upload, ...) from this record.
/// </summary>
public abstract record RequestStep
{
    /// <summary>A step failed and runs again at <see cref="At"/>.</summary>
    public sealed record WaitUntil(DateTimeOffset At) : RequestStep;

    /// <summary>Nothing to do: finished, or waiting for a message from outside.</summary>
    public sealed record Nothing : RequestStep;
}
