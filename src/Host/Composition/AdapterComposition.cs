using CertConnector.Host.Ca;
using CertConnector.Host.Ca.Named;
using CertConnector.Actors.Common;
using CertConnector.Actors.Health;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Configuration;
using CertConnector.Host.Admin;

namespace CertConnector.Host.Composition;

/// <summary>Binds every port the actors use to its adapter: the only place that knows both sides.</summary>
public static class AdapterComposition
{
    public static IServiceCollection AddConnectorAdapters(this IServiceCollection services, ConnectorOptions options, DataDirectory data, string instanceId)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new JsonLinesEventLog(new EventLogOptions
        {
            Directory = data.LogDirectory,
            Instance = options.Instance,
            AdminDebug = options.Logging.AdminDebug,
            OperationalDebug = options.Logging.OperationalDebug,
            Console = options.Logging.Console,
            FileSizeLimitBytes = options.Logging.FileSizeLimitBytes,
            RetainedFileCountLimit = options.Logging.RetainedFiles,
        }));
        // Remote mode reports per-feature outcome counts in its health messages: they are counted as the events are written.
        if (options.Service.IsRemote)
        {
            services.AddSingleton(sp => new HealthCounters(sp.GetRequiredService<JsonLinesEventLog>()));
            services.AddSingleton<IConnectorEventLog>(sp => sp.GetRequiredService<HealthCounters>());
        }
        else services.AddSingleton<IConnectorEventLog>(sp => sp.GetRequiredService<JsonLinesEventLog>());

        // One database for every shared store: the SQLite files in the data directory, or the cluster's PostgreSQL.
        var shared = options.Database.IsPostgres ? StandaloneDatabase.Postgres(options.Database.ConnectionString!) : null;
        services.AddSingleton(sp => OpenBuiltInCa(options.Ca, data, shared, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICertificateAuthority>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton<ICertificateRevoker>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddNamedCas(options); // the CAs requests are routed to by name (Connector:Cas), built by their types' factories
        services.AddCaPublishing(options.Publishing); // CRL, OCSP, publication URLs; before the actor system, so URLs are set before issuing
        // The connector key, kept beside the CA keys (and so the same on every instance); the features that need it decrypt with it.
        services.AddSingleton(sp => new ConnectorKeyHolder(sp.GetRequiredService<BuiltInCa>().OpenConnectorKey(options.ConnectorKey),
            $"This instance has no connector key: none is stored with the CA keys and Connector:ConnectorKey:Generate is off (import one with Connector:ConnectorKey:ImportPkcs12 or ImportPem)."));
        // A PFX the key opens is checked against the limits a feature registered (the default caps otherwise).
        services.AddSingleton<IConnectorKeyCipher>(sp => new ConnectorKeyCipher(sp.GetRequiredService<ConnectorKeyHolder>(), sp.GetService<PfxLimits>()));
        services.AddSingleton(sp => JournalSealingKey.DeriveFrom(sp.GetRequiredService<BuiltInCa>().CaPrivateKey)); // shared by all instances, as the CA key is

        // Every feature's standalone store lives in it; created (or the server reached) at start-up, closed when the host stops.
        services.AddSingleton(_ => Initialized(shared ?? new StandaloneDatabase(data.StandaloneDatabase, StandaloneDatabase.DefaultBusyTimeout), d => d.InitializeAsync()));
        services.AddSingleton(new StandaloneInstance(instanceId));

        foreach (var feature in options.Features)
        {
            feature.AddServices(services, options);
            if (feature.RequestView is { } view)
                services.AddSingleton(sp => new FeatureRequestRegion(feature.Name, feature.Role, () => view.Region(sp), view.PersistenceId, view.DetailsPath));
        }
        services.AddSingleton<IQueueLeaseRelease, StandaloneQueueLeaseRelease>(); // every standalone queue, for departed members
        if (options.Service.IsRemote) services.AddRemoteManagementService(options); // after the features: the remote ports win
        return services;
    }

    /// <summary>Schema creation at start-up, before any actor runs: a broken database stops the start, loudly.</summary>
    public static T Initialized<T>(T store, Func<T, Task> initialize)
    {
        initialize(store).GetAwaiter().GetResult();
        return store;
    }

    private static BuiltInCa OpenBuiltInCa(BuiltInCaSettings settings, DataDirectory data, StandaloneDatabase? shared, TimeProvider time)
    {
        var caOptions = new BuiltInCaOptions
        {
            Directory = data.CaDirectory,
            SubjectName = settings.SubjectName,
            KeySpec = KeySpec.Parse(settings.KeySpec),
            OcspKeySpec = KeySpec.Parse(settings.OcspKeySpec),
            ValidityYears = settings.ValidityYears,
            // A cluster keeps issued certificates, CRL numbers and the CA/RA/OCSP keys (encrypted) in its shared database.
            Database = shared,
            SharedCredentials = shared is null ? null : new SharedCaCredentials(shared),
            Token = CaKeyStore.Open(settings), // Connector:Ca:KeyStore=pkcs11: the CA, RA and OCSP keys live in this token
        };
        // Import only on the first start: afterwards the imported CA lives (encrypted) in the data directory or shared database.
        var firstStart = !BuiltInCa.Exists(caOptions);
        return settings.ImportPkcs12 is { Length: > 0 } p12 && firstStart
            ? BuiltInCa.Import(caOptions, p12, settings.ImportPassword ?? "", time)
            : BuiltInCa.OpenOrCreate(caOptions, time);
    }
}
