using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.PfxImport;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.PfxImport;

/// <summary>The PKCS import feature as the host composes it (CLI and API name: <c>import</c>; role <c>pkcs-import</c>).</summary>
public static class PfxImportFeature
{
    public static ConnectorFeature Definition { get; } = new("import", PfxImportHosting.Role, PfxImportHosting.ShardTypeName, o => o.PfxImport.Enabled, AddServices,
        (akka, options) => akka.AddPfxImportFeature(options.PfxImport), app => app.MapPfxImportEndpoints(), PfxImportCommands.Build);

    /// <summary>Standalone: the import queue in standalone.db is the service port and the admin API's queue.</summary>
    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandalonePfxImportQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IPfxImportService>(sp => sp.GetRequiredService<StandalonePfxImportQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandalonePfxImportQueue>());
        services.AddSingleton(sp => new PfxImportPorts(
            sp.GetRequiredService<IConnectorKeyCipher>(),
            sp.GetRequiredService<IPfxImportService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.PfxImport));
        services.AddSingleton(sp => new FeatureRequestRegion("import", PfxImportHosting.Role, () => sp.GetRequiredService<IRequiredActor<PfxImportRequestRegion>>().ActorRef,
            PfxImportRequestActor.PersistenceIdOf, id => $"/api/v1/import/requests/{Uri.EscapeDataString(id)}"));
    }
}
