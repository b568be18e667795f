using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Service.Remote;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Scep;

/// <summary>The SCEP feature as the host composes it: the admin routes and the device-facing listener's routes.</summary>
public static class ScepFeature
{
    public const string Name = "scep";
    private const string Section = "Scep";

    public static ConnectorFeature Definition { get; } = new()
    {
        Name = Name,
        FailureEvent = CertConnector.Actors.Logging.ConnectorEvents.ScepRequestIssuedFailure,
        Role = ScepHosting.Role,
        ShardTypeName = ScepHosting.ShardTypeName,
        Settings = FeatureSettings.For<ScepOptions>(Section),
        CheckSettings = CheckSettings,
        Manifests = ScepManifests.Table,
        AddServices = AddServices,
        AddRemoteServices = AddRemoteServices,
        RemoteServiceNames = [ServiceNames.ScepValidation],
        AddActors = (akka, options) => akka.AddScepFeature(options.Feature<ScepOptions>()),
        MapEndpoints = MapEndpoints,
        QueueingRoutes = [$"/api/v1/{Name}/challenges"], // minting a challenge: the service validates them in remote mode
        DeviceListener = new($"{ConnectorOptions.Section}:{Section}:ListenUrl", "--scep-url", "http://0.0.0.0:8080", options => options.Feature<ScepOptions>().ListenUrl, "/scep", "scep.url"),
        ConfigureKestrel = (kestrel, options) => ScepEndpoints.ApplyKestrelLimits(kestrel, options.Feature<ScepOptions>()),
        Command = ScepCommands.Build,
        RequestView = new(sp => sp.GetRequiredService<IRequiredActor<ScepRequestRegion>>().ActorRef, ScepRequestActor.PersistenceIdOf),
    };

    private static void CheckSettings(ConnectorOptions options)
    {
        var scep = options.Feature<ScepOptions>();
        if (scep.Enabled && scep.MaxConcurrentOperations < 1)
            throw new StartupException($"Connector:Scep:MaxConcurrentOperations is {scep.MaxConcurrentOperations}; at least 1 SCEP message must be decoded at a time.");
        if (scep.Enabled && scep.MaxQueuedOperations < 0)
            throw new StartupException($"Connector:Scep:MaxQueuedOperations is {scep.MaxQueuedOperations}; it must be 0 or more.");
        if (!string.IsNullOrWhiteSpace(scep.Ca)) scep.Ca = options.NamedCas.Named($"{ConnectorOptions.Section}:{Section}:Ca", scep.Ca);
    }

    /// <summary>Remote: the service validates challenges and hears each result.</summary>
    private static void AddRemoteServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => new RemoteScepService(sp.GetRequiredService<ServiceChannel>()));
        services.AddSingleton<IChallengeValidator>(sp => sp.GetRequiredService<RemoteScepService>());
        services.AddSingleton<IScepResultNotifier>(sp => sp.GetRequiredService<RemoteScepService>());
    }

    private static void MapEndpoints(IEndpointRouteBuilder app)
    {
        app.MapScepAdminEndpoints();
        app.MapScepEndpoints();
    }

    /// <summary>The status page's SCEP row and failures: SCEP has no queue, its outcomes are the notifications kept here.</summary>
    private static Admin.StatusPage.FeatureOutcomes Outcomes(IScepNotificationLog log) => new(Name, ct => log.StatisticsAsync(ct),
        async (limit, ct) => [.. (await log.ListAsync(Math.Min(limit * 10, 1000), ct)).Where(n => !n.Notification.Succeeded).Take(limit)
            .Select(n => new Admin.StatusPage.RecentFailure(n.ReceivedAt, Name, n.Notification.TransactionId, n.Notification.HResult?.ToString("X8"),
                $"{n.SubjectName}: {n.Notification.ErrorDescription}"))]);

    /// <summary>Standalone: one-time challenges minted by the admin API; notifications kept in the same database.</summary>
    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        var scep = options.Feature<ScepOptions>();
        services.AddSingleton(sp => Initialized(new StandaloneScepChallenges(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()), c => c.InitializeAsync()));
        services.AddSingleton(sp => Initialized(new StandaloneScepNotifications(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()), n => n.InitializeAsync()));
        services.AddSingleton<IScepChallengeIssuer>(sp => sp.GetRequiredService<StandaloneScepChallenges>());
        services.AddSingleton<IScepNotificationLog>(sp => sp.GetRequiredService<StandaloneScepNotifications>());
        services.AddSingleton(sp => Outcomes(sp.GetRequiredService<IScepNotificationLog>()));
        services.AddSingleton(scep);
        services.AddSingleton<IChallengeValidator>(sp => sp.GetRequiredService<StandaloneScepChallenges>());
        services.AddSingleton<IScepResultNotifier>(sp => sp.GetRequiredService<StandaloneScepNotifications>());
        services.AddSingleton(sp => new ScepPorts(
            sp.GetRequiredService<IChallengeValidator>(), // remote mode registers the service's validateRequest later; the last registration wins
            sp.GetRequiredService<CertificateAuthorities>(),
            sp.GetRequiredService<IScepResultNotifier>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            scep,
            DistinguishedName.ToText(sp.GetRequiredService<BuiltInCa>().CaCertificate.SubjectDN),
            sp.GetRequiredService<ScepRenewalPolicy>(),
            ServiceValidatesRenewals: options.Service.IsRemote));
        services.AddSingleton<IScepRaCredentials>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton<IIssuedCertificateLookup>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton(sp => new ScepPkiOperations(sp.GetRequiredService<IScepRaCredentials>(), sp.GetRequiredService<IIssuedCertificateLookup>(),
            sp.GetService<CertConnector.Adapters.Revocation.ICrlSource>(), scep.MaxConcurrentOperations, scep.MaxQueuedOperations,
            scep.AllowSingleDes));
        services.AddSingleton<ScepRenewalPolicy>();
        services.AddSingleton<ScepOperationHandler>();
    }

    private static T Initialized<T>(T store, Func<T, Task> initialize) => Composition.AdapterComposition.Initialized(store, initialize);
}
