using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;

namespace CertConnector.Host.Tests.Scep;

/// <summary>
/// The CertRep's SignerInfo names rsaEncryption (for strongSwan); the other verifiers nobody here wrote must still accept
/// it: openssl cms -verify, and certmonger's SCEP helper, which checks the RA signature before it hands on the envelope.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ScepCertRepVerifierTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    [Fact]
    public async Task Openssl_cms_verify_and_certmonger_scep_submit_accept_a_CertRep_signed_as_rsaEncryption()
    {
        var dir = Tools.TempDir("certrep-verify");
        const string subject = "CN=certrep-verify";
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, subject);
        var request = connector.Http.Client.PkcsReq(ScepClient.CreateCsr(key, subject, connector.Challenge(subject)), signer, key.Private);
        var (status, certRep) = await connector.Http.PostAsync(request.Bytes);
        Assert.Equal(200, status);
        Assert.Equal(ScepPkiStatus.Success, connector.Http.Decode(certRep, signer, key).Status);

        var certRepFile = Path.Combine(dir, "certrep.der");
        File.WriteAllBytes(certRepFile, certRep);
        Assert.Contains("rsaEncryption", Tools.OpenSsl("cms", "-cmsout", "-print", "-inform", "DER", "-in", certRepFile).Split("signatureAlgorithm:")[1]);
        Assert.Contains("Verification successful",
            Tools.OpenSsl("cms", "-verify", "-inform", "DER", "-in", certRepFile, "-CAfile", connector.CaPem, "-purpose", "any", "-out", Path.Combine(dir, "content")));

        // certmonger's helper sends the request again (a retransmission: the same certificate) and verifies the reply.
        var ra = Path.Combine(dir, "ra.pem");
        File.WriteAllText(ra, Pem("CERTIFICATE", connector.Http.Ra.GetEncoded()));
        var requestFile = Path.Combine(dir, "request.pem");
        File.WriteAllText(requestFile, Pem("PKCS7", request.Bytes));
        var submitted = Tools.Run("/usr/lib/certmonger/scep-submit", "-u", connector.Process.ScepUrl, "-r", ra, "-N", connector.CaPem, "-p", requestFile);
        Assert.StartsWith("-----BEGIN PKCS7-----", submitted);
    }

    private static string Pem(string label, byte[] der) =>
        $"-----BEGIN {label}-----\n{Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)}\n-----END {label}-----\n";
}
