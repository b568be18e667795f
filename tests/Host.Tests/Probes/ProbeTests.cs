using System.Net;
using System.Text.Json;
using CertConnector.Host.Features;
using CertConnector.Host.Tests.Ca;
using CertConnector.Host.Tests.Features;

namespace CertConnector.Host.Tests.Probes;

/// <summary>A connector (in this process) with the built-in CA and a test CA whose probe the test switches off and on, scrapes allowed
/// without the token, and metrics pushed every second with OTLP (http/protobuf) to a collector of the test's.</summary>
public sealed class ProbedConnector : IAsyncLifetime
{
    public const string ProbedCa = "probed-ca";

    public InProcessConnector Connector { get; private set; } = null!;
    public HttpClient Http { get; } = new();
    public OtlpSink Collector { get; } = new();
    public string DeviceUrl => File.ReadAllText(Path.Combine(Connector.DataDir, "scep.url")).Trim()[..^"/scep".Length];
    public TestCa Ca => TestCaType.Built[ProbedCa];

    public async Task InitializeAsync() =>
        Connector = await InProcessConnector.StartAsync(ConnectorFeatures.All,
        [
            "--Connector:Cas:builtin:Type=builtin", $"--Connector:Cas:{ProbedCa}:Type=test", $"--Connector:Cas:{ProbedCa}:Subject=CN=Probed Test CA",
            "--Connector:Cas:Default=builtin", "--Connector:Metrics:AllowAnonymousScrape=true",
            $"--Connector:Metrics:OtlpEndpoint={Collector.Url}v1/metrics", "--Connector:Metrics:OtlpProtocol=http/protobuf",
            "--Connector:Metrics:OtlpExportInterval=00:00:01",
        ], TestCaType.WithTest);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Connector.DisposeAsync();
        Collector.Dispose();
    }
}

/// <summary>An OTLP/HTTP collector that keeps what it is sent (path, content type, body) and answers each export with an empty success.</summary>
public sealed class OtlpSink : IDisposable
{
    private readonly HttpListener _listener = new();

    public OtlpSink()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Url { get; }
    public System.Collections.Concurrent.ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> Received { get; } = new();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> answer on the admin and the device-facing listener without a token; <c>/readyz</c> turns 503 naming the
/// CA that stops answering (and says why only in the Operational log, 0200), and 200 again when it answers (0201); nothing secret in either.
/// </summary>
public sealed class ProbeTests(ProbedConnector running) : IClassFixture<ProbedConnector>
{
    private InProcessConnector Connector => running.Connector;

    [Fact]
    public async Task Healthz_answers_alive_on_both_listeners_without_a_token()
    {
        foreach (var url in new[] { Connector.AdminUrl, running.DeviceUrl })
        {
            using var response = await running.Http.GetAsync($"{url}/healthz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("alive", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Readyz_turns_503_naming_the_CA_that_stops_answering_on_both_listeners_and_200_when_it_answers_again()
    {
        await WaitForAsync(HttpStatusCode.OK, Connector.AdminUrl); // the cluster member turns Up just after the admin API opens
        var ready = await ReadyzAsync(running.DeviceUrl);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal(["cluster", "database", "ca:builtin", $"ca:{ProbedConnector.ProbedCa}", "feature:pkcs", "feature:scep", "feature:revocation",
            "feature:pkcs-import", "feature:recrypt"], ready.Checks.Select(c => c.Name));
        Assert.All(ready.Checks, c => Assert.True(c.Ok, c.Name));

        running.Ca.Down = true;
        try
        {
            foreach (var url in new[] { Connector.AdminUrl, running.DeviceUrl })
            {
                var notReady = await WaitForAsync(HttpStatusCode.ServiceUnavailable, url);
                Assert.Equal("not ready", notReady.Body.GetProperty("status").GetString());
                Assert.Equal([($"ca:{ProbedConnector.ProbedCa}", "CA did not answer its probe")], notReady.Checks.Where(c => !c.Ok).Select(c => (c.Name, c.Failure)));
                Assert.DoesNotContain("test CA is down", notReady.Text); // the CA's own words go to the log, not to whoever asks
            }
        }
        finally
        {
            running.Ca.Down = false;
        }
        await WaitForAsync(HttpStatusCode.OK, running.DeviceUrl);

        // The log is written by a background writer: wait for the lines, then check what they say.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((ConnectorLogs.Events(Connector.DataDir, 200).Count == 0 || ConnectorLogs.Events(Connector.DataDir, 201).Count < 2) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Contains(ConnectorLogs.Events(Connector.DataDir, 200), e => e.GetProperty("message").GetString()!.Contains($"ca:{ProbedConnector.ProbedCa}: test CA is down"));
        Assert.Equal(2, ConnectorLogs.Events(Connector.DataDir, 201).Count); // ready at first, and again after the CA came back
    }

    [Fact]
    public async Task Probe_bodies_hold_no_token_path_or_key_material()
    {
        var token = File.ReadAllText(Path.Combine(Connector.DataDir, "admin.token")).Trim();
        foreach (var url in new[] { Connector.AdminUrl, running.DeviceUrl })
        foreach (var path in new[] { "/healthz", "/readyz" })
        {
            using var response = await running.Http.GetAsync(url + path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.NotEmpty(body);
            foreach (var secret in new[] { token, Connector.DataDir, Connector.Dir, "master.key", "admin.token", "Password", "BEGIN" })
                Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Metrics_are_served_only_on_the_admin_listener_and_here_without_a_token_as_configured()
    {
        using var admin = await running.Http.GetAsync($"{Connector.AdminUrl}/metrics");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("certconnector_certificate_expiry_days", await admin.Content.ReadAsStringAsync());
        using var device = await running.Http.GetAsync($"{running.DeviceUrl}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, device.StatusCode);
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_set_the_metrics_are_pushed_there()
    {
        // Waiting for the exporter's first push (every second here); not a timing assertion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!running.Collector.Received.Any(Pushed) && DateTime.UtcNow < deadline) await Task.Delay(200);

        Assert.Contains(running.Collector.Received, Pushed);
        var push = running.Collector.Received.First(Pushed);
        Assert.Equal(("/v1/metrics", "application/x-protobuf"), (push.Path, push.ContentType));

        static bool Pushed((string Path, string? ContentType, byte[] Body) r) =>
            System.Text.Encoding.ASCII.GetString(r.Body).Contains("certconnector.certificate.expiry"); // names travel as plain strings in protobuf
    }

    private async Task<Readyz> WaitForAsync(HttpStatusCode status, string url)
    {
        // Waiting for the connector (or the 1 s cache) to catch up with a change the test made; not a timing assertion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var answer = await ReadyzAsync(url);
            if (answer.Status == status) return answer;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/readyz stayed {answer.Status}: {answer.Text}");
            await Task.Delay(200);
        }
    }

    private async Task<Readyz> ReadyzAsync(string url)
    {
        using var response = await running.Http.GetAsync($"{url}/readyz");
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement.Clone();
        var checks = body.GetProperty("checks").EnumerateArray()
            .Select(c => (Name: c.GetProperty("name").GetString()!, Ok: c.GetProperty("ok").GetBoolean(), Failure: c.GetProperty("failure").GetString())).ToList();
        return new Readyz(response.StatusCode, text, body, checks);
    }

    private sealed record Readyz(HttpStatusCode Status, string Text, JsonElement Body, IReadOnlyList<(string Name, bool Ok, string? Failure)> Checks);
}
