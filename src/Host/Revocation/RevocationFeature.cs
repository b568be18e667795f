using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Revocation;

/// <summary>The revocation feature as the host composes it. The CA side is <see cref="ICertificateRevoker"/>,
/// registered with the CA backend.</summary>
public static class RevocationFeature
{
    public const string Name = "revocation";

    public static ConnectorFeature Definition { get; } = new()
    {
        Name = Name,
        FailureEvent = CertConnector.Actors.Logging.ConnectorEvents.RevokeRequestFailure,
        Role = RevocationHosting.Role,
        ShardTypeName = RevocationHosting.ShardTypeName,
        Settings = FeatureSettings.For<RevocationOptions>("Revocation"),
        Manifests = RevocationManifests.Table,
        AddServices = AddServices,
        AddRemoteServices = (services, options) => services.AddSingleton<IRevocationService>(sp =>
            new RemoteRevocationService(sp.GetRequiredService<ServiceChannel>(), sp.GetRequiredService<IConnectorEventLog>(), honourCaConfiguration: options.NamedCas.Configured)),
        RemoteServiceNames = [ServiceNames.Pki],
        AddActors = (akka, options) => akka.AddRevocationFeature(options.Feature<RevocationOptions>()),
        MapEndpoints = app => app.MapRevocationEndpoints(),
        QueueingRoutes = [ConnectorFeature.RequestsRoute(Name)],
        Command = RevocationCommands.Build,
        Coordinator = sp => sp.GetRequiredService<IRequiredActor<RevocationCoordinatorKey>>().ActorRef,
        RequestView = new(sp => sp.GetRequiredService<IRequiredActor<RevocationRequestRegion>>().ActorRef, RevocationRequestActor.PersistenceIdOf, ConnectorFeature.RequestPath(Name)),
    };

    /// <summary>Standalone: the revocation queue in standalone.db is the service port and the admin API's queue.</summary>
    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandaloneRevocationQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IRevocationService>(sp => sp.GetRequiredService<StandaloneRevocationQueue>());
        services.AddSingleton<IRevocationQueue>(sp => sp.GetRequiredService<StandaloneRevocationQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandaloneRevocationQueue>());
        services.AddSingleton(sp => new RevocationPorts(
            sp.GetRequiredService<CertificateAuthorities>(),
            sp.GetRequiredService<IIssuingCaLookup>(),
            sp.GetRequiredService<IRevocationService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Feature<RevocationOptions>()));
    }
}
