namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// Cluster and database settings that cannot work are one line and exit 1 before anything is created: the
/// cluster HOCON without PostgreSQL, PostgreSQL without a connection string, a HOCON key set from itself (which
/// used to kill the process with a stack overflow), an unresolved substitution, a malformed seed node.
/// </summary>
public sealed class ClusterStartupTests
{
    private static (int ExitCode, string Output, string WorkDir) Run(params string[] args) =>
        ConnectorRun.RunToExit("cluster-startup", ["--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0", .. args]);

    private static string Hocon(string text)
    {
        var file = Path.Combine(Tools.TempDir("hocon"), "node.hocon");
        File.WriteAllText(file, text);
        return file;
    }

    private const string PostgresSettings = "--Connector:Database:Provider=postgres";
    private const string ConnectionString = "--Connector:Database:ConnectionString=Host=127.0.0.1;Database=nowhere;Username=u;Password=p";

    public static TheoryData<string[], int, string> Cases => new()
    {
        { ["--hocon", ClusterNodes.ClusterHocon], 1, "keeps the journal in PostgreSQL (akka.persistence.journal.sql), but Connector:Database:Provider is sqlite" },
        { [PostgresSettings], 1, "Connector:Database:Provider is postgres but no connection string is set" },
        { ["--hocon", ClusterNodes.ClusterHocon, PostgresSettings], 1, "no connection string is set" },
        { ["--Connector:Database:Provider=oracle"], 1, "Connector:Database:Provider 'oracle' is not supported" },
        { [PostgresSettings, "--Connector:Database:ConnectionString=Hots=x;Password=secret"], 1, "not a valid PostgreSQL connection string" },
        { ["--hocon", Hocon("akka.remote.dot-netty.tcp {\n hostname = \"127.0.0.1\"\n hostname = ${?CERTCONNECTOR_HOSTNAME}\n port = 0\n}\n")], 1,
          "'akka.remote.dot-netty.tcp.hostname' refers to itself" },
        { ["--hocon", Hocon("akka.remote.dot-netty.tcp.port = ${certconnector.cluster.prot}\n")], 1, "Unresolved substitution: certconnector.cluster.prot" },
        { ["--hocon", ClusterNodes.ClusterHocon, PostgresSettings, ConnectionString, "--seed-node", "127.0.0.1:4053"], 1,
          "The seed node '127.0.0.1:4053' is not an address of a connector node" },
        { ["--hocon", Hocon("akka.cluster.seed-nodes = [\"akka.tcp://other@127.0.0.1:4053\"]\n")], 1, "fix akka.cluster.seed-nodes in" },
        { ["--cluster-port", "70000"], 1, "Connector:Cluster:Port 70000 is not a TCP port" },
        { ["--seed-node", "akka.tcp://certconnector@127.0.0.1:4053"], 1, "does not use it: that file runs one node alone" },
        { ["--seed-node"], 2, "Option '--seed-node' needs a value, e.g. --seed-node akka.tcp://certconnector@10.0.0.5:4053" },
        { ["--cluster-prot", "4053"], 2, "Did you mean '--cluster-port'?" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_cluster_or_database_setting_that_cannot_work_is_one_line_and_nothing_is_created(string[] args, int exitCode, string expected)
    {
        var data = Path.Combine(Tools.TempDir("cluster-startup-data"), "data");
        var run = Run(["--data-dir", data, .. args]);
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}, expected {exitCode}: {run.Output}");
        Assert.DoesNotContain('\n', run.Output);
        Assert.Contains(expected, run.Output);
        Assert.DoesNotContain("secret", run.Output); // a connection string's password is never echoed
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkDir));
        Assert.False(Directory.Exists(data), $"{data} was created");
    }
}
