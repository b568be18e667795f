using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Host.Cli;
using CertConnector.Host.Features;
using CertConnector.Host.Tests.Features;

namespace CertConnector.Host.Tests.Ca;

/// <summary>A connector with the built-in CA (default), a CA of the test's own type (<c>corp</c>) and one that is down (<c>offline</c>).</summary>
public sealed class TwoCaConnector : IAsyncLifetime
{
    public const string CorpSubject = "CN=Corp Test CA";

    public InProcessConnector Connector { get; private set; } = null!;
    public string DeviceCert { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Connector = await InProcessConnector.StartAsync(ConnectorFeatures.All,
        [
            "--Connector:Cas:builtin:Type=builtin",
            "--Connector:Cas:corp:Type=test", $"--Connector:Cas:corp:Subject={CorpSubject}",
            "--Connector:Cas:offline:Type=test", "--Connector:Cas:offline:Subject=CN=Offline Test CA", "--Connector:Cas:offline:Down=true",
            "--Connector:Cas:Default=builtin",
            "--Connector:Pkcs:PollInterval=00:00:01", "--Connector:Revocation:PollInterval=00:00:01",
        ], TestCaType.WithTest);
        DeviceCert = Tools.DeviceCertificateFile(Connector.Dir);
    }

    public async Task DisposeAsync() => await Connector.DisposeAsync();
}

/// <summary>
/// Requests go to the CA they name: PKCS (API and CLI), SCEP (the challenge names it) and revocation (the CA that issued the serial);
/// an unknown name is refused with 400 naming <c>ca</c>; status lists every CA with whether it answered.
/// </summary>
public sealed class NamedCaRoutingTests(TwoCaConnector running) : IClassFixture<TwoCaConnector>
{
    private readonly InProcessConnector _connector = running.Connector;

    private async Task<JsonElement> Send(HttpMethod method, string path, object? body = null)
    {
        using var client = _connector.Client();
        return await client.SendAsync(method, path, body, CancellationToken.None);
    }

    private async Task<JsonElement> QueuePkcs(string id, string? ca)
    {
        var device = await File.ReadAllTextAsync(running.DeviceCert);
        await Send(HttpMethod.Post, "/api/v1/pkcs/requests", new { subject = $"CN={id}", deviceCertificate = device, requestId = id, ca });
        return await ResultOf($"/api/v1/pkcs/requests/{id}/result");
    }

    /// <summary>Waits for the result (409 until there is one); a connector that never finishes fails the test by its deadline.</summary>
    private async Task<JsonElement> ResultOf(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await Send(HttpMethod.Get, path);
            }
            catch (CliException e) when (e.Status == 409)
            {
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"No result at {path}: {await Send(HttpMethod.Get, path[..path.LastIndexOf('/')])}");
                await Task.Delay(200);
            }
        }
    }

    private static X509Certificate2 CertificateOf(JsonElement result)
    {
        Assert.True(result.GetProperty("succeeded").GetBoolean(), result.ToString());
        return X509Certificate2.CreateFromPem(result.GetProperty("certificatePem").GetString()!);
    }

    private async Task<JsonElement> RevocationDone(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var shown = await Send(HttpMethod.Get, $"/api/v1/revocation/requests/{id}");
            if (shown.GetProperty("resultUploaded").GetBoolean() || DateTime.UtcNow > deadline) return shown;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_PKCS_request_is_issued_by_the_CA_it_names_and_by_the_default_CA_when_it_names_none()
    {
        var corp = CertificateOf(await QueuePkcs("pkcs-corp", "corp"));
        var plain = CertificateOf(await QueuePkcs("pkcs-default", null));

        Assert.Equal(TwoCaConnector.CorpSubject, corp.Issuer);
        Assert.NotEqual(TwoCaConnector.CorpSubject, plain.Issuer);
        Assert.Contains(TestCaType.Built["corp"].Issued, r => r.RequestId == "pkcs-corp");
        Assert.DoesNotContain(TestCaType.Built["corp"].Issued, r => r.RequestId == "pkcs-default");
        Assert.Equal("corp", (await Send(HttpMethod.Get, "/api/v1/pkcs/requests/pkcs-corp")).GetProperty("ca").GetString());
        Assert.Equal("builtin", (await Send(HttpMethod.Get, "/api/v1/pkcs/requests/pkcs-default")).GetProperty("ca").GetString());

        // 1032 names the third-party CA, once; a request for the built-in CA has none.
        var routed = ConnectorLogs.Events(_connector.DataDir, 1032);
        Assert.Single(routed, e => e.GetProperty("requestId").GetString() == "pkcs-corp" && e.GetProperty("message").GetString()!.Contains("'corp'"));
        Assert.DoesNotContain(routed, e => e.GetProperty("requestId").GetString() == "pkcs-default");
    }

    [Fact]
    public async Task The_CLI_names_the_CA_with_ca()
    {
        Assert.Equal(0, await _connector.CliAsync(["pkcs", "request", "--subject", "CN=cli", "--device-cert", running.DeviceCert, "--request-id", "pkcs-cli", "--ca", "CORP"]));
        Assert.Equal(TwoCaConnector.CorpSubject, CertificateOf(await ResultOf("/api/v1/pkcs/requests/pkcs-cli/result")).Issuer);
        Assert.Equal("corp", (await Send(HttpMethod.Get, "/api/v1/pkcs/requests/pkcs-cli")).GetProperty("ca").GetString()); // as configured, whatever the case typed
    }

    [Theory]
    [InlineData("/api/v1/pkcs/requests")]
    [InlineData("/api/v1/revocation/requests")]
    [InlineData("/api/v1/scep/challenges")]
    public async Task An_unknown_CA_is_refused_at_queueing_with_400_naming_ca(string path)
    {
        var device = await File.ReadAllTextAsync(running.DeviceCert);
        object body = path switch
        {
            "/api/v1/pkcs/requests" => new { subject = "CN=x", deviceCertificate = device, requestId = "unknown-ca", ca = "corq" },
            "/api/v1/revocation/requests" => new { serial = "0A1B", requestId = "unknown-ca", ca = "corq" },
            _ => new { subject = "CN=x", ca = "corq" },
        };
        var e = await Assert.ThrowsAsync<CliException>(() => Send(HttpMethod.Post, path, body));
        Assert.Equal(400, e.Status);
        Assert.Contains("Unknown CA 'corq'", e.Message);
        Assert.Contains("(field: ca)", e.Message);
        var listed = await Send(HttpMethod.Get, "/api/v1/requests");
        Assert.DoesNotContain(listed.EnumerateArray(), r => r.GetProperty("requestId").GetString() == "unknown-ca"); // nothing half-created
    }

    [Fact]
    public async Task A_revocation_goes_to_the_CA_that_issued_the_serial()
    {
        var corp = CertificateOf(await QueuePkcs("revoke-corp", "corp"));
        var plain = CertificateOf(await QueuePkcs("revoke-default", null));

        await Send(HttpMethod.Post, "/api/v1/revocation/requests", new { serial = corp.SerialNumber, reason = "keyCompromise", requestId = "rv-corp" });
        await Send(HttpMethod.Post, "/api/v1/revocation/requests", new { serial = plain.SerialNumber, requestId = "rv-default" });

        Assert.Equal("Uploaded", (await RevocationDone("rv-corp")).GetProperty("state").GetString());
        Assert.Equal("Uploaded", (await RevocationDone("rv-default")).GetProperty("state").GetString());
        Assert.True(TestCaType.Built["corp"].Revoked.ContainsKey(corp.SerialNumber));
        Assert.False(TestCaType.Built["corp"].Revoked.ContainsKey(plain.SerialNumber));
        // The built-in CA revoked its own: its CRL says so, and says nothing of the corp CA's serial.
        var crlPem = (await Send(HttpMethod.Get, "/api/v1/ca/crl")).GetString()!;
        var crl = new Org.BouncyCastle.X509.X509CrlParser().ReadCrl(System.Text.Encoding.ASCII.GetBytes(crlPem));
        Assert.NotNull(crl.GetRevokedCertificate(new Org.BouncyCastle.Math.BigInteger(plain.SerialNumber, 16)));
        Assert.Null(crl.GetRevokedCertificate(new Org.BouncyCastle.Math.BigInteger(corp.SerialNumber, 16)));

        var forwarded = ConnectorLogs.Events(_connector.DataDir, 3032);
        Assert.Contains(forwarded, e => e.GetProperty("requestId").GetString() == "rv-corp" && e.GetProperty("message").GetString()!.Contains("'corp'"));
        Assert.DoesNotContain(forwarded, e => e.GetProperty("requestId").GetString() == "rv-default");
    }

    [Fact]
    public async Task A_SCEP_enrollment_goes_to_the_CA_its_challenge_names()
    {
        var minted = await Send(HttpMethod.Post, "/api/v1/scep/challenges", new { subject = "CN=scep-corp", ca = "corp" });
        Assert.Equal("corp", minted.GetProperty("ca").GetString());
        using var scep = new ScepHttpClient(File.ReadAllText(Path.Combine(_connector.DataDir, "scep.url")).Trim());
        var key = ScepHttpClient.NewKey();
        var issued = await scep.EnrollAsync(key, ScepClient.SelfSigned(key, "CN=scep-corp"), ScepClient.CreateCsr(key, "CN=scep-corp", minted.GetProperty("challenge").GetString()!));

        Assert.Equal(ScepPkiStatus.Success, issued.Status);
        Assert.Equal(TwoCaConnector.CorpSubject, issued.Certificates[0].IssuerDN.ToString());
        Assert.Contains(TestCaType.Built["corp"].Issued, r => r.Feature == "scep");
    }

    [Fact]
    public async Task Status_lists_every_CA_with_whether_it_answered_and_warns_of_one_that_did_not()
    {
        var status = await Send(HttpMethod.Get, "/api/v1/status");

        var cas = status.GetProperty("cas").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["builtin", "corp", "offline"], cas.Keys.Order());
        Assert.True(cas["builtin"].GetProperty("isDefault").GetBoolean());
        Assert.Equal(("builtin", true), (cas["builtin"].GetProperty("type").GetString(), cas["builtin"].GetProperty("answered").GetBoolean()));
        Assert.Equal(("test", true), (cas["corp"].GetProperty("type").GetString(), cas["corp"].GetProperty("answered").GetBoolean()));
        Assert.False(cas["offline"].GetProperty("answered").GetBoolean());
        Assert.Contains("test CA is down", cas["offline"].GetProperty("error").GetString());
        Assert.Contains(status.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("'offline'"));
        Assert.DoesNotContain(status.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("'corp'"));

        // cluster show: this member's CAs as it reported them.
        var self = (await Send(HttpMethod.Get, "/api/v1/cluster")).GetProperty("members").EnumerateArray().Single(m => m.GetProperty("isSelf").GetBoolean());
        Assert.Equal(["builtin", "corp", "offline"], self.GetProperty("cas").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());
    }
}
