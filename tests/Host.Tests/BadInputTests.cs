using System.Net;
using System.Net.Http.Headers;

namespace CertConnector.Host.Tests;

/// <summary>Bad input gets a clear 4xx from the API and a clear message and non-zero exit from the CLI,
/// and nothing is half-created.</summary>
[Trait("Category", "Interop")]
public sealed class BadInputTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private string DeviceCert(string name, params string[] reqArgs)
    {
        var dir = Tools.TempDir(name);
        var key = Path.Combine(dir, "k.pem");
        var cert = Path.Combine(dir, "c.pem");
        Tools.OpenSsl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
        Tools.OpenSsl(["req", "-x509", "-new", "-key", key, "-subj", "/CN=dev", "-out", cert, .. reqArgs]);
        return cert;
    }

    public static TheoryData<string, string[], string> Cases => new()
    {
        { "bad-dn", ["--subject", "this is not a DN"], "subject" },
        { "unknown-attr", ["--subject", "FOO=bar"], "subject" },
        { "unknown-template", ["--template", "no-such-template"], "template" },
        { "bad-key", ["--key", "rsa:1024"], "key" },
        { "bad-san", ["--san", "fax:123"], "sans" },
        { "bad-sid", ["--sid", "not-a-sid"], "sid" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Invalid_fields_are_refused_and_nothing_is_created(string name, string[] overrides, string field)
    {
        var id = $"bad-{name}-{Guid.NewGuid():N}";
        var args = new Dictionary<string, string>
        {
            ["--subject"] = "CN=Bob", ["--device-cert"] = DeviceCert(name, "-days", "30"), ["--request-id"] = id,
        };
        var extra = new List<string>();
        for (var i = 0; i < overrides.Length; i += 2)
            if (args.ContainsKey(overrides[i])) args[overrides[i]] = overrides[i + 1];
            else extra.AddRange([overrides[i], overrides[i + 1]]);
        var result = connector.Process.Cli(["pkcs", "request", .. args.SelectMany(kv => new[] { kv.Key, kv.Value }), .. extra]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("400", result.Stderr);
        Assert.Contains($"field: {field}", result.Stderr);
        Assert.NotEqual(0, connector.Process.Cli("pkcs", "show", id).ExitCode);
        Assert.DoesNotContain(id, connector.Process.Cli("requests", "list").Stdout);
    }

    [Fact]
    public void A_device_certificate_that_is_not_a_certificate_is_refused()
    {
        var file = Path.Combine(Tools.TempDir("garbage"), "garbage.pem");
        File.WriteAllText(file, "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGUgYXQgYWxs\n-----END CERTIFICATE-----\n");
        var result = connector.Process.Cli("pkcs", "request", "--subject", "CN=Bob", "--device-cert", file);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("field: deviceCertificate", result.Stderr);
    }

    [Fact]
    public void An_expired_device_certificate_is_refused()
    {
        // openssl 3.0's req cannot back-date; .NET makes the expired input, our validation is what is tested.
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=old", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var old = request.CreateSelfSigned(DateTimeOffset.Parse("2020-01-01Z"), DateTimeOffset.Parse("2021-01-01Z"));
        var cert = Path.Combine(Tools.TempDir("expired"), "old.pem");
        File.WriteAllText(cert, old.ExportCertificatePem());
        var result = connector.Process.Cli("pkcs", "request", "--subject", "CN=Bob", "--device-cert", cert);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("field: deviceCertificate", result.Stderr);
        Assert.Contains("expired", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_device_certificate_file_is_a_clear_cli_error()
    {
        var result = connector.Process.Cli("pkcs", "request", "--subject", "CN=Bob", "--device-cert", "/nonexistent/device.pem");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
    }

    [Fact]
    public async Task Missing_or_wrong_token_is_401_and_the_cli_says_so()
    {
        var url = File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.url")).Trim();
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(url + "/api/v1/ca/certificate")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        var wrong = await http.GetAsync(url + "/api/v1/requests");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("token", await wrong.Content.ReadAsStringAsync());

        var otherDir = Tools.TempDir("no-token");
        File.WriteAllText(Path.Combine(otherDir, "admin.token"), "wrong-token");
        var cli = ConnectorProcess.RunCli(otherDir, "ca", "cert", "--url", url);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("refused the token", cli.Stderr);
    }

    [Fact]
    public async Task A_malformed_json_body_is_a_400_not_a_500()
    {
        var url = File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.url")).Trim();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.token")).Trim());
        var response = await http.PostAsync(url + "/api/v1/pkcs/requests", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void Asking_for_an_unknown_request_is_a_clear_not_found()
    {
        var result = connector.Process.Cli("pkcs", "result", "no-such-request");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("404", result.Stderr);
    }
}
