using CertConnector.Host.Ca;
using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Ca.Named;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin.StatusPage;

/// <summary>One request that failed for good, as the status page lists it.</summary>
/// <param name="At">when it was queued (a SCEP request: when its outcome was recorded).</param>
/// <param name="Text">what the request was about (its subject, a serial) and, where the feature keeps one, the failure's text.</param>
public sealed record RecentFailure(DateTimeOffset At, string Feature, string RequestId, string? ErrorCode, string Text);

/// <summary>
/// A feature's outcomes where no standalone queue holds them (SCEP keeps its notifications instead); a feature registers one. Features
/// with a queue need none: their <see cref="IStandaloneRequestList"/> answers the same.
/// </summary>
public sealed record FeatureOutcomes(string Feature, Func<CancellationToken, Task<QueueStatistics>> Statistics,
    Func<int, CancellationToken, Task<IReadOnlyList<RecentFailure>>> RecentFailures);

/// <param name="Statistics">null when the feature keeps no outcomes on this instance's database (service-connected mode keeps them at
/// the service), or when they could not be read (<paramref name="Note"/>).</param>
public sealed record FeatureActivity(string Feature, bool EnabledHere, QueueStatistics? Statistics, string? Note,
    Actors.Logging.EventDefinition? FailureEvent);

/// <summary>Everything the status page shows, gathered from the services the admin API uses.</summary>
/// <param name="Cluster">the members as <c>cluster show</c> sees them (instance names, uptime).</param>
public sealed record StatusPageModel(DateTimeOffset Now, ConnectorStatus Status, ClusterView Cluster, IReadOnlyList<FeatureActivity> Features,
    IReadOnlyList<RecentFailure> Failures, IReadOnlyList<CredentialExpiry> Credentials);

public static class StatusPageData
{
    /// <summary>How many failures the page lists (newest first, all features together).</summary>
    public const int RecentFailureCount = 20;

    public static async Task<StatusPageModel> BuildAsync(IServiceProvider services, CancellationToken ct)
    {
        var system = services.GetRequiredService<ActorSystem>();
        var options = services.GetRequiredService<ConnectorOptions>();
        var status = AdminEndpoints.StatusAsync(system, options, services, ct);
        var cluster = ClusterEndpoints.ShowAsync(system, options.Features);
        var sources = Sources(services).ToDictionary(s => s.Feature, StringComparer.OrdinalIgnoreCase);
        var features = await Task.WhenAll(options.Features.Select(f => ActivityAsync(f, options, sources.GetValueOrDefault(f.Name), ct)));
        var failures = await Task.WhenAll(sources.Values.Select(s => FailuresAsync(s, ct)));
        var credentials = CredentialExpiries.Of(services.GetRequiredService<BuiltInCa>(), services.GetRequiredService<ConnectorKeyHolder>(),
            services.GetRequiredService<Actors.Ports.CertificateAuthorities>(), services.GetRequiredService<CaCalls>());
        return new StatusPageModel(services.GetRequiredService<TimeProvider>().GetUtcNow(), await status, await cluster, features,
            [.. failures.SelectMany(f => f).OrderByDescending(f => f.At).Take(RecentFailureCount)], credentials);
    }

    /// <summary>Each feature's outcomes: its standalone queue, or what it registered instead.</summary>
    private static IEnumerable<FeatureOutcomes> Sources(IServiceProvider services) =>
    [
        .. services.GetServices<IStandaloneRequestList>().Select(queue => new FeatureOutcomes(queue.Feature, queue.StatisticsAsync,
            async (limit, ct) => [.. (await queue.ListAsync(QueueStatus.Failed, limit, ct))
                .Select(r => new RecentFailure(r.EnqueuedAt, r.Feature, r.RequestId, r.ErrorCode, r.Summary))])),
        .. services.GetServices<FeatureOutcomes>(),
    ];

    private static async Task<FeatureActivity> ActivityAsync(Features.ConnectorFeature feature, ConnectorOptions options, FeatureOutcomes? source,
        CancellationToken ct)
    {
        var enabled = feature.IsEnabled(options);
        if (source is null)
            return new(feature.Name, enabled, null, options.Service.IsRemote ? "kept by the management service" : "no outcomes kept", feature.FailureEvent);
        try
        {
            return new(feature.Name, enabled, await source.Statistics(ct), null, feature.FailureEvent);
        }
        catch (ConnectorFailureException e)
        {
            return new(feature.Name, enabled, null, $"not readable now: {e.Code}", feature.FailureEvent);
        }
    }

    private static async Task<IReadOnlyList<RecentFailure>> FailuresAsync(FeatureOutcomes source, CancellationToken ct)
    {
        try
        {
            return await source.RecentFailures(RecentFailureCount, ct);
        }
        catch (ConnectorFailureException)
        {
            return []; // the feature's row already says its store is not readable
        }
    }
}
