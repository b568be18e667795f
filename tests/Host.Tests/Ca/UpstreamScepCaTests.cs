using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Tests.Ca.Scep;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;
using CertConnector.Host.Tests.Scep;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CertConnector.Host.Tests.Ca;

/// <summary>
/// Debian's scepserver (micromdm) as the organisation's CA, named <c>up</c> (<c>Connector:Cas:up:Type=scep</c>) beside the built-in
/// CA: the connector enrolls there as a registration authority, for PKCS and for devices, and openssl checks that the certificates
/// chain to scepserver's CA, not to ours. scepserver runs without a challenge of its own: it trusts its RA (docs/CAS.md says why).
/// </summary>
public sealed class UpstreamScepConnector : IDisposable
{
    public UpstreamScepConnector()
    {
        // Ten days: inside the connector's 30-day renewal window, and scepserver allows a second certificate for a name that expires
        // within 14 days (-allowrenew), so a device can renew.
        Upstream = new ScepServerProcess(challenge: null, certificateDays: 10);
        Dir = Tools.TempDir("upstream-connector");
        Process = ConnectorProcess.Start(Path.Combine(Dir, "data"), new Dictionary<string, string>
        {
            ["Cas:builtin:Type"] = "builtin",
            ["Cas:up:Type"] = "scep",
            ["Cas:up:Url"] = Upstream.Url.ToString(),
            ["Cas:up:TemplateNames:0"] = "client-auth", // the upstream picks the profile; these are the names requests may give
            ["Cas:Default"] = "builtin",
            ["Scep:Ca"] = "up", // SCEP enrollments whose challenge names no CA go upstream; PKCS keeps the default
            ["Scep:AllowSingleDes"] = "true", // scepclient (micromdm 2.1.0) encrypts with single DES only
        });
        File.WriteAllText(OurCaPem, Process.Cli("ca", "cert").Stdout);
    }

    public ScepServerProcess Upstream { get; }
    public string Dir { get; }
    public ConnectorProcess Process { get; }
    public string OurCaPem => Path.Combine(Dir, "our-ca.pem");

    public void Dispose()
    {
        Process.Dispose();
        Upstream.Dispose();
    }
}

[Trait("Category", "Interop")]
public sealed class UpstreamScepCaTests(UpstreamScepConnector running) : IClassFixture<UpstreamScepConnector>
{
    private ConnectorProcess Connector => running.Process;

    [Fact]
    public void A_PKCS_request_naming_the_upstream_CA_gets_a_certificate_that_chains_to_it()
    {
        var dir = Tools.TempDir("upstream-pkcs");
        var cert = PkcsThroughCli.Issue(Connector, dir, out var p12, out var pass, subject: "CN=upstream-pkcs,O=Contoso", extraArgs: ["--ca", "up"]);

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", running.Upstream.CaPemPath, cert));
        Assert.Throws<InvalidOperationException>(() => Tools.OpenSsl("verify", "-CAfile", running.OurCaPem, cert));
        // The PKCS#12 holds the key of that certificate.
        var fromP12 = Tools.OpenSsl("pkcs12", "-in", p12, "-passin", $"pass:{pass}", "-nokeys", "-clcerts");
        Assert.Equal(Tools.OpenSsl("x509", "-in", cert, "-noout", "-fingerprint", "-sha256"),
            Tools.OpenSsl("x509", "-noout", "-fingerprint", "-sha256", "-in", WriteTemp(dir, "from-p12.pem", fromP12)));
        Assert.Single(running.Upstream.IndexLines("upstream-pkcs"));
    }

    [Fact]
    public void A_device_enrolled_with_a_challenge_naming_the_upstream_CA_gets_its_certificate_from_there()
    {
        const string cn = "upstream-device";
        var minted = Connector.Cli("scep", "challenge", "--subject", string.Format(ScepDevicesSubject, cn), "--ttl", "10m", "--ca", "up");
        Assert.True(minted.ExitCode == 0, minted.ToString());

        var (exit, output, dir) = ScepClientTool.Run(Connector.ScepUrl, cn, minted.Json.GetProperty("challenge").GetString()!);

        Assert.True(exit == 0, output);
        var cert = Path.Combine(dir, "device.crt");
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", running.Upstream.CaPemPath, cert));
        Assert.Equal(Tools.OpenSsl("pkey", "-in", Path.Combine(dir, "device.key"), "-pubout"), Tools.OpenSsl("x509", "-in", cert, "-pubkey", "-noout"));
        Assert.Single(running.Upstream.IndexLines(cn));
    }

    [Fact]
    public async Task A_challenge_naming_no_CA_enrolls_at_the_CA_the_SCEP_settings_name_and_one_naming_the_builtin_CA_here()
    {
        using var http = new ScepHttpClient(Connector.ScepUrl);
        var upstream = await EnrollAsync(http, "CN=scep-setting-device", ca: null);
        var ours = await EnrollAsync(http, "CN=scep-builtin-device", ca: "builtin");

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", running.Upstream.CaPemPath, WritePem(upstream.Certificate)));
        Assert.Single(running.Upstream.IndexLines("scep-setting-device"));
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", running.OurCaPem, WritePem(ours.Certificate)));
        Assert.Empty(running.Upstream.IndexLines("scep-builtin-device"));
    }

    [Fact]
    public async Task A_device_renews_its_upstream_certificate_there_without_a_challenge_and_only_once()
    {
        const string subject = "CN=upstream-renewer";
        using var http = new ScepHttpClient(Connector.ScepUrl);
        var old = await EnrollAsync(http, subject, ca: "up");

        var renewal = await RenewAsync(http, old, subject);

        Assert.Equal(ScepPkiStatus.Success, renewal.Status);
        var renewed = renewal.Certificates[0];
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", running.Upstream.CaPemPath, WritePem(renewed)));
        Assert.NotEqual(old.Certificate.SerialNumber, renewed.SerialNumber);
        Assert.Equal(2, running.Upstream.IndexLines("upstream-renewer").Count);
        // The old certificate is spent: a second renewal with it is refused, and the upstream issues nothing more.
        var again = await RenewAsync(http, old, subject);
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (again.Status, again.FailInfo));
        Assert.Equal(2, running.Upstream.IndexLines("upstream-renewer").Count);
    }

    private async Task<(AsymmetricCipherKeyPair Key, X509Certificate Certificate)> EnrollAsync(ScepHttpClient http, string subject, string? ca)
    {
        var minted = Connector.Cli(["scep", "challenge", "--subject", subject, "--ttl", "10m", .. ca is null ? Array.Empty<string>() : ["--ca", ca]]);
        Assert.True(minted.ExitCode == 0, minted.ToString());
        var key = ScepHttpClient.NewKey();
        var reply = await http.EnrollAsync(key, ScepClient.SelfSigned(key, subject), ScepClient.CreateCsr(key, subject, minted.Json.GetProperty("challenge").GetString()));
        Assert.True(reply.Status == ScepPkiStatus.Success, $"{reply.Status} {reply.FailInfo}");
        return (key, reply.Certificates[0]);
    }

    private static async Task<CertRepResult> RenewAsync(ScepHttpClient http, (AsymmetricCipherKeyPair Key, X509Certificate Certificate) old, string subject)
    {
        var message = http.Client.RenewalReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), subject), old.Certificate, old.Key.Private, new PkiMessageOptions());
        var (status, body) = await http.PostAsync(message.Bytes);
        Assert.Equal(200, status);
        return http.Decode(body, old.Certificate, old.Key);
    }

    private static string WritePem(X509Certificate certificate)
    {
        var path = Path.Combine(Tools.TempDir("upstream-cert"), "cert.pem");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(certificate.GetEncoded(), Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n");
        return path;
    }

    [Fact]
    public void Ca_revoke_of_an_upstream_certificate_says_which_CA_issued_it_and_how_to_revoke_it()
    {
        var dir = Tools.TempDir("upstream-ca-revoke");
        var cert = PkcsThroughCli.Issue(Connector, dir, out _, out _, subject: "CN=upstream-ca-revoke,O=Contoso", extraArgs: ["--ca", "up"]);
        var serial = Tools.OpenSsl("x509", "-in", cert, "-noout", "-serial").Trim().Split('=')[1];

        var revoke = Connector.Cli("ca", "revoke", "--serial", serial);

        Assert.NotEqual(0, revoke.ExitCode);
        Assert.Contains($"was issued by the CA 'up' (type scep), not the built-in CA. Use 'certconnector revocation request --serial", revoke.ToString());
    }

    [Fact]
    public void Status_lists_the_upstream_CA_as_answering()
    {
        var status = Connector.Cli("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        var up = Assert.Single(status.Json.GetProperty("cas").EnumerateArray(), c => c.GetProperty("name").GetString() == "up");
        Assert.Equal(("scep", true), (up.GetProperty("type").GetString(), up.GetProperty("answered").GetBoolean()));
    }

    private const string ScepDevicesSubject = "CN={0},OU=MDM,O=scep-client,C=US"; // scepclient adds O, OU and C

    private static string WriteTemp(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}

/// <summary>An upstream that demands its own challenge in every CSR (scepserver -challenge; NDES with EnforcePassword).</summary>
[Trait("Category", "Interop")]
public sealed class UpstreamScepChallengeTests
{
    [Fact]
    public void PKCS_requests_carry_the_upstreams_challenge_in_their_CSR_and_the_challenge_is_nowhere_on_disk()
    {
        const string challenge = "upstream-only-secret-7d1c";
        using var upstream = new ScepServerProcess(challenge: challenge);
        var dir = Tools.TempDir("upstream-challenge");
        var data = Path.Combine(dir, "data");
        // The challenge through the environment, as a secret should come (not on the command line, not in a file in plaintext).
        using var connector = ConnectorProcess.Start(data, new Dictionary<string, string>
        {
            ["Cas:builtin:Type"] = "builtin",
            ["Cas:sec:Type"] = "scep",
            ["Cas:sec:Url"] = upstream.Url.ToString(),
            ["Cas:sec:TemplateNames:0"] = "client-auth",
            ["Cas:Default"] = "builtin",
        }, new Dictionary<string, string> { ["CERTCONNECTOR_Connector__Cas__sec__Challenge"] = challenge });

        var cert = PkcsThroughCli.Issue(connector, dir, out _, out _, subject: "CN=upstream-challenged,O=Contoso", extraArgs: ["--ca", "sec"]);

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", upstream.CaPemPath, cert));
        Assert.Single(upstream.IndexLines("upstream-challenged"));
        Assert.Empty(DataDirSecretScan.Find([.. DataDirSecretScan.Journal(data), .. DataDirSecretScan.StandaloneDatabase(data), .. DataDirSecretScan.Logs(data)], [challenge]));
        Assert.DoesNotContain(challenge, connector.Output);
    }
}

/// <summary>kill -9 of the connector while the upstream is issuing: never a second certificate for one request.</summary>
[Trait("Category", "Interop")]
public sealed class UpstreamScepKillTests
{
    [Fact]
    public void A_connector_killed_mid_enrollment_leaves_one_certificate_in_scepservers_depot_and_the_restart_settles_the_request()
    {
        // scepserver's CSR hook marks that the PKCSReq arrived, then takes 12 s: the connector is killed while it waits.
        using var upstream = new ScepServerProcess("cat > /dev/null; if [ ! -e \"$0.started\" ]; then touch \"$0.started\"; sleep 12; fi; exit 0", challenge: null);
        var dir = Tools.TempDir("upstream-kill");
        var data = Path.Combine(dir, "data");
        var settings = new Dictionary<string, string>
        {
            ["Cas:builtin:Type"] = "builtin",
            ["Cas:up:Type"] = "scep",
            ["Cas:up:Url"] = upstream.Url.ToString(),
            ["Cas:up:TemplateNames:0"] = "client-auth",
            ["Cas:up:RequestTimeout"] = "00:00:30",
            ["Cas:Default"] = "builtin",
            ["Pkcs:RetryBaseDelay"] = "00:00:01",
        };
        var deviceKey = Path.Combine(dir, "device.key");
        var deviceCert = Path.Combine(dir, "device.crt");
        Tools.OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", deviceKey);
        Tools.OpenSsl("req", "-x509", "-new", "-key", deviceKey, "-subj", "/CN=device-kill", "-days", "30", "-out", deviceCert);

        using (var first = ConnectorProcess.Start(data, settings))
        {
            var queued = first.Cli("pkcs", "request", "--subject", "CN=upstream-killed,O=Contoso", "--device-cert", deviceCert, "--request-id", "killed-1", "--ca", "up");
            Assert.True(queued.ExitCode == 0, queued.ToString());
            first.WaitUntil(() => File.Exists(Path.Combine(upstream.Directory, "verify-csr.sh.started")), TimeSpan.FromSeconds(60), "the PKCSReq to reach scepserver");
            first.Kill();
        }
        // The upstream finishes issuing for the connector that is gone; its answer is lost.
        for (var i = 0; i < 600 && upstream.CertificateFiles("upstream-killed").Count == 0; i++) Thread.Sleep(100); // waiting for scepserver, not a timing assertion
        Assert.Single(upstream.CertificateFiles("upstream-killed"));

        using var second = ConnectorProcess.Start(data, settings);
        second.WaitForQueueStatus("killed-1", "Failed", TimeSpan.FromSeconds(120)); // its failure result reached the queue

        // scepserver keeps no transactions (CertPoll is not implemented) and refuses a second certificate for the name: the request
        // fails for good and says so, and the depot still holds one certificate. (An upstream that keeps transactions, NDES, answers
        // the retry's poll with the first certificate: the journaled key then packages it; see PkcsCaRoutingTests.)
        var shown = second.Show("killed-1");
        Assert.Equal("Failed", shown.GetProperty("state").GetString());
        Assert.Equal("UpstreamRefused", shown.GetProperty("failure").GetProperty("code").GetString());
        Assert.Single(upstream.CertificateFiles("upstream-killed"));
        Assert.Single(upstream.IndexLines("upstream-killed"));
    }
}

/// <summary>The upstream CA's settings at start: checked before anything is created.</summary>
public sealed class UpstreamScepCaStartupTests
{
    [Fact]
    public void A_typo_in_an_upstream_setting_is_refused_with_a_suggestion_and_a_missing_url_names_the_setting()
    {
        var typo = ConnectorRun.RunToExit("upstream-typo", ["--data-dir", "data", "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
            "--Connector:Cas:up:Type=scep", "--Connector:Cas:up:Urll=http://127.0.0.1:9/scep"]);
        Assert.NotEqual(0, typo.ExitCode);
        Assert.Contains("Connector:Cas:up:Url", typo.Output);

        var missing = ConnectorRun.RunToExit("upstream-no-url", ["--data-dir", "data", "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
            "--Connector:Cas:up:Type=scep"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Connector:Cas:up:Url is not set", missing.Output);
    }

    [Fact]
    public void A_SCEP_CA_setting_naming_no_configured_CA_is_refused_with_a_suggestion()
    {
        var typo = ConnectorRun.RunToExit("scep-ca-typo", ["--data-dir", "data", "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
            "--Connector:Scep:Ca=bultin"]);
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("Connector:Scep:Ca 'bultin' names no configured CA.", typo.Output);
        Assert.Contains("builtin", typo.Output[typo.Output.IndexOf("Connector:Scep:Ca", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task An_upstream_offering_only_weak_algorithms_stops_the_start_with_one_line()
    {
        var port = Tools.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var weak = builder.Build();
        weak.Run(context => context.Request.Query["operation"] == "GetCACaps"
            ? context.Response.WriteAsync("POSTPKIOperation\nSHA-1\nDES\n")
            : Task.FromResult(context.Response.StatusCode = StatusCodes.Status404NotFound));
        await weak.StartAsync();

        var run = ConnectorRun.RunToExit("upstream-weak", ["--data-dir", "data", "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
            "--Connector:Cas:up:Type=scep", $"--Connector:Cas:up:Url=http://127.0.0.1:{port}/scep"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("The CA 'up' (scep) is refused", run.Output);
        Assert.Contains("AllowWeakAlgorithms", run.Output);
    }

    [Fact]
    public void An_upstream_not_reachable_at_start_is_a_warning_and_the_connector_starts()
    {
        var dir = Tools.TempDir("upstream-down");
        using var connector = ConnectorProcess.Start(Path.Combine(dir, "data"), new Dictionary<string, string>
        {
            ["Cas:up:Type"] = "scep",
            ["Cas:up:Url"] = $"http://127.0.0.1:{Tools.FreePort()}/scep",
            ["Cas:up:RequestTimeout"] = "00:00:02",
        });
        connector.WaitUntil(() => connector.Output.Contains("The CA 'up' (scep) cannot be reached yet"), TimeSpan.FromSeconds(30), "the start-up warning");
        Assert.Equal(0, connector.Cli("status").ExitCode);
    }
}
