using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Updates;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin;

/// <summary>
/// <c>GET /api/v1/updates</c> (<c>update check</c>): a fresh check of the release feed, the lifecycle and the newer releases.
/// <c>GET /api/v1/updates/feed</c> (<c>update apply</c>): the signed feed as served, for root to verify.
/// <c>GET /api/v1/updates/packages/{version}</c> (<c>update download</c>, <c>update apply</c>): the package of a release the signed manifest lists, fetched
/// by this instance (through its proxy) and answered only when its sha256 is the manifest's.
/// </summary>
public static class UpdateEndpoints
{
    private static readonly SemaphoreSlim OneDownload = new(1, 1); // packages are large: one at a time on an instance

    public static IEndpointRouteBuilder MapUpdateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/updates", async (ActorSystem system, ConnectorOptions options, CancellationToken ct) =>
        {
            if (await CheckAsync(system, options, ct) is not { } check) return NotConfigured();
            return Results.Ok(new UpdateCheckView(AdminEndpoints.Version, AdminEndpoints.ReleaseDate, check.Lifecycle, check.Manifest?.Sequence,
                check.Manifest?.ExpiresUtc, check.Newer, check.Refusal, check.CheckedAt));
        });

        // The signed feed as fetched now (through this instance's proxy), for `update apply`: root believes only what it verifies itself.
        app.MapGet("/api/v1/updates/feed", async (ConnectorOptions options, IServiceProvider services, CancellationToken ct) =>
        {
            if (!options.Updates.Enabled) return NotConfigured();
            try
            {
                return Results.Bytes(await services.GetRequiredService<ReleaseFeed>().ReadSignedAsync(ct), "application/pkcs7-mime");
            }
            catch (FeedRefusedException e)
            {
                return Results.Json(new ApiError(e.Message), statusCode: 502);
            }
        });

        // `update apply --auto`: one instance of the connector updates at a time. The lease names this instance, so it outlives the restart.
        app.MapPost("/api/v1/updates/lease", (UpdateLeaseRequest request, ConnectorOptions options, IServiceProvider services, IConnectorEventLog log) =>
        {
            if (!options.Updates.Enabled) return NotConfigured();
            if (Invalid(request.Version)) return Results.BadRequest(new ApiError("version is required: a release version of at most 64 characters.", "version"));
            var answer = services.GetRequiredService<UpdateLease>().Take(options.Instance, request.Version.Trim(), options.Updates.AutoLease);
            if (answer.Granted)
                log.Write(ConnectorInternalEvents.UpdateLeaseTaken, null, $"This instance holds the update lease until {answer.ExpiresUtc:u} to install {answer.Version}.",
                    ("version", answer.Version), ("expiresUtc", answer.ExpiresUtc));
            else
                log.Write(ConnectorInternalEvents.UpdateLeaseRefused, null, $"The automatic update to {request.Version.Trim()} waits: instance {answer.Holder} holds the update lease " +
                    $"until {answer.ExpiresUtc:u} (installing {answer.Version}).", ("holder", answer.Holder), ("expiresUtc", answer.ExpiresUtc));
            return answer.Granted ? Results.Ok(answer) : Results.Json(answer, statusCode: 409);
        });

        // `update apply`'s outcome, told by root to the instance it updated (the new process, or the old one back): logged, and the lease given back.
        app.MapPost("/api/v1/updates/outcome", (UpdateOutcome outcome, ConnectorOptions options, IServiceProvider services, IConnectorEventLog log) =>
        {
            if (Invalid(outcome.Version) || Invalid(outcome.Previous) || outcome.Reason is { Length: > 2000 })
                return Results.BadRequest(new ApiError("version and previous are required (at most 64 characters each); reason at most 2000.", "version"));
            if (outcome.Installed)
                log.Write(ConnectorInternalEvents.UpdateInstalled, null, $"Updated from {outcome.Previous} to {outcome.Version}: installed and ready.",
                    ("version", outcome.Version), ("previous", outcome.Previous));
            else
                log.Write(ConnectorInternalEvents.UpdateRolledBack, null, $"The update from {outcome.Previous} to {outcome.Version} failed and {outcome.Previous} was put back: {outcome.Reason}",
                    ("version", outcome.Version), ("previous", outcome.Previous), ("reason", outcome.Reason));
            var released = options.Updates.Enabled && services.GetRequiredService<UpdateLease>().Release(options.Instance);
            return Results.Ok(new { released });
        });

        app.MapGet("/api/v1/updates/packages/{version}", async (string version, ActorSystem system, ConnectorOptions options, IServiceProvider services,
            IConnectorEventLog log, CancellationToken ct) =>
        {
            if (await CheckAsync(system, options, ct) is not { } check) return NotConfigured();
            if (check.Manifest is null)
                return Results.Json(new ApiError($"No release manifest is accepted, so no package can be checked: {check.Refusal ?? check.Lifecycle.Message}"), statusCode: 502);
            var release = check.Manifest.Releases.FirstOrDefault(r => r.Version == version.Trim());
            if (release is null)
                return Results.NotFound(new ApiError($"The release feed lists no version '{version}'. Listed: {string.Join(", ", check.Manifest.Releases.Select(r => r.Version))}.", "version"));
            var feed = services.GetRequiredService<ReleaseFeed>();
            var downloads = Path.Combine(new DataDirectory(options.DataDir).Root, "updates", "downloads");
            var directory = Path.Combine(downloads, Guid.NewGuid().ToString("N"));
            await OneDownload.WaitAsync(ct);
            try
            {
                RemoveEmptyDirectories(downloads); // each left by an earlier download once its stream closed
                var file = await feed.DownloadAsync(release, directory, ct);
                log.Write(ConnectorInternalEvents.UpdatePackageDownloaded, null, $"The package of {release.Version} was downloaded; its sha256 {release.Sha256} matches the signed manifest.",
                    ("version", release.Version), ("sha256", release.Sha256), ("packageUrl", release.PackageUrl));
                // Deleted once sent: the data directory does not collect packages.
                var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.DeleteOnClose);
                return Results.Stream(stream, "application/octet-stream", Path.GetFileName(file));
            }
            catch (FeedRefusedException e)
            {
                log.Write(e.Event, null, e.Message, ("version", release.Version), ("packageUrl", release.PackageUrl));
                return Results.Json(new ApiError(e.Message, "sha256"), statusCode: 502);
            }
            finally
            {
                OneDownload.Release();
            }
        });
        return app;
    }

    /// <summary>The status warnings: a superseded or unsupported version, a test key believed.</summary>
    public static IReadOnlyList<string> Warnings(Lifecycle lifecycle, UpdateSettings settings) =>
    [
        .. lifecycle.State is LifecycleState.Superseded or LifecycleState.OutOfSupport ? [lifecycle.Message] : Array.Empty<string>(),
        .. settings.Enabled && settings.TestOnlyTrustedCertificate is { Length: > 0 }
            ? ["Connector:Updates:TestOnlyTrustedCertificate is set: release feeds signed by a test key are believed. Never on a connector in use."]
            : Array.Empty<string>(),
    ];

    private static async Task<UpdateCheckResult?> CheckAsync(ActorSystem system, ConnectorOptions options, CancellationToken ct)
    {
        if (!options.Updates.Enabled || !ActorRegistry.For(system).TryGet<UpdateWatcherKey>(out var watcher)) return null;
        return await watcher.Ask<UpdateCheckResult>(CheckForUpdates.Instance, options.Updates.FetchTimeout + TimeSpan.FromSeconds(15), ct);
    }

    private static void RemoveEmptyDirectories(string downloads)
    {
        if (!Directory.Exists(downloads)) return;
        foreach (var directory in Directory.EnumerateDirectories(downloads))
        {
            try { Directory.Delete(directory, recursive: false); }
            catch (IOException) { } // a package still being sent
        }
    }

    private static bool Invalid(string? version) => string.IsNullOrWhiteSpace(version) || version.Length > 64;

    private static IResult NotConfigured() =>
        Results.Json(new ApiError("No release feed is configured on this instance: set Connector:Updates:FeedUrl.", "Connector:Updates:FeedUrl"), statusCode: 409);
}

/// <summary><c>GET /api/v1/updates</c>.</summary>
/// <param name="Sequence">the accepted manifest's sequence; null when none was ever accepted.</param>
/// <param name="Refusal">why the feed fetched just now was refused (the event's name and the reason); the last accepted manifest stands.</param>
public sealed record UpdateCheckView(string Version, string ReleaseDate, Lifecycle Lifecycle, long? Sequence, DateTimeOffset? ManifestExpiresUtc,
    IReadOnlyList<Release> Newer, string? Refusal, DateTimeOffset CheckedAt);

/// <summary><c>POST /api/v1/updates/lease</c>: the version the instance is about to install.</summary>
public sealed record UpdateLeaseRequest(string Version);

/// <summary><c>POST /api/v1/updates/outcome</c>: what <c>update apply</c> did (<paramref name="Reason"/> when it rolled back).</summary>
public sealed record UpdateOutcome(string Version, string Previous, bool Installed, string? Reason);
