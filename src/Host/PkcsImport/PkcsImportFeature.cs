using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.PkcsImport;

/// <summary>The PKCS import feature as the host composes it (CLI, API, cluster role and settings section: <c>pkcs-import</c> / <c>Connector:PkcsImport</c>).</summary>
public static class PkcsImportFeature
{
    public const string Name = "pkcs-import";

    public static ConnectorFeature Definition { get; } = new()
    {
        Name = Name,
        FailureEvent = CertConnector.Actors.Logging.ConnectorEvents.PkcsImportRequestFailure,
        Role = PkcsImportHosting.Role,
        ShardTypeName = PkcsImportHosting.ShardTypeName,
        Settings = FeatureSettings.For<PkcsImportOptions>("PkcsImport"),
        Manifests = PkcsImportManifests.Table,
        AddServices = AddServices,
        AddRemoteServices = (services, options) =>
        {
            if (options.Feature<PkcsImportOptions>().Enabled) services.AddSingleton<IPkcsImportService>(sp =>
                new RemotePkcsImportService(sp.GetRequiredService<ServiceChannel>(), sp.GetRequiredService<IConnectorEventLog>()));
        },
        RemoteServiceNames = [ServiceNames.Pki],
        AddActors = (akka, options) => akka.AddPkcsImportFeature(options.Feature<PkcsImportOptions>()),
        MapEndpoints = app => app.MapPkcsImportEndpoints(),
        QueueingRoutes = [ConnectorFeature.RequestsRoute(Name)],
        Command = PkcsImportCommands.Build,
        Coordinator = sp => sp.GetRequiredService<IRequiredActor<PkcsImportCoordinatorKey>>().ActorRef,
        RequestView = new(sp => sp.GetRequiredService<IRequiredActor<PkcsImportRequestRegion>>().ActorRef, PkcsImportRequestActor.PersistenceIdOf, ConnectorFeature.RequestPath(Name)),
        NeedsConnectorKey = true,
    };

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
            options.Feature<PkcsImportOptions>()));
        services.AddSingleton(new PfxLimits(options.Feature<PkcsImportOptions>().MaxPfxIterations)); // what the shared connector-key cipher accepts in a PFX
    }
}
