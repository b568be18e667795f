using System.Net.Http.Headers;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Tests.Common;

/// <summary>Our BouncyCastle SCEP client over HTTP: what scepclient cannot do (GET, OAEP, BER, renewal, polling).</summary>
public sealed class ScepHttpClient : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public ScepHttpClient(string scepUrl)
    {
        Url = scepUrl;
        var response = _http.GetAsync(Url + "?operation=GetCACert").Result;
        response.EnsureSuccessStatusCode();
        var body = response.Content.ReadAsByteArrayAsync().Result;
        CaCerts = response.Content.Headers.ContentType?.MediaType == "application/x-x509-ca-ra-cert"
            ? ScepClient.ParseDegenerate(body).Certs
            : [new X509Certificate(body)];
        Ra = ScepClient.SelectRecipient(CaCerts);
        Client = new ScepClient(Ra);
    }

    public string Url { get; }
    public IReadOnlyList<X509Certificate> CaCerts { get; }
    public X509Certificate Ra { get; }
    public ScepClient Client { get; }

    public static AsymmetricCipherKeyPair NewKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.KeyGenerationParameters(new SecureRandom(), 2048));
        return generator.GenerateKeyPair();
    }

    public async Task<(int Status, byte[] Body)> PostAsync(byte[] message)
    {
        using var content = new ByteArrayContent(message);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-pki-message");
        using var response = await _http.PostAsync(Url + "?operation=PKIOperation", content);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>GET with the base64 left unescaped (+ and /), as many devices send it.</summary>
    public async Task<(int Status, byte[] Body)> GetAsync(byte[] message)
    {
        using var response = await _http.GetAsync(Url + "?operation=PKIOperation&message=" + Convert.ToBase64String(message));
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    public CertRepResult Decode(byte[] certRep, X509Certificate requester, AsymmetricCipherKeyPair key) =>
        ScepClient.DecodeCertRep(certRep, Ra, requester, key.Private);

    public async Task<CertRepResult> EnrollAsync(AsymmetricCipherKeyPair key, X509Certificate signer, byte[] csr, PkiMessageOptions? options = null, bool get = false)
    {
        var message = Client.PkcsReq(csr, signer, key.Private, options);
        var (status, body) = get ? await GetAsync(message.Bytes) : await PostAsync(message.Bytes);
        if (status != 200) throw new InvalidOperationException($"HTTP {status}: {System.Text.Encoding.UTF8.GetString(body)}");
        return Decode(body, signer, key);
    }

    public void Dispose() => _http.Dispose();
}
