using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Actors.Scep;
using CertConnector.Host.Scep;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;

namespace CertConnector.Host.Tests.Scep;

/// <summary>What certmonger ran into: large PKIOperations by GET.</summary>
[Trait("Category", "Interop")]
public sealed class ScepGetSizeTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    [Fact]
    public async Task A_12_KB_GET_PKIOperation_enrolls_a_4096_bit_key_with_many_SANs()
    {
        const string subject = "CN=big-get";
        var key = NewRsaKey(4096);
        var signer = ScepClient.SelfSigned(key, subject);
        // Enough long DNS names to make the GET URL over 12 KB (certmonger's 12-SAN renewal was 8.5 KB).
        var sans = new List<SubjectAltName>();
        string Url(string challenge) => connector.Http.Url + "?operation=PKIOperation&message=" + Convert.ToBase64String(
            connector.Http.Client.PkcsReq(ScepClient.CreateCsr(key, subject, challenge, sans: sans), signer, key.Private).Bytes);
        while (Url(new string('x', 24)).Length < 12 * 1024)
            sans.Add(new SubjectAltName("dns", $"{new string('a', 60)}.{new string('b', 60)}.{new string('c', 60)}.host{sans.Count}.example.com"));

        var minted = connector.Process.Cli(["scep", "challenge", "--subject", subject, .. sans.SelectMany(s => new[] { "--san", $"dns:{s.Value}" })]);
        Assert.True(minted.ExitCode == 0, minted.ToString());
        var csr = ScepClient.CreateCsr(key, subject, minted.Json.GetProperty("challenge").GetString(), sans: sans);
        var reply = await connector.Http.EnrollAsync(key, signer, csr, get: true);

        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        Assert.Equal(sans.Count, reply.Certificates[0].GetSubjectAlternativeNames().Count);
    }

    [Fact]
    public async Task A_GET_message_beyond_MaxBodyBytes_is_a_logged_414_and_a_huge_line_is_414_too()
    {
        var max = new ScepOptions().MaxBodyBytes; // the fixture runs with the default
        using var http = new HttpClient();
        var tooLong = new string('A', (int)ScepEndpoints.MaxGetMessageChars(max) + 4);
        using var over = await http.GetAsync(connector.Process.ScepUrl + "?operation=PKIOperation&message=" + tooLong);
        Assert.Equal(414, (int)over.StatusCode);
        connector.Process.WaitUntil(() => ConnectorLogs.Events(connector.Process.DataDir, 4005, "(414)").Count > 0,
            TimeSpan.FromSeconds(10), "the 414 to be logged as 4005");

        // Past even the request line Kestrel is allowed: Kestrel's own 414, the connector keeps serving.
        var huge = new string('A', ScepEndpoints.MaxRequestLineBytes(max) + 1024);
        using var beyond = await http.GetAsync(connector.Process.ScepUrl + "?operation=PKIOperation&message=" + huge);
        Assert.Equal(414, (int)beyond.StatusCode);
        Assert.Equal(200, (int)(await http.GetAsync(connector.Process.ScepUrl + "?operation=GetCACaps")).StatusCode);
    }

    private static AsymmetricCipherKeyPair NewRsaKey(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
        return generator.GenerateKeyPair();
    }
}

/// <summary>A renewal refused for its timing is refused like every other request: received, rejected, notified.</summary>
[Trait("Category", "Interop")]
public sealed class ScepRenewalWindowTests
{
    [Fact]
    public async Task A_renewal_outside_the_window_logs_4003_and_4005_and_stores_a_failure_notification()
    {
        using var process = ConnectorProcess.Start(Path.Combine(Tools.TempDir("scep-window"), "data")); // default 30-day window
        using var http = new ScepHttpClient(process.ScepUrl);
        const string subject = "CN=renews-too-early";
        var key = ScepHttpClient.NewKey();
        var minted = process.Cli("scep", "challenge", "--subject", subject).Json;
        // The wire shape scripts read; "ca" (the CA the enrollment goes to) was added last.
        Assert.Equal(["challenge", "expiresAt", "subject", "sans", "ca"], minted.EnumerateObject().Select(p => p.Name));
        Assert.Equal("builtin", minted.GetProperty("ca").GetString());
        var challenge = minted.GetProperty("challenge").GetString();
        var existing = (await http.EnrollAsync(key, ScepClient.SelfSigned(key, subject), ScepClient.CreateCsr(key, subject, challenge))).Certificates[0];

        var renewal = http.Client.RenewalReq(ScepClient.CreateCsr(ScepHttpClient.NewKey(), subject), existing, key.Private);
        var reply = http.Decode((await http.PostAsync(renewal.Bytes)).Body, existing, key);

        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (reply.Status, reply.FailInfo));
        var tx = renewal.TransactionId;
        process.WaitUntil(() => Notification(process, tx) is not null, TimeSpan.FromSeconds(15), "the failure notification");
        var stored = Notification(process, tx)!.Value;
        Assert.Equal(["transactionId", "succeeded", "serialNumber", "thumbprint", "errorDescription", "receivedAt", "notifyCount"],
            stored.EnumerateObject().Select(p => p.Name));
        Assert.False(stored.GetProperty("succeeded").GetBoolean());
        Assert.Contains("renewal window", stored.GetProperty("errorDescription").GetString());
        Assert.Single(ConnectorLogs.Events(process.DataDir, 4003, tx));
        Assert.Single(ConnectorLogs.Events(process.DataDir, 4005, tx), e => e.GetProperty("message").GetString()!.Contains("renewal window"));
    }

    private static JsonElement? Notification(ConnectorProcess process, string transactionId)
    {
        var list = process.Cli("scep", "notifications");
        if (list.ExitCode != 0) return null;
        foreach (var n in list.Json.EnumerateArray())
            if (n.GetProperty("transactionId").GetString() == transactionId) return n;
        return null;
    }
}
