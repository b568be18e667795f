using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CertConnector.Host.Cli;

namespace CertConnector.Host.Tests.Admin;

/// <summary>
/// The admin API issues and revokes certificates: the host refuses to serve it in plain http beyond loopback unless
/// the operator sets Connector:Admin:AllowPlainHttp, and the CLI refuses to send the token in plain http to a host
/// that is not this machine, before reading the token or opening any connection.
/// </summary>
public sealed class AdminExposureTests
{
    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    public void A_plain_http_admin_listener_beyond_loopback_is_refused_naming_the_setting(string url)
    {
        var data = Path.Combine(Tools.TempDir("admin-exposed"), "data");
        var run = ConnectorRun.RunToExit("admin-exposed", ["--data-dir", data, "--admin-url", url, "--scep-url", "http://127.0.0.1:0"]);

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Output}");
        Assert.DoesNotContain('\n', run.Output);
        Assert.Contains("Connector:Admin:AllowPlainHttp=true", run.Output);
        Assert.Contains("--admin-url", run.Output);
        Assert.False(Directory.Exists(data), $"{data} was created");
    }

    [Fact]
    public void With_AllowPlainHttp_the_admin_listener_check_lets_the_start_go_on()
    {
        // The next check (a SCEP URL Kestrel cannot serve) stops the start, so nothing ever listens beyond loopback here.
        var data = Path.Combine(Tools.TempDir("admin-allowed"), "data");
        var run = ConnectorRun.RunToExit("admin-allowed",
            ["--data-dir", data, "--admin-url", "http://0.0.0.0:0", "--scep-url", "https://127.0.0.1:0", "--Connector:Admin:AllowPlainHttp=true"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--scep-url", run.Output);
        Assert.DoesNotContain("AllowPlainHttp", run.Output);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.3.4.5:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("https://10.1.2.3:8081", true)]
    [InlineData("https://admin.example.com", true)]
    [InlineData("http://10.1.2.3:8081", false)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://admin.example.com", false)]
    [InlineData("http://127.0.0.1.nip.io:5080", false)]
    [InlineData("http://localhost.example.com:5080", false)]
    [InlineData("ftp://127.0.0.1", false)]
    [InlineData("127.0.0.1:5080", false)]
    public void The_cli_sends_the_token_over_https_anywhere_and_over_http_only_to_loopback(string url, bool allowed)
    {
        var refused = Record.Exception(() => AdminClient.CheckTransport(url));
        if (allowed) Assert.Null(refused);
        else Assert.Equal(2, Assert.IsType<CliException>(refused).ExitCode);
    }

    [Fact]
    public async Task The_cli_refuses_plain_http_to_another_host_before_any_connection_and_says_why()
    {
        // Every connection the CLI makes goes to this loopback "proxy" (HTTP_PROXY and HTTPS_PROXY), so nothing can leave
        // the machine; the https run proves the CLI really does use it, so its silence in the http run means something.
        using var proxy = new RecordingProxy();
        var dir = Tools.TempDir("cli-plain");
        await File.WriteAllTextAsync(Path.Combine(dir, "admin.token"), "secret-admin-token-123");

        var plain = RunCli(dir, proxy.Url, "--url", "http://admin.invalid:8081", "status");
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains("Refusing to send the admin token in plain http to admin.invalid", plain.Output);
        Assert.Empty(proxy.Received);

        var tls = RunCli(dir, proxy.Url, "--url", "https://admin.invalid:8081", "status");
        Assert.Equal(1, tls.ExitCode);
        Assert.Contains(proxy.Received, r => r.StartsWith("CONNECT admin.invalid:8081", StringComparison.Ordinal));
        Assert.DoesNotContain(proxy.Received, r => r.Contains("secret-admin-token-123"));
    }

    private static (int ExitCode, string Output) RunCli(string dataDir, string proxy, params string[] args)
    {
        var environment = new Dictionary<string, string?>();
        foreach (var name in new[] { "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "CERTCONNECTOR_URL", "CERTCONNECTOR_TOKEN" }) environment[name] = null;
        foreach (var name in new[] { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY" }) environment[name] = proxy;
        var run = ConnectorRun.RunToExit("cli-plain", [.. args, "--data-dir", dataDir], environment);
        return (run.ExitCode, run.Output);
    }

    /// <summary>Accepts connections on loopback, keeps the first bytes of each, and closes them.</summary>
    private sealed class RecordingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentQueue<string> _received = new();
        private readonly CancellationTokenSource _stop = new();

        public RecordingProxy()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        public IReadOnlyList<string> Received => [.. _received];

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var buffer = new byte[8192];
                    using var read = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    read.CancelAfter(TimeSpan.FromSeconds(10));
                    var n = await client.GetStream().ReadAsync(buffer, read.Token);
                    _received.Enqueue(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
