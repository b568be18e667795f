using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Features;

namespace CertConnector.Host.Pkcs;

/// <summary>The PKCS feature as the host composes it.</summary>
public static class PkcsFeature
{
    public static ConnectorFeature Definition { get; } = new("pkcs", PkcsHosting.Role, PkcsHosting.ShardTypeName, o => o.Pkcs.Enabled, AddServices,
        (akka, options) => akka.AddPkcsFeature(options.Pkcs), app => app.MapPkcsEndpoints(), PkcsCommands.Build);

    /// <summary>Standalone: the queue in standalone.db is both the service port and the admin API's queue.</summary>
    private static void AddServices(IServiceCollection services, Configuration.ConnectorOptions options)
    {
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandalonePkcsQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IPkcsService>(sp => sp.GetRequiredService<StandalonePkcsQueue>());
        services.AddSingleton<IPkcsQueue>(sp => sp.GetRequiredService<StandalonePkcsQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandalonePkcsQueue>());
        services.AddSingleton(sp => new PkcsPorts(
            sp.GetRequiredService<IPkcsCredentialFactory>(),
            sp.GetRequiredService<ICertificateAuthority>(),
            sp.GetRequiredService<IPkcsService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Pkcs));
        services.AddSingleton<PkcsRequestValidator>();
        services.AddSingleton(sp => new FeatureRequestRegion("pkcs", PkcsHosting.Role, () => sp.GetRequiredService<IRequiredActor<PkcsRequestRegion>>().ActorRef,
            PkcsRequestActor.PersistenceIdOf, id => $"/api/v1/pkcs/requests/{Uri.EscapeDataString(id)}"));
    }
}
