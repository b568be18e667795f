using System.Text.Json.Nodes;
using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>The connector process in remote mode and the emulator, shared by the tests of this class.</summary>
public sealed class RemoteConnectorFixture : IAsyncLifetime
{
    public ServiceEmulator Emulator { get; private set; } = null!;
    public ConnectorProcess Connector { get; private set; } = null!;
    public string Dir { get; } = Tools.TempDir("remote");

    public async Task InitializeAsync()
    {
        Emulator = await ServiceEmulator.StartAsync();
        Connector = RemoteConnector.Start(Emulator, Path.Combine(Dir, "data"));
    }

    public async Task DisposeAsync()
    {
        Connector?.Dispose();
        await Emulator.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

/// <summary>
/// Service-connected mode end to end: requests queued in the emulator are processed by the same actors and their
/// results arrive at the emulator exactly once; openssl opens what was delivered.
/// </summary>
[Trait("Category", "Interop")]
public sealed class RemotePkcsEndToEndTests(RemoteConnectorFixture fixture) : IClassFixture<RemoteConnectorFixture>
{
    private ServiceEmulator Emulator => fixture.Emulator;
    private ConnectorProcess Connector => fixture.Connector;

    [Fact]
    public void Queued_requests_are_processed_and_each_result_arrives_once_and_opens_with_openssl()
    {
        var dir = Tools.TempDir("remote-pkcs");
        var cases = new[] { (Id: $"rp-{Guid.NewGuid():N}", Rsa: true, Key: "RSA"), (Id: $"rp-{Guid.NewGuid():N}", Rsa: false, Key: "ECDSA") };
        var devices = cases.Select(c => (c.Id, Device: RemoteConnector.PkcsRequest(dir, c.Id, c.Rsa, c.Key))).ToList();
        foreach (var (_, device) in devices) Emulator.EnqueuePkcs(device.Request);

        RemoteConnector.WaitFor(Connector, () => devices.All(d => RemoteConnector.ResultsFor(Emulator, d.Id) > 0), "both results at the emulator");
        // More downloads happen after the uploads; none of them may bring a second upload.
        var downloads = Emulator.CallsTo("downloadPkcsRequests").Count;
        RemoteConnector.WaitFor(Connector, () => Emulator.CallsTo("downloadPkcsRequests").Count >= downloads + 3, "three more downloads");

        var caPem = Path.Combine(dir, "ca.pem");
        File.WriteAllText(caPem, Connector.Cli("ca", "cert").Stdout);
        foreach (var (id, device) in devices)
        {
            Assert.Equal(1, RemoteConnector.ResultsFor(Emulator, id));
            var result = Emulator.PkcsResults.Single(r => (string)r["requestId"]! == id);
            Assert.True((bool)result["succeeded"]!, result.ToJsonString());
            var pfxCms = Path.Combine(dir, $"{id}.p12.cms");
            var passwordCms = Path.Combine(dir, $"{id}.password.cms");
            File.WriteAllBytes(pfxCms, Convert.FromBase64String((string)result["encryptedPfx"]!));
            File.WriteAllBytes(passwordCms, Convert.FromBase64String((string)result["encryptedPassword"]!));
            var p12 = Path.Combine(dir, $"{id}.p12");
            var password = Path.Combine(dir, $"{id}.password");
            Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", passwordCms, "-recip", device.CertPem, "-inkey", device.KeyPem, "-out", password);
            Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", pfxCms, "-recip", device.CertPem, "-inkey", device.KeyPem, "-out", p12);
            var pass = File.ReadAllText(password);
            var leaf = Path.Combine(dir, $"{id}.leaf.pem");
            Tools.OpenSsl("pkcs12", "-in", p12, "-passin", $"pass:{pass}", "-clcerts", "-nokeys", "-out", leaf);
            Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", caPem, leaf));
            var text = Tools.OpenSsl("x509", "-in", leaf, "-noout", "-text", "-serial", "-fingerprint", "-sha1", "-nameopt", "RFC2253");
            Assert.Contains("Subject: CN=Alice Example,O=Contoso,C=US", text);
            Assert.Contains("UPN::alice@contoso.com", text);
            Assert.Contains("E-mail Protection", text);
            var serial = text.Split('\n').Single(l => l.StartsWith("serial=", StringComparison.Ordinal))["serial=".Length..].Trim();
            Assert.Equal(serial.TrimStart('0'), ((string)result["serialNumber"]!).ToUpperInvariant().TrimStart('0'));
        }
        Assert.Empty(Emulator.DuplicateUploads);
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 1000)); // PkcsRequestSuccess

        // Successes carry the client-request-id of the service call they report, the one the service saw.
        foreach (var (id, _) in devices)
        {
            var uploaded = Assert.Single(ConnectorLogs.Events(Connector.DataDir, 1102, id)).GetProperty("clientRequestId").GetString();
            Assert.Contains(Emulator.CallsTo("uploadPkcsResults"), c => c.ClientRequestId == uploaded && c.Body.Contains(id));
        }
        var downloaded = ConnectorLogs.Events(Connector.DataDir, 1002).Select(e => e.GetProperty("clientRequestId").GetString()).ToList();
        Assert.NotEmpty(downloaded);
        Assert.All(downloaded, crid => Assert.Contains(Emulator.CallsTo("downloadPkcsRequests"), c => c.ClientRequestId == crid));
    }

    [Fact]
    public void A_revocation_queued_in_the_service_revokes_at_the_ca_and_its_result_arrives_once()
    {
        var dir = Tools.TempDir("remote-revoke");
        var id = $"rr-{Guid.NewGuid():N}";
        Emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);
        RemoteConnector.WaitFor(Connector, () => RemoteConnector.ResultsFor(Emulator, id) > 0, "the PKCS result");
        var serial = (string)Emulator.PkcsResults.Single(r => (string)r["requestId"]! == id)["serialNumber"]!;

        var revocationId = $"rv-{Guid.NewGuid():N}";
        Emulator.EnqueueRevocation(new JsonObject { ["requestContext"] = revocationId, ["serialNumber"] = serial, ["issuerName"] = "CN=CertConnector Built-in CA", ["reason"] = 1 });
        RemoteConnector.WaitFor(Connector, () => Emulator.RevocationResults.Any(r => (string)r["requestContext"]! == revocationId), "the revocation result");

        var result = Emulator.RevocationResults.Single(r => (string)r["requestContext"]! == revocationId);
        Assert.True((bool)result["succeeded"]!, result.ToJsonString());
        var crl = Path.Combine(dir, "crl.pem");
        File.WriteAllText(crl, Connector.Cli("ca", "crl").Stdout);
        Assert.Contains(serial.TrimStart('0').ToUpperInvariant(), Tools.OpenSsl("crl", "-in", crl, "-noout", "-text").ToUpperInvariant());
    }

    [Fact]
    public void Five_hundred_and_threes_for_a_while_delay_the_upload_which_then_arrives_once_with_the_attempts_logged()
    {
        var dir = Tools.TempDir("remote-503");
        var id = $"r503-{Guid.NewGuid():N}";
        var fault = new Fault { PathContains = "uploadPkcsResults", Status = 503, Times = 5 };
        Emulator.AddFault(fault);
        Emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);

        RemoteConnector.WaitFor(Connector, () => RemoteConnector.ResultsFor(Emulator, id) > 0, "the result after the 503s");

        Assert.Equal(0, fault.Times);
        Assert.Equal(1, RemoteConnector.ResultsFor(Emulator, id));
        var failed = ConnectorLogs.Events(Connector.DataDir, 1101, id); // PkcsUploadFailure, per attempt
        Assert.True(failed.Count >= 3, $"{failed.Count} upload failure events");
        Assert.Contains(failed, e => e.TryGetProperty("clientRequestId", out var c) && Guid.TryParse(c.GetString(), out _));
    }

    [Fact]
    public void A_429_with_Retry_After_is_honoured_and_the_retry_keeps_the_client_request_id_that_the_event_carries()
    {
        var fault = new Fault { PathContains = "downloadPkcsRequests", Status = 429, RetryAfter = TimeSpan.FromSeconds(2) };
        Emulator.AddFault(fault);
        RemoteConnector.WaitFor(Connector, () => fault.Times == 0, "the 429");
        var limited = Emulator.CallsTo("downloadPkcsRequests").Single(c => c.Status == 429);
        RemoteConnector.WaitFor(Connector, () => Emulator.CallsTo("downloadPkcsRequests").Any(c => c.At > limited.At), "the retry");

        var retry = Emulator.CallsTo("downloadPkcsRequests").First(c => c.At > limited.At);
        Assert.Equal(limited.ClientRequestId, retry.ClientRequestId);
        Assert.True(retry.At - limited.At >= TimeSpan.FromSeconds(1.9), $"retried {retry.At - limited.At} after the 429");
        RemoteConnector.WaitFor(Connector, () => ConnectorLogs.Events(Connector.DataDir, 1003, limited.ClientRequestId!).Count > 0, "the 1003 event");
        var logged = ConnectorLogs.Events(Connector.DataDir, 1003, limited.ClientRequestId!).Single();
        Assert.Equal(limited.ClientRequestId, logged.GetProperty("clientRequestId").GetString());
        Assert.Equal(2000, logged.GetProperty("retryInMs").GetInt64());
    }

    [Fact]
    public void A_request_that_fails_for_good_is_uploaded_once_as_a_failure_with_its_reason()
    {
        var dir = Tools.TempDir("remote-fail");
        var id = $"rf-{Guid.NewGuid():N}";
        var request = RemoteConnector.PkcsRequest(dir, id).Request;
        request["deviceCertificate"] = Convert.ToBase64String("not a certificate"u8.ToArray());
        Emulator.EnqueuePkcs(request);

        RemoteConnector.WaitFor(Connector, () => RemoteConnector.ResultsFor(Emulator, id) > 0, "the failure result");

        var result = Emulator.PkcsResults.Single(r => (string)r["requestId"]! == id);
        Assert.False((bool)result["succeeded"]!);
        Assert.False(string.IsNullOrEmpty((string?)result["errorCode"]), result.ToJsonString());
        Assert.Null(result["encryptedPfx"]);
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 1001, id)); // PkcsRequestFailure
    }

    [Fact]
    public void The_admin_api_refuses_to_queue_in_remote_mode_with_a_clear_409()
    {
        var dir = Tools.TempDir("remote-409");
        var queued = Connector.Cli("pkcs", "request", "--subject", "CN=x", "--device-cert", Tools.DeviceCertificateFile(dir), "--request-id", "nope-1");
        Assert.NotEqual(0, queued.ExitCode);
        Assert.Contains("management service feeds the queue", queued.Stdout + queued.Stderr);
    }

    [Fact]
    public void The_client_secret_and_the_bearer_tokens_are_never_written_to_the_data_directory()
    {
        var dir = Tools.TempDir("remote-secrets");
        var id = $"rs-{Guid.NewGuid():N}";
        Emulator.AddFault(new Fault { PathContains = "uploadPkcsResults", Status = 503, Times = 2 }); // failure events too
        Emulator.EnqueuePkcs(RemoteConnector.PkcsRequest(dir, id).Request);
        RemoteConnector.WaitFor(Connector, () => RemoteConnector.ResultsFor(Emulator, id) > 0, "the result");

        var tokens = Emulator.Calls.Select(c => c.Authorization).Where(a => a?.StartsWith("Bearer ", StringComparison.Ordinal) == true).Select(a => a![7..]).Distinct().ToList();
        Assert.NotEmpty(tokens);
        var files = Directory.GetFiles(Connector.DataDir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "connector.lock"); // held exclusively, and empty
        Assert.Empty(DataDirSecretScan.Find(files, [ServiceEmulator.ClientSecret, .. tokens]));
    }

    [Fact]
    public void Health_messages_reach_the_service()
    {
        RemoteConnector.WaitFor(Connector, () => Emulator.HealthMessages.Count >= 2, "two health messages");
        var m = Emulator.HealthMessages[^1];
        Assert.False(string.IsNullOrEmpty((string?)m["instance"]));
        Assert.Contains("pkcs", m["features"]!.AsArray().Select(f => (string)f!));
        Assert.True((bool)m["caReachable"]!);
        Assert.True((int)m["caCertificateDaysLeft"]! > 300);
        Assert.NotEmpty(ConnectorLogs.Events(Connector.DataDir, 5000));
    }
}
