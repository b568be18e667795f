// PgBouncer for tests: one source file, compiled into Host.Tests and (linked) into Adapters.Tests.
//
//   using var bouncer = PgBouncer.Start(poolSize: 3);            // Debian's pgbouncer, transaction pooling, on a free port
//   var connection = bouncer.ConnectionStringFor(database);       // a test database's connection string, through the bouncer
//
// It fronts the server of CERTCONNECTOR_PG (see Postgres.cs) for every database on it, with the same role and password
// (SCRAM). tests/run.sh installs the `pgbouncer` package. PgBouncer refuses to run as root: as root it runs as `postgres`.
using CertConnector.Host.Tests.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace CertConnector.Tests.Postgres;

/// <summary>A PgBouncer process of a test's own in transaction pooling mode, in front of the test run's PostgreSQL.</summary>
public sealed class PgBouncer : IDisposable
{
    public const string Executable = "/usr/sbin/pgbouncer";
    private readonly Process _process;
    private readonly string _dir;
    private readonly System.Text.StringBuilder _log = new();

    public int Port { get; }

    private PgBouncer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    /// <summary>
    /// Starts PgBouncer with at most <paramref name="poolSize"/> server connections per database and role, in transaction
    /// mode (a server connection belongs to a client only for one transaction), and waits until it accepts connections.
    /// </summary>
    public static PgBouncer Start(int poolSize)
    {
        if (!File.Exists(Executable)) Assert.Fail($"{Executable} is missing: install the Debian package pgbouncer (tests/run.sh does).");
        var server = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString);
        var dir = Path.Combine(Path.GetTempPath(), $"certconnector-pgbouncer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101); // readable by the user it runs as
        var port = Tools.FreePort();
        File.WriteAllText(Path.Combine(dir, "userlist.txt"), $"\"{server.Username}\" \"{server.Password}\"\n");
        File.WriteAllText(Path.Combine(dir, "pgbouncer.ini"), $"""
            [databases]
            * = host={server.Host} port={server.Port}
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {dir}/userlist.txt
            pool_mode = transaction
            default_pool_size = {poolSize}
            max_client_conn = 1000
            ignore_startup_parameters = extra_float_digits
            """);
        foreach (var file in Directory.GetFiles(dir)) File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        var asRoot = Environment.UserName == "root";
        var info = new ProcessStartInfo(asRoot ? "runuser" : Executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (asRoot) foreach (var arg in new[] { "-u", "postgres", "--", Executable }) info.ArgumentList.Add(arg);
        info.ArgumentList.Add(Path.Combine(dir, "pgbouncer.ini"));
        var bouncer = new PgBouncer(Process.Start(info)!, dir, port);
        bouncer._process.OutputDataReceived += (_, e) => { lock (bouncer._log) bouncer._log.AppendLine(e.Data); };
        bouncer._process.ErrorDataReceived += (_, e) => { lock (bouncer._log) bouncer._log.AppendLine(e.Data); };
        bouncer._process.BeginOutputReadLine();
        bouncer._process.BeginErrorReadLine();
        bouncer.WaitUntilListening();
        return bouncer;
    }

    /// <summary><paramref name="database"/>'s connection string, through this bouncer.</summary>
    public string ConnectionStringFor(PostgresDatabase database) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    /// <summary>What PgBouncer printed (its log goes to standard error).</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited) Assert.Fail($"pgbouncer exited ({_process.ExitCode}):\n{Log}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }


    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
