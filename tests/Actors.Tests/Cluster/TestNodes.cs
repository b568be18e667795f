using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Tests.Pkcs;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CertConnector.Actors.Tests.Cluster;

/// <summary>Connector nodes in one process, wired as the host wires them: port 0, our serializer on the wire and in the journal.</summary>
internal static class TestNodes
{
    public static readonly JournalSealingKey Key = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public const string InMemoryJournal = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    /// <summary>One SQLite file shared by every node, as PostgreSQL is in production: a hand-over recovers from it.</summary>
    public static string SharedSqlite(string file) => $$"""
        akka.persistence.journal {
          plugin = "akka.persistence.journal.sql"
          sql { class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", connection-string = "Data Source={{file}}", provider-name = "SQLite.MS", auto-initialize = on }
        }
        akka.persistence.snapshot-store {
          plugin = "akka.persistence.snapshot-store.sql"
          sql { class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql", connection-string = "Data Source={{file}}", provider-name = "SQLite.MS", auto-initialize = on }
        }
        """;

    public static async Task<IHost> StartPkcsNode(string name, bool withPkcsRole, ICertificateAuthority ca, IPkcsService service, string persistence)
    {
        var options = new PkcsOptions { Enabled = withPkcsRole, PollInterval = TimeSpan.FromHours(1), RetryBaseDelay = TimeSpan.FromMilliseconds(100) };
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new PkcsPorts(new FakeCredentials(), ca, service, new RecordingEventLog(), options));
        builder.Services.AddAkka("certconnector", akka => akka
            .AddHocon(ConfigurationFactory.ParseString($$"""
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
                akka.cluster.roles = [{{(withPkcsRole ? "pkcs" : "")}}]
                akka.cluster.app-version = "9.9.9"
                akka.cluster.sharding.remember-entities-store = eventsourced
                akka.loglevel = WARNING
                {{persistence}}
                """), HoconAddMode.Prepend)
            .AddHocon(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration, HoconAddMode.Append)
            .WithCustomSerializer("connector-json", ConnectorJsonSerializer.BoundTypes, system => new ConnectorJsonSerializer(system, Key, [PkcsManifests.Table]))
            .AddPkcsFeature(options)
            .AddNodeInfo(name, "9.9.9"));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static Akka.Cluster.Cluster Cluster(this IHost host) => Akka.Cluster.Cluster.Get(host.System());
    public static ActorSystem System(this IHost host) => host.Services.GetRequiredService<ActorSystem>();
    public static ActorRegistry Registry(this IHost host) => host.Services.GetRequiredService<ActorRegistry>();

    public static async Task AwaitCondition(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
