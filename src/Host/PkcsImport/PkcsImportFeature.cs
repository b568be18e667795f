using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.PkcsImport;

/// <summary>The PKCS import feature as the host composes it (CLI, API, cluster role and settings section: <c>pkcs-import</c> / <c>Connector:PkcsImport</c>).</summary>
public static class PkcsImportFeature
{
    public static ConnectorFeature Definition { get; } = new("pkcs-import", PkcsImportHosting.Role, PkcsImportHosting.ShardTypeName, o => o.PkcsImport.Enabled, AddServices,
        (akka, options) => akka.AddPkcsImportFeature(options.PkcsImport), app => app.MapPkcsImportEndpoints(), PkcsImportCommands.Build);

    /// <summary>Standalone: the import queue in standalone.db is the service port and the admin API's queue.</summary>
    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandalonePkcsImportQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IPkcsImportService>(sp => sp.GetRequiredService<StandalonePkcsImportQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandalonePkcsImportQueue>());
        services.AddSingleton(sp => new PkcsImportPorts(
            sp.GetRequiredService<IConnectorKeyCipher>(),
            sp.GetRequiredService<IPkcsImportService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.PkcsImport));
        services.AddSingleton(sp => new FeatureRequestRegion("pkcs-import", PkcsImportHosting.Role, () => sp.GetRequiredService<IRequiredActor<PkcsImportRequestRegion>>().ActorRef,
            PkcsImportRequestActor.PersistenceIdOf, id => $"/api/v1/pkcs-import/requests/{Uri.EscapeDataString(id)}"));
    }
}
