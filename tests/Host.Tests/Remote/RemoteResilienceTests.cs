using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>
/// Remote mode across restarts, through a proxy, with a service that stops accepting the token, and the start-up
/// refusals: each a connector process of its own.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RemoteResilienceTests
{
    [Fact]
    public async Task A_result_not_acknowledged_before_a_kill_is_uploaded_once_after_the_restart_and_never_again()
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        var dir = Tools.TempDir("remote-restart");
        var data = Path.Combine(dir, "data");
        var id = $"rk-{Guid.NewGuid():N}";
        var outage = new Fault { PathContains = "uploadPkcsResults", Status = 503, Times = 100_000 };
        emulator.AddFault(outage);
        emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);

        var first = RemoteConnector.Start(emulator, data);
        RemoteConnector.WaitFor(first, () => emulator.CallsTo("uploadPkcsResults").Count >= 2, "upload attempts during the outage");
        first.Kill();
        Assert.Equal(0, RemoteConnector.ResultsFor(emulator, id));
        Assert.False(emulator.IsAcknowledged(id));

        outage.Times = 0; // the service is back
        using (var second = RemoteConnector.Start(emulator, data))
        {
            RemoteConnector.WaitFor(second, () => RemoteConnector.ResultsFor(emulator, id) > 0, "the upload after the restart");
            var downloads = emulator.CallsTo("downloadPkcsRequests").Count;
            RemoteConnector.WaitFor(second, () => emulator.CallsTo("downloadPkcsRequests").Count >= downloads + 3, "more downloads");
            second.Kill();
        }
        Assert.Equal(1, RemoteConnector.ResultsFor(emulator, id));

        // Acknowledged: a third start must not upload it again.
        using (var third = RemoteConnector.Start(emulator, data))
        {
            var downloads = emulator.CallsTo("downloadPkcsRequests").Count;
            RemoteConnector.WaitFor(third, () => emulator.CallsTo("downloadPkcsRequests").Count >= downloads + 3, "downloads after the third start");
            third.Kill();
        }
        Assert.Equal(1, RemoteConnector.ResultsFor(emulator, id));
        Assert.Empty(emulator.DuplicateUploads);
    }

    [Fact]
    public async Task A_request_the_service_hands_out_again_and_again_is_issued_once_and_uploaded_once()
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        emulator.Lease = TimeSpan.Zero; // every download returns every unacknowledged request, as when another instance holds it
        var dir = Tools.TempDir("remote-redownload");
        var id = $"rd-{Guid.NewGuid():N}";
        var outage = new Fault { PathContains = "uploadPkcsResults", Status = 503, Times = 100_000 };
        emulator.AddFault(outage);
        emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);

        using var connector = RemoteConnector.Start(emulator, Path.Combine(dir, "data"));
        RemoteConnector.WaitFor(connector, () => emulator.CallsTo("downloadPkcsRequests").Count(c => c.Status == 200) >= 5
                                                 && emulator.CallsTo("uploadPkcsResults").Count >= 2, "downloads and failed uploads during the outage");
        outage.Times = 0;
        RemoteConnector.WaitFor(connector, () => RemoteConnector.ResultsFor(emulator, id) > 0, "the upload");
        var downloads = emulator.CallsTo("downloadPkcsRequests").Count;
        RemoteConnector.WaitFor(connector, () => emulator.CallsTo("downloadPkcsRequests").Count >= downloads + 3, "more downloads");

        Assert.Equal(1, RemoteConnector.ResultsFor(emulator, id));
        Assert.Empty(emulator.DuplicateUploads);
        Assert.Single(ConnectorLogs.Events(connector.DataDir, 1050, id)); // PkcsIssuedSuccess: issued once
    }

    [Fact]
    public async Task With_a_proxy_configured_the_proxy_carries_the_traffic()
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        using var proxy = new ForwardProxy();
        var dir = Tools.TempDir("remote-proxy");
        var id = $"rpx-{Guid.NewGuid():N}";
        emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);

        using var connector = RemoteConnector.Start(emulator, Path.Combine(dir, "data"), new Dictionary<string, string> { ["Service:Proxy"] = proxy.Url.ToString() });
        RemoteConnector.WaitFor(connector, () => RemoteConnector.ResultsFor(emulator, id) > 0, "the result through the proxy");

        Assert.NotEmpty(proxy.Targets);
        Assert.All(proxy.Targets, t => Assert.Equal(emulator.BaseUri.Authority, t));
    }

    [Fact]
    public async Task A_service_that_rejects_every_token_renews_it_once_per_call_and_logs_a_clear_error()
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        var dir = Tools.TempDir("remote-401");
        using var connector = RemoteConnector.Start(emulator, Path.Combine(dir, "data"));
        var before = emulator.TokensIssued;
        emulator.RejectAllTokens = true;

        RemoteConnector.WaitFor(connector, () => ConnectorLogs.Events(connector.DataDir, 1003, "not authorized").Count > 0, "the download failure event");

        Assert.True(emulator.TokensIssued > before, "a new token was fetched after the 401");
        var failure = ConnectorLogs.Events(connector.DataDir, 1003, "not authorized")[0];
        Assert.Contains("ClientId", failure.GetProperty("message").GetString());
    }

    private static string[] RemoteArgs(ServiceEmulator emulator, string dataDir, params string[] extra) =>
    [
        "--data-dir", dataDir, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
        .. RemoteConnector.Settings(emulator).Where(s => !s.Key.StartsWith("Service:Health", StringComparison.Ordinal))
            .Select(s => $"--Connector:{s.Key}={s.Value}"),
        .. extra,
    ];

    public static TheoryData<string, string[], string> Refusals => new()
    {
        { "proxy without scheme", ["--Connector:Service:Proxy=proxy:8080"], "write the proxy as a full URL: http://proxy:8080" },
        { "rejected secret", ["--Connector:Service:ClientSecret=wrong"], "(ServiceCredentialsRejected)" },
        { "untrusted TLS", ["--Connector:Service:TrustedCertificates="], "(ServiceTlsFailure)" },
        { "unreachable token endpoint", ["--Connector:Service:TokenUrl=https://127.0.0.1:1/token"], "(ServiceTokenEndpointUnreachable)" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Misconfiguration_is_refused_at_start_up_with_its_own_one_line_message(string _, string[] wrong, string expected)
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        var dataDir = Path.Combine(Tools.TempDir("remote-refused"), "data");
        var run = ConnectorRun.RunToExit("remote-startup", RemoteArgs(emulator, dataDir, wrong));
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Output}");
        Assert.DoesNotContain('\n', run.Output);
        Assert.Contains(expected, run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(dataDir), "nothing is created before the checks pass");
        Assert.Empty(emulator.CallsTo("download")); // no work was asked for
    }

    [Fact]
    public async Task A_discovery_answer_without_the_scep_service_is_refused_when_scep_is_on()
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        emulator.DiscoveredServices.Remove("ScepRequestValidationFEService");
        var dataDir = Path.Combine(Tools.TempDir("remote-refused"), "data");
        var run = ConnectorRun.RunToExit("remote-startup", RemoteArgs(emulator, dataDir));
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Output}");
        Assert.Contains("has no ScepRequestValidationFEService", run.Output);
        Assert.Contains("(ServiceDiscoveryMissingService)", run.Output);
    }
}
