using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CertConnector.Host.Tests.Admin;

/// <summary>Bad input gets a clear 4xx from the API and a clear message and non-zero exit from the CLI,
/// and nothing is half-created.</summary>
[Trait("Category", "Interop")]
public sealed class BadInputTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private const string Pkcs = "/api/v1/pkcs/requests", Challenges = "/api/v1/scep/challenges";
    private const string Json = "application/json";

    private static readonly string[] BadSans =
        ["ip:300.1.1.1", "dns:a b/c", "email:nope", "uri:foo", @"upn:al\u0000ice@contoso.com", "dns:" + new string('a', 10_000)];

    private static string TooManySans => JsonSerializer.Serialize(Enumerable.Range(0, 51).Select(i => $"dns:h{i}.example.com"));

    /// <summary>Each admin input found to give a 500 or an empty body: (case, method, path, content type, body, status, field).</summary>
    public static TheoryData<string, string, string, string?, byte[]?, int, string?> AdminCases
    {
        get
        {
            var data = new TheoryData<string, string, string, string?, byte[]?, int, string?>();
            void Add(string name, string method, string path, string? type, string? body, int status, string? expectedField) =>
                data.Add(name, method, path, type, body is null ? null : Encoding.UTF8.GetBytes(body), status, expectedField);
            Add("pkcs-hex-subject", "POST", Pkcs, Json, """{"subject":"CN=#zz"}""", 400, "subject");
            Add("challenge-hex-subject", "POST", Challenges, Json, """{"subject":"CN=#zz"}""", 400, "subject");
            foreach (var ttl in new[] { "1e308d", "NaNm", "Infinityh", "-Infinitys" })
                Add($"ttl-{ttl}", "POST", Challenges, Json, $$"""{"subject":"CN=x","ttl":"{{ttl}}"}""", 400, "ttl");
            Add("state-bogus", "GET", "/api/v1/requests?state=bogus", null, null, 400, "state");
            Add("state-list", "GET", "/api/v1/requests?state=Queued,Failed", null, null, 400, "state");
            foreach (var (san, i) in BadSans.Select((s, i) => (s, i)))
            {
                Add($"pkcs-san-{i}", "POST", Pkcs, Json, $$"""{"subject":"CN=x","sans":["{{san}}"]}""", 400, "sans");
                Add($"challenge-san-{i}", "POST", Challenges, Json, $$"""{"subject":"CN=x","sans":["{{san}}"]}""", 400, "sans");
            }
            Add("pkcs-51-sans", "POST", Pkcs, Json, $$"""{"subject":"CN=x","sans":{{TooManySans}}}""", 400, "sans");
            Add("challenge-51-sans", "POST", Challenges, Json, $$"""{"subject":"CN=x","sans":{{TooManySans}}}""", 400, "sans");
            Add("malformed-json", "POST", Pkcs, Json, "{not json", 400, null);
            Add("empty-body", "POST", Challenges, Json, "", 400, null);
            Add("json-array", "POST", Pkcs, Json, "[1,2]", 400, null);
            Add("subject-a-number", "POST", Pkcs, Json, """{"subject":5}""", 400, "subject");
            Add("validity-a-string", "POST", Pkcs, Json, """{"subject":"CN=x","validityDays":"ten"}""", 400, "validityDays");
            Add("sans-a-string", "POST", Challenges, Json, """{"subject":"CN=x","sans":"dns:x.example.com"}""", 400, "sans");
            data.Add("invalid-utf8", "POST", Pkcs, Json, [.. "{\"subject\":\"CN="u8, 0xC3, 0x28, 0xFF, .. "\"}"u8], 400, "subject");
            Add("text-plain", "POST", Pkcs, "text/plain", """{"subject":"CN=x"}""", 415, null);
            Add("no-content-type", "POST", Challenges, null, """{"subject":"CN=x"}""", 415, null);
            Add("too-large", "POST", Pkcs, Json, $$"""{"subject":"CN=x","template":"{{new string('a', 2 * 1024 * 1024)}}"}""", 413, null);
            Add("limit-requests", "GET", "/api/v1/requests?limit=abc", null, null, 400, "limit");
            Add("limit-challenges", "GET", Challenges + "?limit=abc", null, null, 400, "limit");
            Add("limit-notifications", "GET", "/api/v1/scep/notifications?limit=99999999999", null, null, 400, "limit");
            Add("unknown-route", "GET", "/api/v1/nope", null, null, 404, null);
            Add("wrong-method", "DELETE", "/api/v1/status", null, null, 405, null);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AdminCases))]
    public async Task Bad_admin_input_is_a_4xx_with_a_json_error_naming_the_field(
        string name, string method, string path, string? contentType, byte[]? body, int status, string? field)
    {
        using var http = AdminClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), connector.Process.AdminUrl + path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode} {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()), text);
        var reported = error.GetProperty("field");
        Assert.Equal(field, reported.ValueKind == JsonValueKind.Null ? null : reported.GetString());
    }

    [Fact]
    public async Task The_san_limit_admits_the_configured_count_and_not_one_more()
    {
        using var http = AdminClient();
        var sans = Enumerable.Range(0, 51).Select(i => $"dns:h{i}.example.com").ToArray();
        var fifty = await http.PostAsJsonAsync(connector.Process.AdminUrl + Challenges, new { subject = "CN=fifty", sans = sans[..50] });
        Assert.Equal(HttpStatusCode.OK, fifty.StatusCode);
        Assert.Equal(50, JsonDocument.Parse(await fifty.Content.ReadAsStringAsync()).RootElement.GetProperty("sans").GetArrayLength());
        var fiftyOne = await http.PostAsJsonAsync(connector.Process.AdminUrl + Challenges, new { subject = "CN=fifty-one", sans });
        Assert.Equal(HttpStatusCode.BadRequest, fiftyOne.StatusCode);
    }

    private HttpClient AdminClient()
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.token")).Trim());
        return http;
    }

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
