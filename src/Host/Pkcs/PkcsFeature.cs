using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Pkcs;

/// <summary>The PKCS feature as the host composes it.</summary>
public static class PkcsFeature
{
    public const string Name = "pkcs";

    public static ConnectorFeature Definition { get; } = new()
    {
        Name = Name,
        FailureEvent = CertConnector.Actors.Logging.ConnectorEvents.PkcsRequestFailure,
        Role = PkcsHosting.Role,
        ShardTypeName = PkcsHosting.ShardTypeName,
        Settings = FeatureSettings.For<PkcsOptions>("Pkcs"),
        CheckSettings = options =>
        {
            try
            {
                _ = options.Feature<PkcsOptions>().PooledKeySpecs();
            }
            catch (FormatException e)
            {
                throw new StartupException(e.Message);
            }
        },
        Manifests = PkcsManifests.Table,
        AddServices = AddServices,
        AddRemoteServices = (services, options) => services.AddSingleton<IPkcsService>(sp =>
            new RemotePkcsService(sp.GetRequiredService<ServiceChannel>(), sp.GetRequiredService<IConnectorEventLog>(), options.NamedCas.Configured)),
        RemoteServiceNames = [ServiceNames.Pki],
        AddActors = (akka, options) => akka.AddPkcsFeature(options.Feature<PkcsOptions>()),
        MapEndpoints = app => app.MapPkcsEndpoints(),
        QueueingRoutes = [ConnectorFeature.RequestsRoute(Name)],
        Command = PkcsCommands.Build,
        Coordinator = sp => sp.GetRequiredService<IRequiredActor<PkcsCoordinatorKey>>().ActorRef,
        RequestView = new(sp => sp.GetRequiredService<IRequiredActor<PkcsRequestRegion>>().ActorRef, PkcsRequestActor.PersistenceIdOf, ConnectorFeature.RequestPath(Name)),
    };

    /// <summary>Standalone: the queue in standalone.db is both the service port and the admin API's queue.</summary>
    private static void AddServices(IServiceCollection services, Configuration.ConnectorOptions options)
    {
        var pkcs = options.Feature<PkcsOptions>();
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandalonePkcsQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IPkcsService>(sp => sp.GetRequiredService<StandalonePkcsQueue>());
        services.AddSingleton<IPkcsQueue>(sp => sp.GetRequiredService<StandalonePkcsQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandalonePkcsQueue>());
        services.AddSingleton(sp => new PkcsPorts(
            sp.GetRequiredService<IPkcsCredentialFactory>(),
            sp.GetRequiredService<CertificateAuthorities>(),
            sp.GetRequiredService<IPkcsService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            pkcs));
        services.AddSingleton<PkcsRequestValidator>();
        // Keys generated ahead in memory for PKCS bursts; started with the connector, so the pool is full before the first request.
        if (pkcs.Enabled && pkcs.KeyPoolEnabled)
            services.AddSingleton(_ => new KeyPool(pkcs.PooledKeySpecs(), pkcs.KeyPoolSize));
        services.AddSingleton<IPkcsCredentialFactory>(sp => new PkcsCredentialFactory(sp.GetRequiredService<TimeProvider>(), sp.GetService<KeyPool>()));
    }
}
