using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;

namespace CertConnector.Adapters.Updates;

/// <summary>Where the feed is and how much of it to take.</summary>
public sealed record ReleaseFeedOptions(string Location, int MaxFeedBytes = 1024 * 1024, long MaxPackageBytes = 512L * 1024 * 1024);

/// <summary>
/// <see cref="IReleaseFeed"/>: fetch (bounded), verify the signature, read the manifest, refuse it when expired or older than what this
/// instance accepted before, then remember it as the new mark. Also fetches a listed release's package and checks its sha256.
/// </summary>
public sealed class ReleaseFeed(ReleaseFeedOptions options, UpdateFetch fetch, ReleaseFeedSignature signature, FeedHighWater mark, TimeProvider time) : IReleaseFeed
{
    private readonly SemaphoreSlim _one = new(1, 1); // mark read-judge-write is one step

    public async Task<FeedCheck> CheckAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var content = signature.Verify(await fetch.ReadAsync(options.Location, options.MaxFeedBytes, cancellationToken));
            var manifest = ReleaseManifestJson.Parse(content);
            var seen = mark.Read();
            FeedHighWater.Judge(manifest, seen, time.GetUtcNow());
            var now = FeedMark.Of(manifest);
            if (now != seen) mark.Write(now);
            return FeedCheck.Accepted(manifest);
        }
        catch (FeedRefusedException e)
        {
            return FeedCheck.Refused(e.Event, e.Message);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>The feed as served, signature and all, unverified: for <c>update apply</c>, which verifies it itself as root.</summary>
    public Task<byte[]> ReadSignedAsync(CancellationToken cancellationToken) => fetch.ReadAsync(options.Location, options.MaxFeedBytes, cancellationToken);

    /// <summary>
    /// Downloads <paramref name="release"/>'s package into <paramref name="directory"/> and checks its sha256 against the signed manifest.
    /// A mismatch leaves no file behind.
    /// </summary>
    /// <exception cref="FeedRefusedException">(<see cref="ConnectorInternalEvents.UpdatePackageRefused"/>) not fetched whole, or another sha256.</exception>
    public async Task<string> DownloadAsync(Release release, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, PackageFileName(release));
        var partial = target + ".partial";
        try
        {
            var sha256 = await fetch.DownloadAsync(release.PackageUrl, partial, options.MaxPackageBytes, cancellationToken);
            if (!string.Equals(sha256, release.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new FeedRefusedException(ConnectorInternalEvents.UpdatePackageRefused,
                    $"The package of {release.Version} from {release.PackageUrl} has sha256 {sha256}, not {release.Sha256} as the signed manifest says: refused.");
            File.Move(partial, target, overwrite: true);
            return target;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>The package's file name: the URL's last segment when it is a plain name, else one made of the version.</summary>
    public static string PackageFileName(Release release)
    {
        var name = Uri.TryCreate(release.PackageUrl, UriKind.Absolute, out var uri) ? Path.GetFileName(uri.LocalPath) : Path.GetFileName(release.PackageUrl);
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '~') && !name.StartsWith('.')
            ? name
            : $"certconnector_{release.Version}.deb";
    }
}
