using CertConnector.Tests.Postgres;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>Real connector processes started as cluster nodes: <c>hocon/cluster.hocon</c>, journal in a test's PostgreSQL database.</summary>
public static class ClusterNodes
{
    public static string ClusterHocon => Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.hocon");


    /// <summary>Every node of a test cluster: the CA keys are kept encrypted in the shared database under it.</summary>
    public static IReadOnlyDictionary<string, string> Environment(PostgresDatabase? viaVariable = null)
    {
        var environment = new Dictionary<string, string> { ["CERTCONNECTOR_CA_PASSPHRASE"] = "cluster test passphrase" };
        if (viaVariable is not null) environment[Postgres.Variable] = viaVariable.ConnectionString;
        return environment;
    }

    /// <summary>A member's address as cluster show prints it: the transport is always TLS (akka.ssl.tcp).</summary>
    public static string Address(int port) => $"akka.ssl.tcp://certconnector@127.0.0.1:{port}";

    /// <summary>The seed-node form the documentation gives operators (akka.tcp): the host turns it into the TLS scheme.</summary>
    public static string SeedAddress(int port) => $"akka.tcp://certconnector@127.0.0.1:{port}";

    /// <summary>Starts a node on <paramref name="port"/> whose journal and snapshots are in <paramref name="database"/>.</summary>
    public static ConnectorProcess Start(string dataDir, PostgresDatabase database, int port, params string[] extraArgs) =>
        Start(dataDir, database.ConnectionString, port, extraArgs);

    /// <summary>The same, with the connection string given (e.g. through PgBouncer).</summary>
    public static ConnectorProcess Start(string dataDir, string connectionString, int port, params string[] extraArgs) =>
        ConnectorProcess.Start(dataDir, new Dictionary<string, string>(), Environment(),
            ["--hocon", ClusterHocon, "--cluster-port", port.ToString(),
             "--Connector:Database:Provider=postgres", $"--Connector:Database:ConnectionString={connectionString}", .. extraArgs]);

    /// <summary>The same, but the connection string comes from the plain CERTCONNECTOR_PG variable (the scripts' fallback), not the setting.</summary>
    public static ConnectorProcess StartWithPgVariable(string dataDir, PostgresDatabase database, int port, params string[] extraArgs) =>
        ConnectorProcess.Start(dataDir, new Dictionary<string, string>(), Environment(database),
            ["--hocon", ClusterHocon, "--cluster-port", port.ToString(), "--Connector:Database:Provider=postgres", .. extraArgs]);

    /// <summary>The members <c>cluster show --json</c> of <paramref name="node"/> lists as Up.</summary>
    public static IReadOnlyList<string> UpMembers(ConnectorProcess node)
    {
        var show = node.Cli("cluster", "show", "--json");
        if (show.ExitCode != 0) return [];
        return [.. show.Json.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("status").GetString() == "Up")
            .Select(m => m.GetProperty("address").GetString()!)
            .Order()];
    }
}
