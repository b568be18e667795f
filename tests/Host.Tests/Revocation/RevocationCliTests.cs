using System.Text.Json;

namespace CertConnector.Host.Tests.Revocation;

/// <summary>
/// Revocation through the real process and its CLI: <c>revocation request</c> + <c>revocation show</c>, <c>pkcs revoke</c>,
/// <c>requests list --feature revocation</c>, and bad input naming the field. The CA side is the temporary
/// store-backed ICertificateRevoker until BuiltInCa implements it (the CRL/OCSP branch): the assertions marked
/// [CA] are the ones that depend on what that implementation answers.
/// </summary>
public sealed class RevocationCliTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private ConnectorProcess Process => connector.Process;

    [Fact]
    public void Pkcs_revoke_then_revocation_request_of_the_same_serial_both_reach_uploaded()
    {
        var dir = Tools.TempDir("revoke");
        var deviceCert = Path.Combine(dir, "device.crt");
        Tools.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", Path.Combine(dir, "device.key"),
            "-out", deviceCert, "-subj", "/CN=device-1", "-days", "30");
        var pkcsId = $"to-revoke-{Guid.NewGuid():N}";
        Assert.Equal(0, Process.Cli("pkcs", "request", "--subject", "CN=Revoked Alice", "--device-cert", deviceCert, "--key", "ec:p256",
            "--request-id", pkcsId).ExitCode);
        Process.WaitForQueueStatus(pkcsId, "Completed", TimeSpan.FromSeconds(60));
        var serial = Process.Show(pkcsId).GetProperty("serialNumber").GetString()!;

        var revoke = Process.Cli("pkcs", "revoke", pkcsId, "--reason", "keyCompromise");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        var first = WaitUploaded(revoke.Json.GetProperty("requestId").GetString()!);
        Assert.Equal(serial, first.GetProperty("serialNumber").GetString());
        Assert.Equal("keyCompromise", first.GetProperty("reason").GetString());
        Assert.Equal(pkcsId, first.GetProperty("pkcsRequestId").GetString());
        Assert.Equal("Completed", first.GetProperty("queueStatus").GetString()); // [CA] revoked
        Assert.Equal(["Downloaded", "Revoked", "Uploaded"], first.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("event").GetString()));

        var again = Process.Cli("revocation", "request", "--serial", string.Join(":", serial.Chunk(2).Select(c => new string(c))).ToLowerInvariant());
        Assert.True(again.ExitCode == 0, again.ToString());
        var second = WaitUploaded(again.Json.GetProperty("requestId").GetString()!);
        Assert.Equal("Completed", second.GetProperty("queueStatus").GetString()); // [CA] already revoked is success...
        Assert.Equal("4005", second.GetProperty("errorCode").GetString());       // [CA] ...reported as 4005

        var listed = Process.Cli("requests", "list", "--feature", "revocation");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains(listed.Json.EnumerateArray(), r => r.GetProperty("requestId").GetString() == again.Json.GetProperty("requestId").GetString());
    }

    [Fact]
    public void Requests_show_finds_an_ID_in_whichever_feature_holds_it_and_prints_that_features_view()
    {
        var queued = Process.Cli("revocation", "request", "--serial", "7E57AB1E7E57AB1F");
        Assert.True(queued.ExitCode == 0, queued.ToString());
        var id = queued.Json.GetProperty("requestId").GetString()!;
        WaitUploaded(id);

        var shown = Process.Cli("requests", "show", id);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        var match = Assert.Single(shown.Json.EnumerateArray());
        Assert.Equal("revocation", match.GetProperty("feature").GetString());
        Assert.Equal(id, match.GetProperty("request").GetProperty("requestId").GetString());
        Assert.Equal("7E57AB1E7E57AB1F", match.GetProperty("request").GetProperty("serialNumber").GetString());
        Assert.NotEmpty(match.GetProperty("request").GetProperty("history").EnumerateArray());

        var missing = Process.Cli("requests", "show", "no-such-request-anywhere");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No request 'no-such-request-anywhere'", missing.Stderr);
    }

    [Fact]
    public void An_unknown_serial_is_uploaded_as_a_failure_with_4004()
    {
        var queued = Process.Cli("revocation", "request", "--serial", "7E57AB1E7E57AB1E");
        Assert.True(queued.ExitCode == 0, queued.ToString());
        var shown = WaitUploaded(queued.Json.GetProperty("requestId").GetString()!);
        Assert.Equal("Failed", shown.GetProperty("queueStatus").GetString());
        Assert.Equal("4004", shown.GetProperty("errorCode").GetString()); // [CA] NotFoundCode for a serial it never issued
    }

    [Theory]
    [InlineData(new[] { "revocation", "request", "--serial", "not-hex" }, "serial")]
    [InlineData(new[] { "revocation", "request", "--serial", "00" }, "serial")]
    [InlineData(new[] { "revocation", "request", "--serial=-1" }, "serial")]
    [InlineData(new[] { "revocation", "request", "--serial", ":0A" }, "serial")]
    [InlineData(new[] { "revocation", "request", "--serial", "0A1B", "--reason", "2" }, "reason")]
    [InlineData(new[] { "revocation", "request", "--serial", "0A1B", "--reason", "stolen" }, "reason")]
    [InlineData(new[] { "pkcs", "revoke", "no-such-request" }, "pkcsRequestId")]
    public void Bad_input_is_refused_naming_the_field(string[] args, string field)
    {
        var result = Process.Cli(args);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"(field: {field})", result.Stderr);
    }

    private JsonElement WaitUploaded(string requestId)
    {
        JsonElement shown = default;
        Process.WaitUntil(() =>
        {
            var show = Process.Cli("revocation", "show", requestId);
            if (show.ExitCode != 0) return false;
            shown = show.Json;
            // The standalone service stores the result, then completes the queue row: wait for both, as the assertions read both.
            return shown.GetProperty("resultUploaded").GetBoolean() && shown.GetProperty("queueStatus").GetString() is "Completed" or "Failed";
        }, TimeSpan.FromSeconds(60), $"revocation {requestId} uploaded");
        return shown;
    }
}
