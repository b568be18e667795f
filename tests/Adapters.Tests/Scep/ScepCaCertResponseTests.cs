using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Scep;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Scep;

public class ScepCaCertResponseTests
{
    private static readonly ScepTestPki Pki = ScepTestPki.Instance;

    [Fact]
    public void GetCACaps_lists_exactly_what_is_implemented()
    {
        Assert.Equal("POSTPKIOperation\nSHA-256\nSHA-512\nAES\nDES3\nSCEPStandard\nRenewal\nGetNextCACert", ScepCapabilities.Text);
        Assert.Equal(ScepCapabilities.Text, System.Text.Encoding.ASCII.GetString(ScepCapabilities.Body()));
    }

    [Fact]
    public void CA_alone_is_plain_der()
    {
        var content = ScepCaCertResponse.GetCaCert(Pki.CaCert);
        Assert.Equal("application/x-x509-ca-cert", content.ContentType);
        Assert.Equal(Pki.CaCert.GetEncoded(), content.Body);
        Assert.Equal("application/x-x509-ca-cert", ScepCaCertResponse.GetCaCert(Pki.CaCert, Pki.CaCert).ContentType);
    }

    [Fact]
    public void CA_and_RA_are_a_certs_only_pkcs7_with_the_RA_first()
    {
        var content = ScepCaCertResponse.GetCaCert(Pki.CaCert, Pki.RaCert);
        Assert.Equal("application/x-x509-ca-ra-cert", content.ContentType);
        var (certs, crls) = ScepClient.ParseDegenerate(content.Body);
        Assert.Equal([Pki.RaCert, Pki.CaCert], certs);
        Assert.Empty(crls);
        Assert.Equal(Pki.RaCert, ScepClient.SelectRecipient(certs));
    }

    [Fact]
    public void Certs_only_pkcs7_keeps_caller_order()
    {
        // DER would sort the SET by encoding; clients read the first certificate of a CertRep as theirs.
        var certs = new[] { Pki.CaCert, Pki.RaCert };
        Assert.Equal(certs, ScepClient.ParseDegenerate(DegenerateSignedData.Build(certs)).Certs);
        Assert.Equal(certs.Reverse(), ScepClient.ParseDegenerate(DegenerateSignedData.Build(certs.Reverse())).Certs);
    }

    [Fact]
    public void GetNextCACert_is_signed_and_wraps_the_next_certificates()
    {
        var nextCa = Pki.Issue(new X509Name("CN=SCEP Test CA 2"), Pki.ClientKey2.Public, new X509Name("CN=SCEP Test CA 2"),
            Pki.ClientKey2.Private, ca: true, new KeyUsage(KeyUsage.KeyCertSign));
        var content = ScepCaCertResponse.GetNextCaCert([nextCa], Pki.RaCert, Pki.RaKey.Private);
        Assert.Equal("application/x-x509-next-ca-cert", content.ContentType);

        var signed = new CmsSignedData(content.Body);
        var signer = signed.GetSignerInfos().GetSigners().Single();
        Assert.True(signer.Verify(Pki.RaCert));
        var inner = ((Asn1OctetString)signed.SignedData.EncapContentInfo.Content).GetOctets();
        Assert.Equal(nextCa, Assert.Single(ScepClient.ParseDegenerate(inner).Certs));
    }

    [Theory]
    [InlineData(ScepOids.Aes128Cbc, ScepOids.Aes128Cbc)]
    [InlineData(ScepOids.Aes256Cbc, ScepOids.Aes256Cbc)]
    [InlineData(ScepOids.DesEde3Cbc, ScepOids.DesEde3Cbc)]
    [InlineData(ScepOids.DesCbc, ScepOids.DesEde3Cbc)]
    public void Reply_content_algorithm_never_single_des(string requested, string replied) =>
        Assert.Equal(replied, CertRepBuilder.ReplyContentAlgorithm(requested));
}
