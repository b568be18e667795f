using System.Text.Json;
using System.Text.Json.Nodes;
using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>
/// Inspection in remote mode: no standalone queue holds a request that came from the service, so <c>requests show</c>, <c>pkcs show</c>
/// and <c>revocation show</c> answer from the request actors; <c>status</c> shows the mode, the service and the last health message.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RemoteInspectionTests(RemoteConnectorFixture fixture) : IClassFixture<RemoteConnectorFixture>
{
    private ServiceEmulator Emulator => fixture.Emulator;
    private ConnectorProcess Connector => fixture.Connector;

    [Fact]
    public void Requests_show_gives_a_request_from_the_service_as_uploaded_with_the_serial_the_service_received()
    {
        var id = $"ri-{Guid.NewGuid():N}";
        var device = RemoteConnector.PkcsRequest(Path.Combine(fixture.Dir, "devices"), id);
        Emulator.EnqueuePkcs(device.Request);
        RemoteConnector.WaitFor(Connector, () => Emulator.IsAcknowledged(id), "the result acknowledged by the service");
        var uploaded = Emulator.PkcsResults.Single(r => (string)r["requestId"]! == id);
        var serial = (string)uploaded["serialNumber"]!;
        // The actor journals Uploaded once the service's answer is back, just after the service recorded the result.
        RemoteConnector.WaitFor(Connector, () => Connector.Cli("requests", "show", id) is { ExitCode: 0 } s
            && s.Json.EnumerateArray().Any(m => m.GetProperty("request").GetProperty("state").GetString() == "Uploaded"), "the actor to journal Uploaded");

        var show = Connector.Cli("requests", "show", id);
        Assert.True(show.ExitCode == 0, show.ToString());
        var match = Assert.Single(show.Json.EnumerateArray());
        Assert.Equal("pkcs", match.GetProperty("feature").GetString());
        Assert.Equal("actor", match.GetProperty("source").GetString());
        var request = match.GetProperty("request"); // the PKCS feature's full view, from its actor
        Assert.Equal("Uploaded", request.GetProperty("state").GetString());
        Assert.True(request.GetProperty("resultUploaded").GetBoolean());
        Assert.Equal(serial, request.GetProperty("serialNumber").GetString());
        Assert.Equal((string)uploaded["certificateThumbprint"]!, request.GetProperty("thumbprint").GetString());
        Assert.Equal(JsonValueKind.Null, request.GetProperty("queueStatus").ValueKind); // no standalone queue holds it
        Assert.Equal("CN=Alice Example,O=Contoso,C=US", request.GetProperty("subject").GetString());
        Assert.Contains(request.GetProperty("history").EnumerateArray(), h => h.GetProperty("event").GetString() == "Uploaded");

        Assert.NotEmpty(DataDirSecretScan.Find(DataDirSecretScan.Journal(Connector.DataDir), [id])); // the scan below finds journaled IDs

        // The shared view through the admin API: the same serial, and nothing secret.
        var found = Connector.Cli("pkcs", "show", id);
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Equal(serial, found.Json.GetProperty("serialNumber").GetString());
        foreach (var secret in new[] { (string)uploaded["encryptedPfx"]!, (string)uploaded["encryptedPassword"]! })
        {
            Assert.DoesNotContain(secret[..40], show.Stdout);
            Assert.DoesNotContain(secret[..40], found.Stdout);
        }
    }

    [Fact]
    public void A_revocation_from_the_service_is_shown_by_revocation_show()
    {
        var id = $"rr-{Guid.NewGuid():N}";
        Emulator.EnqueueRevocation(new JsonObject { ["requestContext"] = id, ["serialNumber"] = "7F0000000000000000AB", ["issuerName"] = "CN=CertConnector Built-in CA", ["reason"] = 1 });
        RemoteConnector.WaitFor(Connector, () => Emulator.RevocationResults.Any(r => (string)r["requestContext"]! == id), "the revocation result");
        RemoteConnector.WaitFor(Connector, () => Connector.Cli("revocation", "show", id) is { ExitCode: 0 } r && r.Json.GetProperty("resultUploaded").GetBoolean(),
            "the upload journaled");

        var show = Connector.Cli("revocation", "show", id).Json;
        Assert.Equal("7F0000000000000000AB", show.GetProperty("serialNumber").GetString());
        Assert.Equal("4004", show.GetProperty("errorCode").GetString()); // an unknown serial fails for good (docs/DESIGN.md §8)
        Assert.Equal("Failed", show.GetProperty("state").GetString());
    }

    [Fact]
    public void An_import_from_the_service_is_shown_by_pkcs_import_show_from_its_actor_and_by_requests_show()
    {
        var dir = Tools.TempDir("inspect-import");
        var password = $"Inspect-import-{Guid.NewGuid():N}"[..28];
        var (pfx, _, deviceCert) = ImportRecryptMaterial.UserPfxAndDevice(dir, password);
        var encrypted = ImportRecryptMaterial.EncryptPassword(dir, Connector.Cli("key", "export-public").Stdout, password, "oaepSha256");
        var deviceDer = Path.Combine(dir, "device.der");
        Tools.OpenSsl("x509", "-in", deviceCert, "-outform", "DER", "-out", deviceDer);
        var id = $"ii-{Guid.NewGuid():N}";
        Emulator.EnqueueImport(new JsonObject
        {
            ["requestId"] = id, ["userPrincipalName"] = "alice@contoso.example", ["thumbprint"] = null, ["paddingScheme"] = "oaepSha256",
            ["encryptedPfxBlob"] = Convert.ToBase64String(File.ReadAllBytes(pfx)), ["encryptedPfxPassword"] = Convert.ToBase64String(File.ReadAllBytes(encrypted)),
            ["keyName"] = "alice-key", ["deviceCertificate"] = Convert.ToBase64String(File.ReadAllBytes(deviceDer)),
        });
        RemoteConnector.WaitFor(Connector, () => Connector.Cli("pkcs-import", "show", id) is { ExitCode: 0 } r && r.Json.GetProperty("resultUploaded").GetBoolean(),
            "the import's upload journaled");

        var show = Connector.Cli("pkcs-import", "show", id); // no standalone queue holds it: the actor's view alone
        var json = show.Json;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("queueStatus").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("enqueuedAt").ValueKind);
        Assert.Equal("Uploaded", json.GetProperty("state").GetString());
        Assert.Equal(("alice@contoso.example", "oaepSha256"), (json.GetProperty("userPrincipalName").GetString(), json.GetProperty("paddingScheme").GetString()));
        Assert.Equal(["Downloaded", "Reencrypted", "Uploaded"], json.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()));

        var found = Connector.Cli("requests", "show", id); // follows the details path to the same view
        Assert.True(found.ExitCode == 0, found.ToString());
        var match = Assert.Single(found.Json.EnumerateArray());
        Assert.Equal(("pkcs-import", "actor"), (match.GetProperty("feature").GetString(), match.GetProperty("source").GetString()));
        Assert.Equal("alice@contoso.example", match.GetProperty("request").GetProperty("userPrincipalName").GetString());
        Assert.DoesNotContain(password, show.Stdout + found.Stdout);
    }

    [Fact]
    public void An_unknown_ID_is_a_404_with_a_clear_message_for_every_show()
    {
        var id = $"unknown-{Guid.NewGuid():N}";
        foreach (var args in new[] { new[] { "requests", "show", id }, ["pkcs", "show", id], ["revocation", "show", id], ["pkcs-import", "show", id], ["recrypt", "show", id] })
        {
            var r = Connector.Cli(args);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Contains($"'{id}'", r.Stderr);
            Assert.Contains("has not downloaded it from the management service", r.Stderr);
        }
        // A second query is answered the same: the first created nothing (no request, no remembered entity that runs).
        var again = Connector.Cli("requests", "show", id);
        Assert.Equal(1, again.ExitCode);
        Assert.DoesNotContain(Emulator.PkcsResults, r => (string)r["requestId"]! == id);
        Assert.DoesNotContain(Emulator.RevocationResults, r => (string)r["requestContext"]! == id);
        // Not even the shard's remember-entities store wrote the ID: no entity was started for it (the journal is checked first).
        Assert.Empty(DataDirSecretScan.Find(DataDirSecretScan.Journal(Connector.DataDir), [id]));
    }

    [Fact]
    public void Status_shows_remote_mode_the_service_and_the_last_health_outcome()
    {
        RemoteConnector.WaitFor(Connector, () => Emulator.HealthMessages.Count >= 1, "a health message");
        RemoteConnector.WaitFor(Connector, () => Connector.Cli("status").Json.GetProperty("service").GetProperty("lastHealth").ValueKind == JsonValueKind.Object,
            "the health outcome in the status");

        var status = Connector.Cli("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        var service = status.Json.GetProperty("service");
        Assert.Equal("remote", service.GetProperty("mode").GetString());
        Assert.Equal(Emulator.DiscoveryUrl.ToString(), service.GetProperty("discoveryUrl").GetString());
        var health = service.GetProperty("lastHealth");
        Assert.True(health.GetProperty("succeeded").GetBoolean(), health.ToString());
        Assert.True(health.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.DoesNotContain(ServiceEmulator.ClientSecret, status.Stdout);
    }
    [Fact]
    public void Debug_switched_on_while_running_logs_each_service_call_with_the_client_request_id_the_service_saw_and_logs_reads_it_back()
    {
        var on = Connector.Cli("logs", "debug", "operational", "on");
        Assert.True(on.ExitCode == 0, on.ToString());
        Assert.True(on.Json.GetProperty("operational").GetBoolean());

        RemoteConnector.WaitFor(Connector, () => ConnectorLogs.Events(Connector.DataDir, 30).Count > 0, "a 0030 ServiceCallSucceeded");
        var call = ConnectorLogs.Events(Connector.DataDir, 30)[0];
        var clientRequestId = call.GetProperty("clientRequestId").GetString();
        Assert.Contains(Emulator.CallsTo(call.GetProperty("path").GetString()!), c => c.ClientRequestId == clientRequestId && c.Status == 200);

        // certconnector logs: the same events through the admin API, filtered by ID, as JSON lines or as text.
        var read = Connector.Cli("logs", "--channel", "operational", "--id", "30", "--since", "1h", "--json", "--limit", "3");
        Assert.True(read.ExitCode == 0, read.ToString());
        var lines = read.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 1, 3);
        Assert.All(lines, l => Assert.Equal(30, JsonDocument.Parse(l).RootElement.GetProperty("eventId").GetInt32()));
        Assert.Contains("ServiceCallSucceeded", Connector.Cli("logs", "--id", "30", "--limit", "1").Stdout);

        // The connector's own events are in the same log: this instance joining its cluster of one (0010).
        Assert.Contains(ConnectorLogs.Events(Connector.DataDir, 10), e => e.GetProperty("message").GetString()!.Contains("(this instance)"));

        var off = Connector.Cli("logs", "debug", "operational", "off");
        Assert.False(off.Json.GetProperty("operational").GetBoolean());
        var bad = Connector.Cli("logs", "--since", "yesterday");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("'yesterday' is not a time", bad.ToString());
    }
}
