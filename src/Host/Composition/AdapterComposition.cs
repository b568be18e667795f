using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Scep;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;
using CertConnector.Host.Scep;
using CertConnector.Host.Revocation;
using CertConnector.Adapters.Scep;

namespace CertConnector.Host.Composition;

/// <summary>Binds every port the actors use to its adapter: the only place that knows both sides.</summary>
public static class AdapterComposition
{
    public static IServiceCollection AddConnectorAdapters(this IServiceCollection services, ConnectorOptions options, DataDirectory data, string instanceId)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConnectorEventLog>(_ => new JsonLinesEventLog(new EventLogOptions
        {
            Directory = data.LogDirectory,
            Instance = options.Instance,
            AdminDebug = options.Logging.AdminDebug,
            OperationalDebug = options.Logging.OperationalDebug,
            Console = options.Logging.Console,
        }));

        services.AddSingleton(sp => OpenBuiltInCa(options.Ca, data, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICertificateAuthority>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton<ICertificateRevoker>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddCaRevocation(options.Revocation); // CRL, OCSP, publication URLs; before the actor system, so URLs are set before issuing
        services.AddSingleton(sp => JournalSealingKey.DeriveFrom(sp.GetRequiredService<BuiltInCa>().CaPrivateKey)); // shared by all instances, as the CA key is
        services.AddSingleton<IPkcsCredentialFactory, PkcsCredentialFactory>();

        services.AddSingleton(sp =>
        {
            var standalone = new StandaloneManagementService(new StandaloneOptions
            {
                DatabasePath = data.StandaloneDatabase,
                InstanceId = instanceId,
                LeaseDuration = options.Standalone.LeaseDuration,
            }, sp.GetRequiredService<TimeProvider>());
            return Initialized(standalone, s => s.InitializeAsync());
        });
        services.AddSingleton<IManagementService>(sp => sp.GetRequiredService<StandaloneManagementService>());

        services.AddSingleton(sp => new PkcsPorts(
            sp.GetRequiredService<IPkcsCredentialFactory>(),
            sp.GetRequiredService<ICertificateAuthority>(),
            sp.GetRequiredService<IManagementService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Pkcs));
        services.AddSingleton<PkcsRequestValidator>();

        // SCEP, standalone: one-time challenges minted by the admin API; notifications kept in the same database.
        services.AddSingleton(sp => sp.GetRequiredService<StandaloneManagementService>().Database);
        services.AddSingleton(sp => Initialized(new StandaloneScepChallenges(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()), c => c.InitializeAsync()));
        services.AddSingleton(sp => Initialized(new StandaloneScepNotifications(sp.GetRequiredService<StandaloneDatabase>(), sp.GetRequiredService<TimeProvider>()), n => n.InitializeAsync()));
        services.AddSingleton(options.Scep);
        services.AddSingleton(sp => new ScepPorts(
            sp.GetRequiredService<StandaloneScepChallenges>(),
            sp.GetRequiredService<ICertificateAuthority>(),
            sp.GetRequiredService<StandaloneScepNotifications>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Scep,
            DistinguishedName.ToText(sp.GetRequiredService<BuiltInCa>().CaCertificate.SubjectDN)));
        services.AddSingleton<IScepRaCredentials>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton<IIssuedCertificateLookup>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton(sp => new ScepPkiOperations(sp.GetRequiredService<IScepRaCredentials>(), sp.GetRequiredService<IIssuedCertificateLookup>(), sp.GetService<CertConnector.Adapters.Revocation.ICrlSource>()));
        services.AddSingleton<ScepRenewalPolicy>();
        services.AddSingleton<ScepOperationHandler>();
        return services;
    }

    /// <summary>Schema creation at start-up, before any actor runs: a broken database stops the start, loudly.</summary>
    private static T Initialized<T>(T store, Func<T, Task> initialize)
    {
        initialize(store).GetAwaiter().GetResult();
        return store;
    }

    private static BuiltInCa OpenBuiltInCa(BuiltInCaSettings settings, DataDirectory data, TimeProvider time)
    {
        var caOptions = new BuiltInCaOptions
        {
            Directory = data.CaDirectory,
            SubjectName = settings.SubjectName,
            KeySpec = KeySpec.Parse(settings.KeySpec),
            ValidityYears = settings.ValidityYears,
        };
        // Import only on the first start: afterwards the imported CA lives (encrypted) in the data directory.
        var firstStart = !File.Exists(Path.Combine(caOptions.Directory, "ca.crt.pem"));
        return settings.ImportPkcs12 is { Length: > 0 } p12 && firstStart
            ? BuiltInCa.Import(caOptions, p12, settings.ImportPassword ?? "", time)
            : BuiltInCa.OpenOrCreate(caOptions, time);
    }
}
