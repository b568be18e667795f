using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Scep;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Scep;

/// <summary>Bytes from a third-party client (see <see cref="ScepClientCapture"/>), not from our own test client.</summary>
public class ScepClientInteropTests
{
    [Fact]
    public void Micromdm_scepclient_PKCSReq_decodes_and_gets_an_openable_reply()
    {
        var ra = new X509Certificate(ScepClientCapture.RaCertificate);
        var raKey = PrivateKeyFactory.CreateKey(ScepClientCapture.RaKey);
        var ca = new X509Certificate(ScepClientCapture.CaCertificate);

        // This client knows only single DES: decoded when the operator allows it (Connector:Scep:AllowSingleDes).
        var request = new PkiMessageDecoder(ra, raKey, allowSingleDes: true).Decode(ScepClientCapture.Request);

        // What this client sends: DES-CBC content, PKCS#1 v1.5 key transport, SHA-1 digest, POST.
        Assert.Equal(ScepMessageType.PKCSReq, request.MessageType);
        Assert.Equal(ScepOids.DesCbc, request.ContentEncryptionAlgorithmOid);
        Assert.Equal("1.2.840.113549.1.1.1", request.KeyEncryptionAlgorithmOid);
        Assert.Equal(ScepOids.Sha1, request.DigestAlgorithmOid);
        Assert.Equal("interop-pw", request.ChallengePassword);
        Assert.True(request.SignerIsSelfSigned);
        Assert.True(request.SignerKeyMatchesCsr);
        Assert.Equal(16, request.SenderNonce.Length);
        var csr = new Pkcs10CertificationRequest(request.Csr!);
        Assert.Contains("CN=fixture-device", csr.GetCertificationRequestInfo().Subject.ToString());

        var issued = ScepTestPki.Instance.IssueFromCsr(request.Csr!);
        var reply = ScepClient.DecodeCertRep(new CertRepBuilder(ra, raKey, [ca]).Success(request, [issued, ca]), ra,
            new X509Certificate(request.SignerCertificate), PrivateKeyFactory.CreateKey(ScepClientCapture.ClientKey));
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
        Assert.Equal(request.TransactionId, reply.TransactionId);
        Assert.Equal(ScepOids.DesEde3Cbc, reply.ContentEncryptionAlgorithmOid); // never single DES back
        Assert.Equal(ScepOids.Sha256, reply.DigestAlgorithmOid);
        Assert.Equal(issued, reply.Certificates[0]);
    }

    [Fact]
    public void Micromdm_scepclient_single_DES_PKCSReq_is_badAlg_by_default_and_answerable()
    {
        var ra = new X509Certificate(ScepClientCapture.RaCertificate);
        var raKey = PrivateKeyFactory.CreateKey(ScepClientCapture.RaKey);

        var e = Assert.Throws<ScepDecodeException>(() => new PkiMessageDecoder(ra, raKey).Decode(ScepClientCapture.Request));

        Assert.Equal(CertConnector.Actors.Scep.ScepFailInfo.BadAlg, e.FailInfo);
        Assert.Contains("single DES", e.Message);
        Assert.True(CertRepBuilder.CanAnswer(e));
    }
}
