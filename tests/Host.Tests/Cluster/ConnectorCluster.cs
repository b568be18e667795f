using CertConnector.Tests.Postgres;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// One instance of a <see cref="ConnectorCluster"/>: a real <c>certconnector</c> process with its own data directory
/// and fixed ports (admin, SCEP, Akka.Remote), so a restart comes back at the same addresses.
/// </summary>
public sealed class ClusterNode
{
    private readonly ConnectorCluster _cluster;
    private readonly string[] _featureArgs;

    internal ClusterNode(ConnectorCluster cluster, string name, bool pkcs, bool scep, bool revocation, bool pkcsImport, bool recrypt)
    {
        _cluster = cluster;
        Name = name;
        Pkcs = pkcs;
        Scep = scep;
        Revocation = revocation;
        DataDir = Path.Combine(cluster.Dir, name);
        AdminPort = Tools.FreePort();
        ScepPort = Tools.FreePort();
        ClusterPort = Tools.FreePort();
        _featureArgs = [$"--Connector:Pkcs:Enabled={Lower(pkcs)}", $"--Connector:Scep:Enabled={Lower(scep)}", $"--Connector:Revocation:Enabled={Lower(revocation)}",
            $"--Connector:PkcsImport:Enabled={Lower(pkcsImport)}", $"--Connector:Recrypt:Enabled={Lower(recrypt)}",
            // The devices of these tests include Debian's scepclient, which encrypts with single DES only (refused by default).
            "--Connector:Scep:AllowSingleDes=true"];
    }

    public string Name { get; }
    public bool Pkcs { get; }
    public bool Scep { get; }
    public bool Revocation { get; }
    public string DataDir { get; }
    public int AdminPort { get; }
    public int ScepPort { get; }
    public int ClusterPort { get; }
    public ConnectorProcess? Process { get; private set; }
    public bool Running => Process is { HasExited: false };

    /// <summary>As cluster show prints it (the transport is always TLS), and a valid seed-node form too.</summary>
    public string Address => $"akka.ssl.tcp://certconnector@127.0.0.1:{PublicClusterPort ?? ClusterPort}";

    /// <summary>When set, the port this node tells the others to reach it at (a relay in front of <see cref="ClusterPort"/>).</summary>
    public int? PublicClusterPort { get; set; }
    public string AdminUrl => $"http://127.0.0.1:{AdminPort}";
    public string Origin => $"http://127.0.0.1:{ScepPort}";
    public string ScepUrl => Origin + "/scep";

    /// <summary>Starts (or restarts) the process on the same data directory and ports; seeded by its cluster's nodes unless told otherwise.</summary>
    public ClusterNode Start(IEnumerable<ClusterNode>? seedNodes = null)
    {
        if (Running) throw new InvalidOperationException($"{Name} is running");
        var seeds = (seedNodes ?? _cluster.Nodes).SelectMany(n => new[] { "--seed-node", n.Address });
        // Each instance has two connection pools (journal, shared stores), 100 connections each by default; capped so that
        // three busy instances and other tests on the same server stay within PostgreSQL's default max_connections (100).
        Process = ConnectorProcess.Start(DataDir, _cluster.Settings, _cluster.Environment,
        [
            "--instance", Name, "--admin-url", AdminUrl, "--scep-url", Origin, "--hocon", Hocon(),
            "--Connector:Database:Provider=postgres", "--Connector:Database:ConnectionString=" + _cluster.Database.ConnectionString + ";Maximum Pool Size=10",
            "--cluster-host", "127.0.0.1", "--cluster-port", ClusterPort.ToString(), .. seeds, .. _featureArgs,
        ]);
        return this;
    }

    private string Hocon()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.hocon");
        if (PublicClusterPort is not { } publicPort) return shipped;
        var path = Path.Combine(_cluster.Dir, Name + ".hocon");
        File.WriteAllText(path, File.ReadAllText(shipped) + $"\nakka.remote.dot-netty.tcp.public-port = {publicPort}\n");
        return path;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill() => Process?.Kill();

    /// <summary>SIGTERM and the exit code.</summary>
    public int Terminate() => Process!.Terminate(TimeSpan.FromSeconds(90));

    public CliResult Cli(params string[] args) => ConnectorProcess.RunCli(DataDir, args);

    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri(AdminUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(DataDir, "admin.token")).Trim());
        return http;
    }

    /// <summary>Members this node sees, by status (<c>cluster show --json</c>).</summary>
    public IReadOnlyList<(string Address, string Status)> Members()
    {
        var show = Cli("cluster", "show", "--json");
        if (show.ExitCode != 0) return [];
        return show.Json.GetProperty("members").EnumerateArray()
            .Select(m => (m.GetProperty("address").GetString()!, m.GetProperty("status").GetString()!)).ToList();
    }

    public override string ToString() => $"{Name} ({Address}, admin {AdminUrl}, scep {ScepUrl})";

    private static string Lower(bool value) => value ? "true" : "false";

}

/// <summary>
/// N real connector processes in one Akka cluster on this machine, sharing one fresh PostgreSQL database (dropped on
/// dispose) and one CA passphrase. Every node lists every node as a seed, the first one first, so the first node forms
/// the cluster at the start and any node that restarts joins the others.
/// </summary>
public sealed class ConnectorCluster : IDisposable
{
    /// <summary>Poll intervals short enough that the failover tests do not wait on the production defaults.</summary>
    public static readonly Dictionary<string, string> FastSettings = new()
    {
        ["Pkcs:PollInterval"] = "00:00:01",
        ["Revocation:PollInterval"] = "00:00:01",
        ["Scep:ResponseBudget"] = "00:00:20",
    };

    /// <summary>Waits for <paramref name="condition"/>, failing with every member's log after <paramref name="timeout"/>.</summary>
    public static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what, ConnectorCluster cluster)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.\n{cluster.Logs()}");
            await Task.Delay(500);
        }
    }

    /// <summary>The cluster tests run one after the other: each starts three processes, and this machine has two cores.</summary>
    public const string Collection = "ClusterFailover";

    private readonly List<ClusterNode> _nodes = [];

    /// <param name="environment">more environment variables for every node (e.g. a SoftHSM's SOFTHSM2_CONF).</param>
    public ConnectorCluster(string name, IReadOnlyDictionary<string, string>? settings = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        Dir = Tools.TempDir(name);
        Database = Postgres.CreateDatabase(name.Replace('-', '_'));
        Settings = settings ?? new Dictionary<string, string>();
        Environment = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["CERTCONNECTOR_CA_PASSPHRASE"] = "cluster-test-" + Guid.NewGuid().ToString("N"),
        };
    }

    public string Dir { get; }
    public PostgresDatabase Database { get; }
    public IReadOnlyDictionary<string, string> Settings { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }
    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>Declares a node (ports chosen now); call <see cref="ClusterNode.Start"/> after all are declared.</summary>
    public ClusterNode Add(string name, bool pkcs, bool scep, bool revocation, bool pkcsImport = true, bool recrypt = true)
    {
        var node = new ClusterNode(this, name, pkcs, scep, revocation, pkcsImport, recrypt);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Polls <c>cluster show --json</c> on <paramref name="on"/> until exactly these nodes are Up.</summary>
    public void WaitUntilUp(ClusterNode on, IReadOnlyCollection<ClusterNode> up, TimeSpan timeout)
    {
        var expected = up.Select(n => n.Address).OrderBy(a => a).ToList();
        var last = (IReadOnlyList<(string Address, string Status)>)[];
        on.Process!.WaitUntil(() =>
        {
            last = on.Members();
            return last.Where(m => m.Status == "Up").Select(m => m.Address).OrderBy(a => a).SequenceEqual(expected) && last.Count == expected.Count;
        }, timeout, $"{string.Join(", ", up.Select(n => n.Name))} Up as seen by {on.Name} (last: {string.Join(", ", last)})");
    }

    public List<object?[]> Rows(string sql)
    {
        using var connection = new NpgsqlConnection(Database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public long Count(string sql) => Database.Scalar<long>(sql);

    /// <summary>Each node's last output lines, for a failure message.</summary>
    public string Logs(int lines = 40) => string.Join("\n", _nodes.Select(n =>
        $"==== {n.Name} ====\n" + string.Join("\n", (n.Process?.Output ?? "").Split('\n').TakeLast(lines))));

    public void Dispose()
    {
        foreach (var node in _nodes) node.Kill();
        Database.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>What the tests send: PKCS requests and revocations through any instance's admin API, SCEP challenges.</summary>
public static class ClusterRequests
{
    public static string DeviceCertificate(string dir) => File.ReadAllText(Tools.DeviceCertificateFile(dir));

    /// <summary>
    /// POSTs to the first running node from <paramref name="preferred"/> on (as an MDM behind a load balancer would
    /// retry elsewhere); 409 (already queued by an earlier attempt whose answer was lost) counts as accepted.
    /// </summary>
    public static async Task<ClusterNode> PostAsync(IReadOnlyList<ClusterNode> nodes, int preferred, string path, object body)
    {
        // As a client of a cluster would: another instance, and again for a while (an instance leaving or joining refuses
        // requests for a few seconds; that is a clear answer, not a lost request).
        var errors = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (var attempt = 0; attempt < nodes.Count || DateTime.UtcNow < deadline; attempt++)
        {
            var node = nodes[(preferred + attempt) % nodes.Count];
            if (!node.Running) { await Task.Delay(20); continue; }
            try
            {
                using var http = node.Admin();
                using var response = await http.PostAsJsonAsync(path, body);
                if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict) return node;
                errors.Add($"{node.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                errors.Add($"{node.Name}: {e.Message}");
            }
            if (errors.Count > 10) errors.RemoveAt(0);
            await Task.Delay(200);
        }
        throw new InvalidOperationException($"POST {path} failed everywhere: {string.Join("; ", errors)}");
    }

    public static Task<ClusterNode> QueuePkcsAsync(IReadOnlyList<ClusterNode> nodes, int preferred, string id, string deviceCert, string key = "ec:p256") =>
        PostAsync(nodes, preferred, "/api/v1/pkcs/requests", new { subject = $"CN={id},O=Cluster", deviceCertificate = deviceCert, key, requestId = id });

    public static async Task<string> ChallengeAsync(IReadOnlyList<ClusterNode> nodes, int preferred, string subject)
    {
        for (var attempt = 0; attempt < nodes.Count * 3; attempt++)
        {
            var node = nodes[(preferred + attempt) % nodes.Count];
            if (!node.Running) continue;
            try
            {
                using var http = node.Admin();
                using var response = await http.PostAsJsonAsync("/api/v1/scep/challenges", new { subject, ttl = "30m" });
                if (response.IsSuccessStatusCode)
                    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("challenge").GetString()!;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { }
            await Task.Delay(200);
        }
        throw new InvalidOperationException($"no instance minted a challenge for {subject}");
    }
}
