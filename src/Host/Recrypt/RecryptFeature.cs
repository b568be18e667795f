using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Recrypt;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Recrypt;

/// <summary>The recrypt feature as the host composes it (CLI and API name <c>recrypt</c>, role <c>recrypt</c>).</summary>
public static class RecryptFeature
{
    public const string Name = "recrypt";

    public static ConnectorFeature Definition { get; } = new()
    {
        Name = Name,
        FailureEvent = CertConnector.Actors.Logging.ConnectorEvents.PkcsRecryptRequestFailure,
        Role = RecryptHosting.Role,
        ShardTypeName = RecryptHosting.ShardTypeName,
        Settings = FeatureSettings.For<RecryptOptions>("Recrypt"),
        Manifests = RecryptManifests.Table,
        AddServices = AddServices,
        AddRemoteServices = (services, options) =>
        {
            if (options.Feature<RecryptOptions>().Enabled) services.AddSingleton<IRecryptService>(sp =>
                new RemoteRecryptService(sp.GetRequiredService<ServiceChannel>(), sp.GetRequiredService<IConnectorEventLog>()));
        },
        RemoteServiceNames = [ServiceNames.Pki],
        AddActors = (akka, options) => akka.AddRecryptFeature(options.Feature<RecryptOptions>()),
        MapEndpoints = app => app.MapRecryptEndpoints(),
        QueueingRoutes = [ConnectorFeature.RequestsRoute(Name)],
        Command = RecryptCommands.Build,
        Coordinator = sp => sp.GetRequiredService<IRequiredActor<RecryptCoordinatorKey>>().ActorRef,
        RequestView = new(sp => sp.GetRequiredService<IRequiredActor<RecryptRequestRegion>>().ActorRef, RecryptRequestActor.PersistenceIdOf, ConnectorFeature.RequestPath(Name)),
        NeedsConnectorKey = true,
    };

    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandaloneRecryptQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IRecryptService>(sp => sp.GetRequiredService<StandaloneRecryptQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandaloneRecryptQueue>());
        services.AddSingleton(sp => new RecryptPorts(
            sp.GetRequiredService<IConnectorKeyCipher>(),
            sp.GetRequiredService<IRecryptService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Feature<RecryptOptions>()));
    }
}
