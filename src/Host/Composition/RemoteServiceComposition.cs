using CertConnector.Actors.Health;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Composition;

/// <summary>
/// Service-connected mode (<c>Connector:Service:Mode = remote</c>): the features' service ports go to the management
/// service over one <see cref="ServiceChannel"/> instead of the standalone queues; registered after the features, so
/// these registrations win. Each feature registers its own remote ports (<see cref="ConnectorFeature.AddRemoteServices"/>); here
/// are the channel they share and the health reporting.
/// </summary>
public static class RemoteServiceComposition
{
    public static IServiceCollection AddRemoteManagementService(this IServiceCollection services, ConnectorOptions options)
    {
        var remote = options.Service.ToRemoteOptions();
        services.AddSingleton(sp => new ServiceChannel(remote, sp.GetRequiredService<IConnectorEventLog>(), sp.GetRequiredService<TimeProvider>()));
        foreach (var feature in options.Features) feature.AddRemoteServices?.Invoke(services, options);

        // Health: the counts come from the Admin channel, so the event log every actor writes to is the counting one.
        services.AddSingleton<IHealthService>(sp => new RemoteHealthService(sp.GetRequiredService<ServiceChannel>()));
        services.AddSingleton<ICaHealthProbe>(sp => new AllCasHealthProbe(sp.GetRequiredService<CertificateAuthorities>()));
        services.AddSingleton(sp => new HealthPorts(sp.GetRequiredService<IHealthService>(), sp.GetRequiredService<ICaHealthProbe>(),
            sp.GetRequiredService<HealthCounters>(), sp.GetRequiredService<IConnectorEventLog>(),
            new HealthIdentity(options.Instance, Admin.AdminEndpoints.Version, options.Roles), options.Service.Health,
            sp.GetRequiredService<CertConnector.Actors.Updates.CurrentLifecycle>()));
        return services;
    }

    /// <summary>The services the enabled features need, and PkiConnectorFEService, which takes the health messages (always needed,
    /// so always checked).</summary>
    public static IReadOnlyList<string> NeededServices(ConnectorOptions options) =>
        [.. new[] { ServiceNames.Pki }.Concat(options.EnabledFeatures.SelectMany(f => f.RemoteServiceNames)).Distinct()];

    /// <summary>Token and discovery, before anything is created; each failure is its own one-line <see cref="StartupException"/>.</summary>
    public static async Task CheckServiceReachableAsync(ConnectorOptions options)
    {
        if (!options.Service.IsRemote) return;
        using var channel = new ServiceChannel(options.Service.ToRemoteOptions(), NoEvents.Instance, TimeProvider.System);
        using var timeout = new CancellationTokenSource(options.Service.StartupCheckTimeout);
        try
        {
            await ServiceConnectionCheck.CheckAsync(channel, NeededServices(options), timeout.Token);
        }
        catch (ServiceConnectionException e)
        {
            throw new StartupException($"{e.Message} ({e.Code})");
        }
    }

    private sealed class NoEvents : IConnectorEventLog
    {
        public static readonly NoEvents Instance = new();
        public void Write(ConnectorEvent connectorEvent) { }
    }
}
