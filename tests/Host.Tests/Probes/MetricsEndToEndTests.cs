using System.Net;
using System.Net.Http.Headers;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;

namespace CertConnector.Host.Tests.Probes;

/// <summary>
/// The real connector, scraped as Prometheus scrapes it: after two PKCS requests, a SCEP enrollment with a good challenge and one with a
/// wrong one, a GetCACaps and an OCSP request from openssl, each count moved by exactly what was done; without the admin token (the
/// default) the scrape is refused, and the device-facing listener has no /metrics at all.
/// </summary>
public sealed class MetricsEndToEndTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    private readonly HttpClient _http = new();

    [Fact]
    public async Task Counts_after_PKCS_SCEP_and_OCSP_requests_move_by_exactly_what_was_done()
    {
        var process = connector.Process;
        var before = await ScrapeAsync();

        var deviceCert = Tools.DeviceCertificateFile(connector.Dir);
        var ids = new[] { $"metrics-{Guid.NewGuid():N}", $"metrics-{Guid.NewGuid():N}" };
        foreach (var id in ids)
        {
            var queued = process.Cli("pkcs", "request", "--subject", "CN=metrics,O=Contoso", "--device-cert", deviceCert, "--request-id", id);
            Assert.True(queued.ExitCode == 0, queued.ToString());
        }
        foreach (var id in ids) process.WaitForQueueStatus(id, "Completed", TimeSpan.FromSeconds(60));

        const string subject = "CN=metrics-device";
        var good = ScepHttpClient.NewKey();
        var issued = await connector.Http.EnrollAsync(good, ScepClient.SelfSigned(good, subject), ScepClient.CreateCsr(good, subject, connector.Challenge(subject)));
        Assert.Equal(ScepPkiStatus.Success, issued.Status);
        var bad = ScepHttpClient.NewKey();
        var refused = await connector.Http.EnrollAsync(bad, ScepClient.SelfSigned(bad, subject), ScepClient.CreateCsr(bad, subject, "not-the-challenge"));
        Assert.Equal(ScepPkiStatus.Failure, refused.Status);
        using (var caps = await _http.GetAsync($"{process.ScepUrl}?operation=GetCACaps")) Assert.Equal(HttpStatusCode.OK, caps.StatusCode);
        var deviceBase = process.ScepUrl[..^"/scep".Length];
        Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x1234", "-url", $"{deviceBase}/ocsp", "-noverify");

        // A request counts when its actor journals the end, just after the queue shows it Completed: wait for that, then compare all.
        var after = await ScrapeUntilAsync(s => Delta(before, s, "certconnector_requests_completed_total", ("feature", "pkcs"), ("outcome", "succeeded")) >= 2);

        Assert.Equal(2, Delta(before, after, "certconnector_requests_completed_total", ("feature", "pkcs"), ("outcome", "succeeded")));
        Assert.Equal(0, Delta(before, after, "certconnector_requests_completed_total", ("feature", "pkcs"), ("outcome", "failed")));
        Assert.Equal(0, Delta(before, after, "certconnector_attempts_failed_total", ("feature", "pkcs")));
        Assert.Equal(2, Delta(before, after, "certconnector_step_duration_seconds_count", ("feature", "pkcs"), ("stage", "Issue"), ("outcome", "ok")));
        Assert.Equal(2, Delta(before, after, "certconnector_step_duration_seconds_count", ("feature", "pkcs"), ("stage", "Upload"), ("outcome", "ok")));
        Assert.True(after.Has("certconnector_step_duration_seconds_bucket", ("feature", "pkcs"), ("le", "0.25")), after.Text); // buckets in seconds
        Assert.Equal(1, Delta(before, after, "certconnector_scep_requests_total", ("operation", "PKIOperation"), ("result", "success")));
        Assert.Equal(1, Delta(before, after, "certconnector_scep_requests_total", ("operation", "PKIOperation"), ("result", "failure")));
        Assert.Equal(1, Delta(before, after, "certconnector_scep_requests_total", ("operation", "GetCACaps"), ("result", "ok")));
        Assert.Equal(3, Delta(before, after, "certconnector_scep_requests_total"));
        Assert.Equal(1, Delta(before, after, "certconnector_ocsp_requests_total", ("method", "post"), ("result", "successful")));
        Assert.Equal(0, after.Value("certconnector_coordinator_in_flight", ("feature", "pkcs")));

        foreach (var certificate in new[] { "ca", "ra", "ocsp-signer", "connector-key" })
            Assert.InRange(after.Value("certconnector_certificate_expiry_days", ("certificate", certificate)), 1, 3700);
        Assert.True(after.Has("certconnector_queue_requests", ("feature", "pkcs"), ("state", "queued")), after.Text);
    }

    [Fact]
    public async Task A_scrape_without_the_admin_token_is_refused_and_the_device_listener_has_no_metrics()
    {
        using var none = await _http.GetAsync($"{connector.Process.AdminUrl}/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.DoesNotContain("certconnector_", await none.Content.ReadAsStringAsync());
        using var wrong = new HttpRequestMessage(HttpMethod.Get, $"{connector.Process.AdminUrl}/metrics");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        using var wrongAnswer = await _http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        using var device = await _http.GetAsync($"{connector.Process.ScepUrl[..^"/scep".Length]}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, device.StatusCode);
    }

    private static double Delta(PrometheusText before, PrometheusText after, string name, params (string, string)[] labels) =>
        after.Value(name, labels) - before.Value(name, labels);

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{connector.Process.AdminUrl}/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.token")).Trim());
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    private async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> condition)
    {
        // Waiting for the connector to record what it did (and the exporter's 1 s cache); not a timing assertion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (condition(scrape) || DateTime.UtcNow > deadline) return scrape;
            await Task.Delay(250);
        }
    }
}
