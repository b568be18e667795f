using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Updates;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Composition;

/// <summary>The release feed and the update watcher, when <c>Connector:Updates:FeedUrl</c> is set; the lifecycle holder always.</summary>
public static class UpdateComposition
{
    public static IServiceCollection AddUpdates(this IServiceCollection services, ConnectorOptions options, DataDirectory data)
    {
        var updates = options.Updates;
        services.AddSingleton(new CurrentLifecycle(ReleaseLifecycle.Unknown(AdminEndpoints.Version,
            updates.Enabled ? "The release feed has not been checked yet." : "No release feed is configured (Connector:Updates:FeedUrl).")));
        if (!updates.Enabled) return services;
        services.AddSingleton(_ => new UpdateFetch(ServiceSettings.ParseProxy(options.Service.Proxy), options.Service.ProxyBypass, updates.FetchTimeout));
        services.AddSingleton(sp =>
        {
            if (updates.TestOnlyTrustedCertificate is { Length: > 0 } test)
                sp.GetRequiredService<IConnectorEventLog>().Write(ConnectorInternalEvents.UpdateTestKeyTrusted, null,
                    $"Release feeds signed by the key of {test} are believed beside the release key (Connector:Updates:TestOnlyTrustedCertificate): for tests only.",
                    ("certificate", test));
            return new ReleaseFeed(new ReleaseFeedOptions(updates.FeedUrl!.Trim(), updates.MaxFeedBytes, updates.MaxPackageBytes), sp.GetRequiredService<UpdateFetch>(),
                updates.Signature(), new FeedHighWater(Path.Combine(data.Root, "updates", "feed-mark.json")), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IReleaseFeed>(sp => sp.GetRequiredService<ReleaseFeed>());
        services.AddSingleton(sp => new UpdateLease(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new UpdatePorts(sp.GetRequiredService<IReleaseFeed>(), sp.GetRequiredService<IConnectorEventLog>(),
            sp.GetRequiredService<CurrentLifecycle>(), AdminEndpoints.Version, updates.CheckInterval, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    public static AkkaConfigurationBuilder AddUpdateWatcherIfEnabled(this AkkaConfigurationBuilder builder, ConnectorOptions options) =>
        options.Updates.Enabled ? builder.AddUpdateWatcher() : builder;
}
