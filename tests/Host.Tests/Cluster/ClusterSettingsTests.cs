using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>Connector:Cluster and Connector:Database settings (switches, keys, environment) reach hocon/cluster.hocon through the host's header.</summary>
public sealed class ClusterSettingsTests
{
    private static ConnectorOptions Bind(string[] args, IDictionary<string, string?>? environment = null) =>
        ServerArguments.Bind(new ConfigurationBuilder()
            .AddInMemoryCollection(environment ?? new Dictionary<string, string?>())
            .AddInMemoryCollection(ServerArguments.Parse(args))
            .Build());

    private const string Pg = "Host=db.example;Database=cc;Username=cc;Password=p+w&'<>é";

    [Fact]
    public void Defaults_are_127_0_0_1_port_4053_and_no_seeds()
    {
        var options = Bind([]);
        Assert.Equal(("127.0.0.1", 4053), (options.Cluster.Hostname, options.Cluster.Port));
        Assert.Empty(options.Cluster.SeedNodes);
    }

    [Fact]
    public void Switches_and_keys_reach_the_cluster_hocon()
    {
        var options = Bind(["--hocon", ClusterNodes.ClusterHocon, "--cluster-host", "10.0.0.5", "--cluster-port", "4054",
            "--seed-node", "akka.tcp://certconnector@10.0.0.4:4053", "--seed-node", "akka.tcp://certconnector@10.0.0.5:4054,akka.tcp://certconnector@10.0.0.6:4055",
            "--Connector:Database:Provider=postgres", $"--Connector:Database:ConnectionString={Pg}"]);
        var config = AkkaComposition.LoadHocon(options);
        Assert.Equal("10.0.0.5", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4054, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://certconnector@10.0.0.4:4053", "akka.tcp://certconnector@10.0.0.5:4054", "akka.tcp://certconnector@10.0.0.6:4055"],
            config.GetStringList("akka.cluster.seed-nodes"));
        foreach (var plugin in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql" })
        {
            // Quoted for HOCON and read back as the same connection (password with HOCON- and connection-string-special
            // characters intact), plus the connector's default pool cap.
            var read = new Npgsql.NpgsqlConnectionStringBuilder(config.GetString($"{plugin}.connection-string"));
            var given = new Npgsql.NpgsqlConnectionStringBuilder(Pg) { MaxPoolSize = DatabaseSettings.DefaultMaxPoolSize };
            Assert.True(given.EquivalentTo(read), $"{read.ConnectionString} is not {given.ConnectionString}");
            Assert.Equal("p+w&'<>é", read.Password);
            Assert.Equal("PostgreSQL.15", config.GetString($"{plugin}.provider-name"));
        }
        StartupChecks.CheckSettings(options); // and the start-up checks accept it
    }

    /// <summary>
    /// What the issue-9 measurements rest on (docs/BENCHMARKS.md): a shard waits long enough for its remember-entities
    /// write that a restart burst does not restart entities mid-step (issued twice at 5 s); the SQLite journal writes in
    /// one stream and reads without the write lock.
    /// </summary>
    [Fact]
    public void Both_hocon_files_give_remember_entities_writes_60_s_and_the_sqlite_journal_reads_without_the_write_lock()
    {
        var embedded = AkkaComposition.ParseHocon(Bind([]));
        var cluster = AkkaComposition.ParseHocon(Bind(["--hocon", ClusterNodes.ClusterHocon, "--Connector:Database:Provider=postgres",
            $"--Connector:Database:ConnectionString={Pg}"]));
        foreach (var config in new[] { embedded, cluster })
            Assert.True(config.GetTimeSpan("akka.cluster.sharding.updating-state-timeout") >= TimeSpan.FromSeconds(60));
        Assert.Equal(1, embedded.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.Equal("read-uncommitted", embedded.GetString("akka.persistence.journal.sql.read-isolation-level"));
        Assert.Equal("read-uncommitted", embedded.GetString("akka.persistence.snapshot-store.sql.read-isolation-level"));
    }

    [Fact]
    public void Environment_keys_set_the_cluster_and_an_empty_seed_list_joins_itself()
    {
        var options = Bind([], new Dictionary<string, string?>
        {
            ["Connector:Cluster:Port"] = "4099",
            ["Connector:Cluster:SeedNodes:0"] = "akka.tcp://certconnector@127.0.0.1:4053",
            ["Connector:Database:Provider"] = "postgres",
            ["Connector:Database:ConnectionString"] = Pg,
        });
        Assert.Equal(4099, options.Cluster.Port);
        Assert.Equal(["akka.tcp://certconnector@127.0.0.1:4053"], options.Cluster.SeedNodes);

        var alone = AkkaComposition.LoadHocon(Bind(["--hocon", ClusterNodes.ClusterHocon, "--Connector:Database:Provider=postgres", $"--Connector:Database:ConnectionString={Pg}"]));
        Assert.Empty(alone.GetStringList("akka.cluster.seed-nodes")); // the host joins the node to itself
    }

    [Theory]
    [InlineData("Host=db;Database=c;Username=u;Password=p", 10)]
    [InlineData("Host=db;Database=c;Username=u;Password=p;Maximum Pool Size=40", 40)]
    [InlineData("Host=db;Database=c;Username=u;Password=p;maximum pool size=100", 100)]
    public void A_connection_string_without_a_pool_size_gets_the_cluster_default_and_an_explicit_one_is_kept(string given, int expected)
    {
        var effective = CertConnector.Host.Configuration.DatabaseSettings.WithDefaultPoolSize(given)!;
        Assert.Equal(expected, new Npgsql.NpgsqlConnectionStringBuilder(effective).MaxPoolSize);
        Assert.Equal("p", new Npgsql.NpgsqlConnectionStringBuilder(effective).Password);
    }
}
