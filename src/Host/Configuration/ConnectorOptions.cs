using CertConnector.Host.Ca;
using System.Collections.Concurrent;
using CertConnector.Host.Admin;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Host.Features;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Configuration;

/// <summary>
/// Everything an operator configures outside the Akka HOCON, bound from the <c>Connector</c> section
/// (appsettings.json, <c>CERTCONNECTOR_</c> environment variables, or the command line).
/// </summary>
public sealed class ConnectorOptions
{
    public const string Section = "Connector";

    /// <summary>Journal, CA, logs, token. Relative paths are relative to the working directory.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>A JSON settings file read under the environment and the command line (see <see cref="Configuration.SettingsFile"/>).</summary>
    public string? SettingsFile { get; set; }

    /// <summary>The admin HTTP API. Loopback by default: it can issue certificates.</summary>
    public string AdminUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>The Akka configuration file; relative names are looked up next to the executable too.</summary>
    public string Hocon { get; set; } = "hocon/embedded.hocon";

    /// <summary>This instance's name in logs and status (default: the machine name).</summary>
    public string Instance { get; set; } = Environment.MachineName;

    /// <summary>The connector key the PKCS import and recrypt features decrypt with (one for every instance).</summary>
    public ConnectorKeyOptions ConnectorKey { get; set; } = new();
    public BuiltInCaSettings Ca { get; set; } = new();
    public LogSettings Logging { get; set; } = new();
    public StandaloneSettings Standalone { get; set; } = new();
    /// <summary>Admin API limits (<c>Connector:Admin:MaxSubjectAltNames</c>).</summary>
    public AdminOptions Admin { get; set; } = new();
    /// <summary>Where certificates point relying parties for revocation status, and how long CRLs and OCSP answers hold.</summary>
    public CaPublishingOptions Publishing { get; set; } = new();
    /// <summary>Where the shared stores live: the SQLite files in the data directory (default) or one PostgreSQL database.</summary>
    public DatabaseSettings Database { get; set; } = new();
    /// <summary>This node's Akka.Remote endpoint and the seed nodes it joins (used by <c>hocon/cluster.hocon</c>).</summary>
    public ClusterSettings Cluster { get; set; } = new();
    /// <summary>Where the work comes from: the connector's own queues (standalone, default) or the management service (remote).</summary>
    public ServiceSettings Service { get; set; } = new();
    /// <summary>The signed release feed this instance checks its lifecycle against.</summary>
    public UpdateSettings Updates { get; set; } = new();
    /// <summary>The Prometheus scrape endpoint and the OTLP exporter (<c>Connector:Metrics:*</c>).</summary>
    public Metrics.MetricsSettings Metrics { get; set; } = new();

    public string DataDirFullPath => Path.GetFullPath(DataDir);

    /// <summary>
    /// The features this program is composed of: <see cref="ConnectorFeatures.All"/>, unless the program was started
    /// with another list (a test adding a feature of its own). Not a setting (no public setter, so never bound).
    /// </summary>
    public IReadOnlyList<ConnectorFeature> Features { get; private set; } = ConnectorFeatures.All;

    /// <summary>Composes the program of <paramref name="features"/> instead of <see cref="ConnectorFeatures.All"/>.</summary>
    /// <exception cref="InvalidOperationException">two features claim one settings section or options type, or one claims a section of this class.</exception>
    public ConnectorOptions WithFeatures(IReadOnlyList<ConnectorFeature> features)
    {
        var own = typeof(ConnectorOptions).GetProperties().Select(p => p.Name);
        if (features.Select(f => f.Settings.Section).Concat(own).GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } section)
            throw new InvalidOperationException($"The settings section '{Section}:{section.Key}' is claimed twice.");
        if (features.GroupBy(f => f.Settings.OptionsType).FirstOrDefault(g => g.Count() > 1) is { } type)
            throw new InvalidOperationException($"The features {string.Join(", ", type.Select(f => f.Name))} share the settings type {type.Key.Name}.");
        Features = features;
        return this;
    }

    // One options object per feature, keyed by its type (features' types are distinct, see WithFeatures); filled by binding,
    // or with the defaults on first use. Concurrent: endpoints read it per request.
    private readonly ConcurrentDictionary<Type, object> _featureSettings = new();

    /// <summary>The settings section of the feature whose options type is <typeparamref name="TOptions"/> (<c>Connector:SECTION</c>).</summary>
    /// <exception cref="InvalidOperationException">no feature of the program has settings of that type.</exception>
    public TOptions Feature<TOptions>() where TOptions : class =>
        (TOptions)Feature(Features.FirstOrDefault(f => f.Settings.OptionsType == typeof(TOptions))
                          ?? throw new InvalidOperationException($"No feature of this program has settings of type {typeof(TOptions).Name}."));

    /// <summary>The settings section of <paramref name="feature"/>: as bound, or its defaults.</summary>
    public object Feature(ConnectorFeature feature) => _featureSettings.GetOrAdd(feature.Settings.OptionsType, _ => feature.Settings.Defaults());

    /// <summary>Puts the bound settings section of <paramref name="feature"/> in place of its defaults.</summary>
    internal void SetFeature(ConnectorFeature feature, object settings) => _featureSettings[feature.Settings.OptionsType] = settings;

    /// <summary>
    /// The named CAs (<c>Connector:Cas</c>), bound and checked by <see cref="ServerArguments.Bind"/>; the built-in CA alone until then.
    /// Not bound by the configuration binder (no public setter, and not called <c>Cas</c>): its keys depend on each CA's type.
    /// </summary>
    public CaSettings NamedCas { get; private set; } = CaSettings.BuiltInOnly;

    internal void SetNamedCas(CaSettings cas) => NamedCas = cas;

    /// <summary>The enabled features.</summary>
    public IEnumerable<ConnectorFeature> EnabledFeatures => Features.Where(f => f.IsEnabled(this));

    /// <summary>Cluster roles follow the enabled features, so work is only routed where it can run.</summary>
    public IReadOnlyList<string> Roles => [.. EnabledFeatures.Select(f => f.Role)];
}

public sealed class BuiltInCaSettings
{
    public string SubjectName { get; set; } = "CN=CertConnector Built-in CA";
    public string KeySpec { get; set; } = "rsa:3072";
    /// <summary>The delegated OCSP responder's key: <c>rsa:2048</c> (default, for old clients) or <c>ec:p256</c> (signs nonce answers much faster).</summary>
    public string OcspKeySpec { get; set; } = "rsa:2048";
    public int ValidityYears { get; set; } = 10;
    /// <summary>Import this CA (PKCS#12) on first start instead of generating one.</summary>
    public string? ImportPkcs12 { get; set; }
    public string? ImportPassword { get; set; }
    /// <summary><c>file</c> (default): the CA, RA and OCSP keys encrypted beside their certificates; <c>pkcs11</c>: in <see cref="Pkcs11"/>'s token.</summary>
    public string KeyStore { get; set; } = CaKeyStore.File;
    public Pkcs11Settings Pkcs11 { get; set; } = new();
}

public sealed class LogSettings
{
    /// <summary>The start-up value of the Admin channel's Debug switch; <c>certconnector logs debug</c> changes it while running.</summary>
    public bool AdminDebug { get; set; }
    public bool OperationalDebug { get; set; }
    public bool Console { get; set; } = true;
    /// <summary>A channel's file rolls at this size (and at midnight) and is gzipped into <c>logs/archive</c> at once.</summary>
    public long FileSizeLimitBytes { get; set; } = 50L * 1024 * 1024;
    /// <summary>Rolled (gzipped) files kept per channel.</summary>
    public int RetainedFiles { get; set; } = 31;
}

public sealed class StandaloneSettings
{
    /// <summary>How long a downloaded request is not handed out again.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The stores that must be one for the whole connector (queues, SCEP challenges and notifications, issued
/// certificates, CRL number, CA credentials). <c>sqlite</c>: files in the data directory, one instance only.
/// <c>postgres</c>: one PostgreSQL database that every instance of a cluster shares.
/// </summary>
public sealed class DatabaseSettings
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    public string Provider { get; set; } = Sqlite;

    /// <summary>The Npgsql connection string when <see cref="Provider"/> is <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads secret-bearing journal events written before sealing existed (unsealed); off, such rows are refused.
    /// A migration aid: turn it on only until the requests those rows belong to are finished.</summary>
    public bool ReadUnsealedLegacyEvents { get; set; }

    /// <summary>For scripts: when <see cref="ConnectionString"/> is not set, this environment variable supplies it (not the provider).</summary>
    public const string ConnectionStringVariable = "CERTCONNECTOR_PG";

    /// <summary>
    /// Each instance opens two pools (journal, shared stores). Npgsql's default of 100 each would let three busy instances
    /// exceed PostgreSQL's default max_connections (100); 10 each lets five instances fit. An explicit
    /// <c>Maximum Pool Size</c> in the connection string wins.
    /// </summary>
    public const int DefaultMaxPoolSize = 10;

    /// <summary>The connection string with <see cref="DefaultMaxPoolSize"/> unless it names a pool size; unparsable: unchanged (the start-up check reports it).</summary>
    public static string? WithDefaultPoolSize(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString)) return connectionString;
        try
        {
            // The generic builder keeps the keys as written (Npgsql's reports every keyword it knows as present).
            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
            if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "").Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase)
                                                   || k.Replace(" ", "").Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase)))
                return connectionString;
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DefaultMaxPoolSize };
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return connectionString;
        }
    }
}

/// <summary>
/// A node of a multi-instance cluster (<c>Connector:Cluster:*</c>). The host writes these into the HOCON it
/// reads (<c>certconnector.cluster.hostname</c>, <c>.port</c>, <c>.seed-nodes</c>), so <c>hocon/cluster.hocon</c>
/// needs no editing per instance. The embedded one-node default ignores them.
/// </summary>
public sealed class ClusterSettings
{
    /// <summary>The address other nodes reach this one at (and this node binds).</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The Akka.Remote port (TCP).</summary>
    public int Port { get; set; } = 4053;

    /// <summary>
    /// Nodes to join, as <c>akka.tcp://certconnector@host:port</c> (<c>--seed-node</c>, repeatable). Empty: the node
    /// joins itself and forms a new cluster, which the others then name as their seed.
    /// </summary>
    public List<string> SeedNodes { get; set; } = [];
}
