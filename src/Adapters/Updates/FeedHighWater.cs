using System.Text.Json;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;

namespace CertConnector.Adapters.Updates;

/// <summary>The highest manifest sequence and newest release version this instance has accepted: below either is a rollback.</summary>
public sealed record FeedMark(long Sequence, string? NewestVersion)
{
    public static FeedMark None { get; } = new(long.MinValue, null);

    public static FeedMark Of(ReleaseManifest manifest) =>
        new(manifest.Sequence, manifest.Releases.Select(r => r.Version).OrderBy(ReleaseVersion.Parse).LastOrDefault());
}

/// <summary>
/// Where the mark is kept: a small JSON file in the instance's data directory (<c>updates/feed-mark.json</c>). Per instance, also in a
/// cluster: each instance fetches and believes the feed on its own, so each guards its own view against going back.
/// </summary>
public sealed class FeedHighWater(string file)
{
    public FeedMark Read()
    {
        if (!File.Exists(file)) return FeedMark.None;
        try
        {
            return JsonSerializer.Deserialize<FeedMark>(File.ReadAllText(file)) ?? FeedMark.None;
        }
        catch (JsonException)
        {
            // A damaged mark must not open the door to a rollback: refuse until an operator looks.
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedRolledBack, $"{file} is damaged; delete it only if you trust the feed being served now.");
        }
    }

    public void Write(FeedMark mark)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(mark));
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>The checks after the signature: not expired, not older than what was accepted before.</summary>
    /// <exception cref="FeedRefusedException">expired or rolled back.</exception>
    public static void Judge(ReleaseManifest manifest, FeedMark seen, DateTimeOffset now)
    {
        if (manifest.ExpiresUtc <= now)
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedExpired,
                $"The release manifest (sequence {manifest.Sequence}) expired at {manifest.ExpiresUtc:u}.");
        if (manifest.Sequence < seen.Sequence)
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedRolledBack,
                $"The release manifest has sequence {manifest.Sequence}, lower than {seen.Sequence} accepted before.");
        var newest = FeedMark.Of(manifest).NewestVersion;
        if (seen.NewestVersion is { } before && (newest is null || ReleaseVersion.Compare(newest, before) < 0))
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedRolledBack,
                $"The release manifest's newest version is {newest ?? "(none)"}, lower than {before} listed before.");
    }
}
