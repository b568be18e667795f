using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Tests.Revocation;

/// <summary>
/// Revocation end to end with openssl alone: certificates issued through the PKCS pipeline (the CLI) and through SCEP
/// (our client) carry a CDP and an AIA OCSP URL on the device-facing listener; <c>openssl ocsp</c> says good, then
/// revoked with the reason after a revocation at the CA; the CRL verifies and <c>openssl verify -crl_check</c> rejects.
/// </summary>
[Trait("Category", "Interop")]
public sealed class RevocationOpenSslInteropTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    private string Origin => connector.Process.ScepUrl[..connector.Process.ScepUrl.LastIndexOf("/scep", StringComparison.Ordinal)];
    private string CrlUrl => Origin + "/crl/certconnector-built-in-ca.crl";

    [Fact]
    public async Task A_pkcs_certificate_is_good_then_revoked_on_ocsp_and_crl()
    {
        var dir = Tools.TempDir("revocation-pkcs");
        var leaf = IssueThroughPkcs(dir);
        await GoodThenRevoked(dir, leaf, "keyCompromise", "Key Compromise");
    }

    [Fact]
    public async Task A_scep_certificate_is_good_then_revoked_on_ocsp_crl_and_scep_getcrl()
    {
        var dir = Tools.TempDir("revocation-scep");
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=revoked-device");
        var reply = await connector.Http.EnrollAsync(key, signer, ScepClient.CreateCsr(key, "CN=revoked-device", connector.Challenge("CN=revoked-device")));
        var certificate = reply.Certificates[0];
        var leaf = Path.Combine(dir, "leaf.pem");
        File.WriteAllText(leaf, Pem(certificate));
        await GoodThenRevoked(dir, leaf, "cessationOfOperation", "Cessation Of Operation");

        // SCEP GetCRL (RFC 8894 3.3.4) through our client: the same CRL, now listing the certificate.
        var ca = connector.Http.CaCerts.Single(c => c.GetBasicConstraints() >= 0);
        var crlReply = connector.Http.Decode((await connector.Http.PostAsync(connector.Http.Client.GetCrl(ca.SubjectDN, ca.SerialNumber, signer, key.Private).Bytes)).Body, signer, key);
        var crl = Assert.Single(crlReply.Crls);
        crl.Verify(ca.GetPublicKey());
        Assert.True(crl.IsRevoked(certificate));
    }

    [Fact]
    public void An_unknown_serial_is_unknown_and_the_nonce_is_echoed()
    {
        var output = Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x0123456789ABCDEF", "-url", Origin + "/ocsp", "-CAfile", connector.CaPem);
        Assert.Contains("0x0123456789ABCDEF: unknown", output);
        Assert.Contains("Response verify OK", output);
        Assert.DoesNotContain("nonce", output, StringComparison.OrdinalIgnoreCase); // openssl warns "WARNING: no nonce in response" otherwise
    }

    [Fact]
    public async Task The_crl_and_get_ocsp_answers_carry_caching_headers()
    {
        using var http = new HttpClient();
        using var crl = await http.GetAsync(CrlUrl);
        Assert.Equal(200, (int)crl.StatusCode);
        Assert.Equal("application/pkix-crl", crl.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(crl.Content.Headers.LastModified);
        Assert.NotNull(crl.Content.Headers.Expires);
        Assert.NotNull(crl.Headers.ETag);
        Assert.Equal(await crl.Content.ReadAsByteArrayAsync(), await http.GetByteArrayAsync(Origin + "/crl/ca.crl"));
        Assert.Equal(404, (int)(await http.GetAsync(Origin + "/crl/other.crl")).StatusCode);

        var dir = Tools.TempDir("ocsp-get");
        var request = Path.Combine(dir, "req.der");
        Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x42", "-no_nonce", "-reqout", request);
        using var get = await http.GetAsync(Origin + "/ocsp/" + Uri.EscapeDataString(Convert.ToBase64String(File.ReadAllBytes(request))));
        Assert.Equal(200, (int)get.StatusCode);
        Assert.Equal("application/ocsp-response", get.Content.Headers.ContentType!.MediaType);
        Assert.True(get.Headers.CacheControl!.MaxAge > TimeSpan.Zero, get.Headers.CacheControl.ToString());
        Assert.NotNull(get.Content.Headers.Expires);
        Assert.NotNull(get.Headers.ETag);
        var response = Path.Combine(dir, "resp.der");
        File.WriteAllBytes(response, await get.Content.ReadAsByteArrayAsync());
        Assert.Contains("0x42: unknown", Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x42", "-respin", response, "-CAfile", connector.CaPem));
    }

    [Fact]
    public async Task Oversized_ocsp_requests_are_refused_and_openssl_still_verifies_with_and_without_a_nonce()
    {
        var dir = Tools.TempDir("ocsp-limits");
        var requestFile = Path.Combine(dir, "req.der");
        Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x5151", "-no_nonce", "-reqout", requestFile);
        var padded = PaddedRequest(File.ReadAllBytes(requestFile), 5000); // a well-formed request, over the 4 KiB limit
        using var http = new HttpClient();
        using (var content = new ByteArrayContent(padded))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
            Assert.Equal(413, (int)(await http.PostAsync(Origin + "/ocsp", content)).StatusCode);
        }
        using (var get = await http.GetAsync(Origin + "/ocsp/" + Uri.EscapeDataString(Convert.ToBase64String(padded[..3800]) + new string('A', 2000))))
        {
            // Kestrel may refuse the long request line itself; if it reaches us, it is a malformedRequest answer.
            if (get.StatusCode == System.Net.HttpStatusCode.OK)
                Assert.Equal(Org.BouncyCastle.Ocsp.OcspRespStatus.MalformedRequest, new Org.BouncyCastle.Ocsp.OcspResp(await get.Content.ReadAsByteArrayAsync()).Status);
            else Assert.InRange((int)get.StatusCode, 400, 499);
        }

        // The cacheable answer first, then a nonce request for the same CertID: openssl checks its nonce came back.
        var cached = Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x5151", "-no_nonce", "-url", Origin + "/ocsp", "-CAfile", connector.CaPem);
        Assert.Contains("0x5151: unknown", cached);
        Assert.Contains("Response verify OK", cached);
        var withNonce = Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x5151", "-url", Origin + "/ocsp", "-CAfile", connector.CaPem);
        Assert.Contains("0x5151: unknown", withNonce);
        Assert.Contains("Response verify OK", withNonce);
        Assert.DoesNotContain("nonce", withNonce, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The request with a junk non-critical extension of <paramref name="bytes"/> bytes (what an attacker pads with).</summary>
    private static byte[] PaddedRequest(byte[] request, int bytes)
    {
        var parsed = new Org.BouncyCastle.Ocsp.OcspReq(request);
        var generator = new Org.BouncyCastle.Ocsp.OcspReqGenerator();
        foreach (var item in parsed.GetRequestList()) generator.AddRequest(item.GetCertID());
        generator.SetRequestExtensions(new Org.BouncyCastle.Asn1.X509.X509Extensions(
            new Dictionary<Org.BouncyCastle.Asn1.DerObjectIdentifier, Org.BouncyCastle.Asn1.X509.X509Extension>
            {
                [new Org.BouncyCastle.Asn1.DerObjectIdentifier("1.3.6.1.4.1.99999.1")] = new(false, new Org.BouncyCastle.Asn1.DerOctetString(new byte[bytes])),
            }));
        return generator.Generate().GetEncoded();
    }

    [Fact]
    public async Task Mutated_ocsp_requests_and_crl_paths_never_get_a_500()
    {
        var dir = Tools.TempDir("ocsp-fuzz");
        var requestFile = Path.Combine(dir, "req.der");
        Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-serial", "0x42", "-reqout", requestFile);
        var valid = File.ReadAllBytes(requestFile);
        using var http = new HttpClient();
        var random = new Random(2026);
        var statuses = new List<int>();
        for (var i = 0; i < 300; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var flips = random.Next(1, 5); flips > 0; flips--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            if (i % 7 == 0) mutated = mutated[..random.Next(mutated.Length)];
            using var content = new ByteArrayContent(mutated);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
            statuses.Add((int)(await http.PostAsync(Origin + "/ocsp", content)).StatusCode);
            var base64 = Convert.ToBase64String(mutated);
            var path = (i % 3) switch { 0 => Uri.EscapeDataString(base64), 1 => base64, _ => base64.Insert(random.Next(base64.Length), "%zz/..") };
            statuses.Add((int)(await http.GetAsync(Origin + "/ocsp/" + path)).StatusCode);
            statuses.Add((int)(await http.GetAsync(Origin + "/crl/" + Uri.EscapeDataString(RandomName(random)))).StatusCode);
        }
        Assert.DoesNotContain(statuses, s => s >= 500);
        Assert.Contains(200, statuses);
    }

    private async Task GoodThenRevoked(string dir, string leaf, string reason, string crlReasonText)
    {
        var text = Tools.OpenSsl("x509", "-in", leaf, "-noout", "-text");
        Assert.Contains("X509v3 CRL Distribution Points", text);
        Assert.Contains("URI:" + CrlUrl, text);
        Assert.Contains("OCSP - URI:" + Origin + "/ocsp", text);
        var ocspUrl = Tools.OpenSsl("x509", "-in", leaf, "-noout", "-ocsp_uri").Trim();
        Assert.Equal(Origin + "/ocsp", ocspUrl);

        var good = Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-cert", leaf, "-url", ocspUrl, "-CAfile", connector.CaPem);
        Assert.Contains($"{leaf}: good", good);
        Assert.Contains("Response verify OK", good);
        Assert.DoesNotContain("nonce", good, StringComparison.OrdinalIgnoreCase);

        var serial = Tools.OpenSsl("x509", "-in", leaf, "-noout", "-serial").Trim()["serial=".Length..];
        var revoked = await RevokeAsync(serial, reason);
        Assert.Equal("Revoked", revoked.GetProperty("result").GetString());
        Assert.Equal("AlreadyRevoked", (await RevokeAsync(serial, "superseded")).GetProperty("result").GetString());

        var after = Tools.OpenSsl("ocsp", "-issuer", connector.CaPem, "-cert", leaf, "-url", ocspUrl, "-CAfile", connector.CaPem);
        Assert.Contains($"{leaf}: revoked", after);
        Assert.Contains($"Reason: {reason}", after);

        var crlDer = Path.Combine(dir, "crl.der");
        using (var http = new HttpClient()) File.WriteAllBytes(crlDer, await http.GetByteArrayAsync(CrlUrl));
        Assert.Contains("verify OK", Tools.OpenSsl("crl", "-in", crlDer, "-inform", "DER", "-CAfile", connector.CaPem, "-noout"));
        var crlText = Tools.OpenSsl("crl", "-in", crlDer, "-inform", "DER", "-noout", "-text");
        Assert.Contains($"Serial Number: {serial}", crlText);
        Assert.Contains(crlReasonText, crlText);
        Assert.Contains("X509v3 CRL Number", crlText);
        Assert.Contains("X509v3 Authority Key Identifier", crlText);

        var crlPem = Path.Combine(dir, "crl.pem");
        Tools.OpenSsl("crl", "-in", crlDer, "-inform", "DER", "-out", crlPem);
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, leaf));
        var (exit, output) = Run("openssl", "verify", "-crl_check", "-CRLfile", crlPem, "-CAfile", connector.CaPem, leaf);
        Assert.NotEqual(0, exit);
        Assert.Contains("certificate revoked", output);
    }

    private string IssueThroughPkcs(string dir)
    {
        var deviceKey = Path.Combine(dir, "device.key");
        var deviceCert = Path.Combine(dir, "device.crt");
        Tools.OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", deviceKey);
        Tools.OpenSsl("req", "-x509", "-new", "-key", deviceKey, "-subj", "/CN=device-1", "-days", "30", "-out", deviceCert);
        var id = $"revocation-{Guid.NewGuid():N}";
        var queued = connector.Process.Cli("pkcs", "request", "--subject", "CN=Revoked Alice,O=Contoso", "--device-cert", deviceCert,
            "--key", "ec:p256", "--request-id", id);
        Assert.True(queued.ExitCode == 0, queued.ToString());
        connector.Process.WaitForQueueStatus(id, "Completed", TimeSpan.FromSeconds(60));
        var result = connector.Process.Cli("pkcs", "result", id, "--out", dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Path.Combine(dir, $"{id}.crt.pem");
    }

    /// <summary>The operator's direct revocation at the CA (admin API), as <c>certconnector ca revoke</c> calls it.</summary>
    private async Task<System.Text.Json.JsonElement> RevokeAsync(string serial, string reason)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.token")).Trim());
        using var response = await http.PostAsJsonAsync(connector.Process.AdminUrl + "/api/v1/ca/revoke", new { serial, reason });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string RandomName(Random random)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._~%/\\?#:@!$&'()*+,;= \u00e9\u0000";
        return new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    private static string Pem(X509Certificate certificate) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(certificate.GetEncoded(), Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";

    private static (int Exit, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
