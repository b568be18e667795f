using CertConnector.Actors.Logging;

namespace CertConnector.Actors.Updates;

/// <summary>
/// The release feed: fetched, its signature verified against the release key, its expiry and sequence checked. Never throws: a feed
/// that cannot be believed is a <see cref="FeedCheck"/> with <see cref="FeedCheck.Refusal"/> (the event to log) and why.
/// </summary>
public interface IReleaseFeed
{
    Task<FeedCheck> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>A verified manifest, or the refusal: exactly one of the two.</summary>
public sealed record FeedCheck(ReleaseManifest? Manifest, EventDefinition? Refusal, string? Reason)
{
    public static FeedCheck Accepted(ReleaseManifest manifest) => new(manifest, null, null);
    public static FeedCheck Refused(EventDefinition refusal, string reason) => new(null, refusal, reason);
}
