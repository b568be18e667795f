using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Scep;

/// <summary>The SCEP feature as the host composes it: the admin routes and the device-facing listener's routes.</summary>
public static class ScepFeature
{
    public static ConnectorFeature Definition { get; } = new("scep", ScepHosting.Role, ScepHosting.ShardTypeName, o => o.Scep.Enabled, AddServices,
        (akka, options) => akka.AddScepFeature(options.Scep), MapEndpoints, ScepCommands.Build);

    private static void MapEndpoints(IEndpointRouteBuilder app)
    {
        app.MapScepAdminEndpoints();
        app.MapScepEndpoints();
    }

    /// <summary>Standalone: one-time challenges minted by the admin API; notifications kept in the same database.</summary>
    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => Initialized(new StandaloneScepChallenges(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()), c => c.InitializeAsync()));
        services.AddSingleton(sp => Initialized(new StandaloneScepNotifications(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()), n => n.InitializeAsync()));
        services.AddSingleton<IScepChallengeIssuer>(sp => sp.GetRequiredService<StandaloneScepChallenges>());
        services.AddSingleton<IScepNotificationLog>(sp => sp.GetRequiredService<StandaloneScepNotifications>());
        services.AddSingleton(options.Scep);
        services.AddSingleton(sp => new FeatureRequestRegion("scep", ScepHosting.Role, () => sp.GetRequiredService<IRequiredActor<ScepRequestRegion>>().ActorRef,
            ScepRequestActor.PersistenceIdOf));
        services.AddSingleton<IChallengeValidator>(sp => sp.GetRequiredService<StandaloneScepChallenges>());
        services.AddSingleton<IScepResultNotifier>(sp => sp.GetRequiredService<StandaloneScepNotifications>());
        services.AddSingleton(sp => new ScepPorts(
            sp.GetRequiredService<IChallengeValidator>(), // remote mode registers the service's validateRequest later; the last registration wins
            sp.GetRequiredService<ICertificateAuthority>(),
            sp.GetRequiredService<IScepResultNotifier>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Scep,
            DistinguishedName.ToText(sp.GetRequiredService<BuiltInCa>().CaCertificate.SubjectDN),
            sp.GetRequiredService<ScepRenewalPolicy>(),
            ServiceValidatesRenewals: options.Service.IsRemote));
        services.AddSingleton<IScepRaCredentials>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton<IIssuedCertificateLookup>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton(sp => new ScepPkiOperations(sp.GetRequiredService<IScepRaCredentials>(), sp.GetRequiredService<IIssuedCertificateLookup>(),
            sp.GetService<CertConnector.Adapters.Revocation.ICrlSource>(), options.Scep.MaxConcurrentOperations, options.Scep.MaxQueuedOperations,
            options.Scep.AllowSingleDes));
        services.AddSingleton<ScepRenewalPolicy>();
        services.AddSingleton<ScepOperationHandler>();
    }

    private static T Initialized<T>(T store, Func<T, Task> initialize) => Composition.AdapterComposition.Initialized(store, initialize);
}
