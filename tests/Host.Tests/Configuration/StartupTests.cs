using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>
/// A careless operator's command lines: a typo is refused with the nearest valid name (exit 2), a start-up
/// problem is one line naming the setting that fixes it (exit 1), and in both cases nothing is created.
/// Two connectors never share a data directory.
/// </summary>
public sealed class StartupTests
{
    /// <summary>Runs certconnector in a fresh working directory; returns the exit code, all output, and that directory.</summary>
    private static (int ExitCode, string Output, string WorkDir) Run(params string[] args) => ConnectorRun.RunToExit("startup", args);

    private static void AssertOneLineAndNothingCreated((int ExitCode, string Output, string WorkDir) run, int exitCode, string expected, string? dataDir = null)
    {
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}, expected {exitCode}: {run.Output}");
        Assert.DoesNotContain('\n', run.Output);
        Assert.Contains(expected, run.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkDir)); // no ./data, no CA
        if (dataDir is not null) Assert.False(Directory.Exists(dataDir), $"{dataDir} was created");
    }

    public static TheoryData<string[], string> Typos => new()
    {
        { ["clusterx"], "Unknown command 'clusterx'" },
        { ["stauts"], "Did you mean 'status'?" },
        { ["--admin-ur", "http://127.0.0.1:0"], "Did you mean '--admin-url'?" },
        { ["--Connector:Scep:Enabeld=false"], "Did you mean 'Connector:Scep:Enabled'?" },
        { ["--data-dir", "--data-dir"], "'--data-dir' needs a value" },
        { ["--url", "http://127.0.0.1:1"], "--url is a CLI option" },
        { ["--Connector:Pkcs:MaxInFlight=many"], "'many' is not a valid value" },
    };

    [Theory]
    [MemberData(nameof(Typos))]
    public void A_typo_is_refused_with_the_nearest_name_before_anything_is_created(string[] args, string expected)
    {
        var run = Run(args);
        AssertOneLineAndNothingCreated(run, run.Output.Contains("not a valid value") ? 1 : 2, expected);
    }

    [Fact]
    public void A_global_option_before_the_subcommand_is_the_cli_not_a_server()
    {
        // Nothing listens on port 1: the CLI says so; before the fix this started a server and generated a CA.
        var run = Run("--url", "http://127.0.0.1:1", "pkcs", "show", "some-id");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Cannot reach the admin API at http://127.0.0.1:1", run.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.WorkDir));
    }

    public static TheoryData<string, string> BadListenUrls => new()
    {
        { "https://127.0.0.1:0", "must look like http://127.0.0.1:5080" },
        { "http://connector.example.com:0", "names the host 'connector.example.com'" },
    };

    [Theory]
    [MemberData(nameof(BadListenUrls))]
    public void A_listen_url_kestrel_cannot_serve_is_one_line_naming_the_setting(string url, string expected)
    {
        var data = Path.Combine(Tools.TempDir("url"), "data");
        AssertOneLineAndNothingCreated(Run("--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", url), 1, expected, data);
        AssertOneLineAndNothingCreated(Run("--data-dir", data, "--admin-url", url, "--scep-url", "http://127.0.0.1:0"), 1, "Set --admin-url", data);
    }

    [Fact]
    public void A_port_in_use_is_one_line_and_nothing_is_created()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var data = Path.Combine(Tools.TempDir("port"), "data");
        var run = Run("--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", $"http://127.0.0.1:{port}");
        AssertOneLineAndNothingCreated(run, 1, $"port {port} is already in use", data);
        Assert.Contains("--scep-url", run.Output);
    }

    [Fact]
    public void A_data_directory_that_is_a_file_or_cannot_be_made_is_one_line()
    {
        var dir = Tools.TempDir("file");
        var file = Path.Combine(dir, "data");
        File.WriteAllText(file, "not a directory");
        AssertOneLineAndNothingCreated(Run("--data-dir", file, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0"), 1, "is a file, not a directory");
        AssertOneLineAndNothingCreated(Run("--data-dir", Path.Combine(file, "data"), "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0"), 1, "cannot be used");
        Assert.Equal("not a directory", File.ReadAllText(file));
    }

    [Fact]
    public void A_read_only_data_directory_is_one_line()
    {
        var dir = Tools.TempDir("readonly");
        // Tests run as root, which ignores permission bits; a read-only bind mount is read-only for root too.
        Tools.Run("mount", "--bind", "-o", "ro", dir, dir);
        try
        {
            var run = Run("--data-dir", Path.Combine(dir, "data"), "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0");
            AssertOneLineAndNothingCreated(run, 1, "Read-only file system");
        }
        finally
        {
            Tools.Run("umount", dir);
        }
    }

    [Fact]
    public void A_second_connector_on_the_same_data_directory_is_refused_and_changes_nothing()
    {
        var data = Path.Combine(Tools.TempDir("twice"), "data");
        using var first = ConnectorProcess.Start(data);
        var before = Snapshot(data);

        var second = Run("--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0");
        Assert.Equal(1, second.ExitCode);
        Assert.DoesNotContain('\n', second.Output);
        Assert.Contains($"is in use by another connector (PID {first.ProcessId}", second.Output);
        Assert.Contains($"admin API {first.AdminUrl}", second.Output);
        Assert.Equal(before, Snapshot(data));
        Assert.Equal(0, first.Cli("status").ExitCode); // the first one still serves

        first.Kill();
        using var again = ConnectorProcess.Start(data); // kill -9 released the lock
        Assert.Equal(0, again.Cli("status").ExitCode);
    }

    /// <summary>Names and contents of the small files (admin.url, pid, token) and the names of the rest.</summary>
    private static string Snapshot(string dir) => string.Join("\n", Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .Where(f => !f.Contains("/logs/") && !f.EndsWith("connector.lock") && !f.EndsWith("-wal") && !f.EndsWith("-shm") && !f.EndsWith(".db"))
        .OrderBy(f => f).Select(f => $"{f}: {(new FileInfo(f).Length < 200 ? File.ReadAllText(f) : "")}"));
}
