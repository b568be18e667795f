using System.Text.Json.Serialization;

namespace CertConnector.Actors.Updates;

[JsonConverter(typeof(JsonStringEnumConverter<LifecycleState>))]
public enum LifecycleState { Unknown, Current, Superseded, OutOfSupport }

/// <summary>
/// Where a running version stands against the release feed. <see cref="SupersededBy"/> is the first release newer than the running
/// one; the support window counts from its release: <see cref="SupportedUntil"/> 6 months after, <see cref="MayStopWorkingAfter"/>
/// 18 months after. <see cref="Latest"/> is the newest release in the feed.
/// </summary>
public sealed record Lifecycle(LifecycleState State, string Version, string? Latest, string? SupersededBy, DateTimeOffset? SupportedUntil,
    DateTimeOffset? MayStopWorkingAfter, string Message)
{
    /// <summary>How loud the state is: current is fine, superseded a warning, out of support an error.</summary>
    public string Level => State switch
    {
        LifecycleState.Superseded => "Warning",
        LifecycleState.OutOfSupport => "Error",
        _ => "Information",
    };
}

/// <summary>The lifecycle rules, as a pure function of the running version, the releases and the time.</summary>
public static class ReleaseLifecycle
{
    public const int SupportMonths = 6;
    public const int MayStopWorkingMonths = 18;

    public static Lifecycle Unknown(string version, string why) => new(LifecycleState.Unknown, version, null, null, null, null, why);

    public static Lifecycle Of(string running, IReadOnlyList<Release> releases, DateTimeOffset now)
    {
        var current = ReleaseVersion.Parse(running);
        var known = releases.Where(r => ReleaseVersion.TryParse(r.Version, out _))
            .OrderBy(r => ReleaseVersion.Parse(r.Version)).ToList();
        var latest = known.LastOrDefault()?.Version;
        // The first newer release starts the clock: a later one does not extend the old version's support.
        var successor = known.FirstOrDefault(r => ReleaseVersion.Parse(r.Version) > current);
        if (successor is null)
            return new(LifecycleState.Current, running, latest, null, null, null, $"{running} is the current release.");
        var until = successor.ReleasedUtc.AddMonths(SupportMonths);
        var stops = successor.ReleasedUtc.AddMonths(MayStopWorkingMonths);
        return now <= until
            ? new(LifecycleState.Superseded, running, latest, successor.Version, until, stops,
                $"{running} is superseded by {successor.Version} (released {successor.ReleasedUtc:yyyy-MM-dd}); it is supported until {until:yyyy-MM-dd}. Update to {latest}.")
            : new(LifecycleState.OutOfSupport, running, latest, successor.Version, until, stops,
                $"{running} is out of support since {until:yyyy-MM-dd} ({SupportMonths} months after {successor.Version}); it may stop working after {stops:yyyy-MM-dd}. Update to {latest}.");
    }

    /// <summary>The releases newer than <paramref name="running"/>, newest first (what <c>update check</c> offers).</summary>
    public static IReadOnlyList<Release> Newer(string running, IReadOnlyList<Release> releases)
    {
        var current = ReleaseVersion.Parse(running);
        return [.. releases.Where(r => ReleaseVersion.TryParse(r.Version, out var v) && v > current).OrderByDescending(r => ReleaseVersion.Parse(r.Version))];
    }
}
