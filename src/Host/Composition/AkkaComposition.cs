using CertConnector.Actors.Health;
using System.Text.Json;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using CertConnector.Actors.Cluster;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Configuration;
using CertConnector.Host.Logging;

namespace CertConnector.Host.Composition;

public static class AkkaComposition
{
    public const string SystemName = "certconnector";

    /// <summary>The actor system: operator HOCON, our serializer, then one line per feature.</summary>
    public static IServiceCollection AddConnectorAkka(this IServiceCollection services, ConnectorOptions options) =>
        services.AddAkka(SystemName, (builder, sp) => builder
            .AddHocon(ClusterTls.Enforce(InstanceRoles.WithInstanceRole(LoadHocon(options), sp.GetRequiredService<StandaloneInstance>().Id)), HoconAddMode.Prepend)
            .AddHocon(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
            .AddHocon(ConnectorJsonSerializer.NoFallbackHocon, HoconAddMode.Append)
            // Akka's own diagnostics go to the console with control characters escaped, like every other log line.
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLogger<EscapingStandardOutLogger>();
            })
            .WithCustomSerializer("connector-json", ConnectorJsonSerializer.BoundTypes,
                system => new ConnectorJsonSerializer(system, sp.GetRequiredService<JournalSealingKey>(), options.Features.Select(f => f.Manifests),
                    options.Database.ReadUnsealedLegacyEvents))
            .AddClusterTls(sp, options) // mutual TLS between nodes, the single node included
            .AddFeatures(options)
            .AddHealthReportingIfRemote(options)
            .AddUpdateWatcherIfEnabled(options)
            .AddNodeInfo(options.Instance, Admin.AdminEndpoints.Version, sp.GetRequiredService<CertConnector.Adapters.Crypto.ConnectorKeyHolder>().Key?.Fingerprint[..16],
                () => Ca.Named.CaStatusView.OfNode(sp.GetRequiredService<CertConnector.Actors.Ports.CertificateAuthorities>(), sp.GetRequiredService<Ca.Named.CaCalls>()),
                () => sp.GetRequiredService<CertConnector.Actors.Updates.CurrentLifecycle>().Value)
            .AddDepartedMemberLeaseRelease() // a member that left or was downed: its queue leases end at once
            .AddClusterMembershipLog() // 0010-0012: members up, unreachable, removed
            .AddStartup((system, _) =>
            {
                // The embedded default has no seed nodes: the node forms a cluster of one by joining itself.
                var cluster = Cluster.Get(system);
                if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
            }));

    /// <summary>Health messages go to the management service: remote mode only (standalone has no service to tell).</summary>
    private static AkkaConfigurationBuilder AddHealthReportingIfRemote(this AkkaConfigurationBuilder builder, ConnectorOptions options) =>
        options.Service.IsRemote ? builder.AddHealthReporting() : builder;

    private static AkkaConfigurationBuilder AddFeatures(this AkkaConfigurationBuilder builder, ConnectorOptions options) =>
        options.Features.Aggregate(builder, (akka, feature) => feature.AddActors(akka, options));

    /// <summary>
    /// Reads the operator's HOCON file and puts in front of it what the host decides: the data directory
    /// (for substitutions such as the SQLite path) and the cluster roles, which follow the enabled features.
    /// </summary>
    public static Config LoadHocon(ConnectorOptions options)
    {
        var config = ParseHocon(options);
        UseWriteAheadLogForSqlite(config);
        return config;
    }

    /// <summary>Reads and parses the HOCON without touching anything it names (the start-up checks call this first).</summary>
    public static Config ParseHocon(ConnectorOptions options)
    {
        var path = ResolveHoconPath(options.Hocon);
        return ConfigurationFactory.ParseString(Header(options) + File.ReadAllText(path));
    }

    /// <summary>
    /// What the host puts in front of the operator's HOCON, for it to refer to (<c>${certconnector.cluster.port}</c>):
    /// the data directory, this node's cluster endpoint and seeds, the database connection string (all from
    /// <c>Connector:*</c> settings), plus the roles and version Akka reads directly. Operators configure an instance
    /// through settings, so one HOCON file serves every instance and needs no environment overrides.
    /// </summary>
    public static string Header(ConnectorOptions options)
    {
        var roles = string.Join(", ", options.Roles.Select(Quote));
        var seeds = string.Join(", ", options.Cluster.SeedNodes.Select(Quote));
        return $"certconnector.data-dir = {Quote(options.DataDirFullPath)}\n" +
               $"certconnector.cluster.hostname = {Quote(options.Cluster.Hostname)}\n" +
               $"certconnector.cluster.port = {options.Cluster.Port}\n" +
               $"certconnector.cluster.seed-nodes = [{seeds}]\n" +
               $"certconnector.database.provider = {Quote(options.Database.Provider)}\n" +
               $"certconnector.database.connection-string = {Quote(options.Database.ConnectionString ?? "")}\n" +
               $"akka.cluster.roles = [{roles}]\n" +
               // Every member carries its version (Member.AppVersion): cluster show and status compare them.
               $"akka.cluster.app-version = {Quote(Admin.AdminEndpoints.Version)}\n";
    }

    // A HOCON quoted string is a JSON string; keep what JSON allows unescaped (+, &, ', <, >, non-ASCII) as it is.
    private static readonly JsonSerializerOptions HoconString = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static string Quote(string value) => JsonSerializer.Serialize(value, HoconString);

    /// <summary>
    /// A SQLite journal in WAL mode commits with one fsync instead of several and lets readers run beside
    /// the writer; the mode is stored in the database file, so setting it once before Akka opens it is enough.
    /// </summary>
    private static void UseWriteAheadLogForSqlite(Config config)
    {
        var journal = config.GetConfig("akka.persistence.journal.sql");
        if (journal is null || journal.GetString("provider-name")?.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase) != true) return;
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(journal.GetString("connection-string"));
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL;";
        pragma.ExecuteNonQuery();
    }

    public static string ResolveHoconPath(string hocon)
    {
        if (File.Exists(hocon)) return Path.GetFullPath(hocon);
        var besideExecutable = Path.Combine(AppContext.BaseDirectory, hocon);
        if (File.Exists(besideExecutable)) return besideExecutable;
        throw new FileNotFoundException($"HOCON file '{hocon}' not found (looked in {Directory.GetCurrentDirectory()} and {AppContext.BaseDirectory}).", hocon);
    }
}
