using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkcs;

namespace CertConnector.Adapters.Tests.Crypto;

public class CertificationRequestTests
{
    private static readonly SubjectAltName[] AllSanTypes =
    [
        new("upn", "alice@contoso.com"), new("email", "alice@contoso.com"), new("dns", "alice-laptop.contoso.com"),
        new("uri", "https://contoso.com/devices/42"), new("ip", "10.1.2.3"), new("ip", "2001:db8::1"),
    ];

    [Theory]
    [InlineData("rsa:2048", "1.2.840.113549.1.1.11")] // sha256WithRSAEncryption
    [InlineData("ec:p256", "1.2.840.10045.4.3.2")] // ecdsa-with-SHA256
    [InlineData("ec:p384", "1.2.840.10045.4.3.3")] // ecdsa-with-SHA384
    public void Csr_from_the_factory_verifies_and_carries_subject_and_sans(string spec, string signatureOid)
    {
        using var pending = new PkcsCredentialFactory().CreateKeyAndCsr(KeySpec.Parse(spec), "CN=Alice, O=Contoso, C=US", AllSanTypes);

        var csr = CertificationRequests.ParseAndVerify(pending.CsrDer);
        Assert.True(csr.Verify());
        Assert.Equal("C=US,O=Contoso,CN=Alice", csr.GetCertificationRequestInfo().Subject.ToString());
        Assert.Equal(signatureOid, csr.SignatureAlgorithm.Algorithm.Id);
        Assert.Equal(AllSanTypes, CertificationRequests.RequestedSubjectAltNames(csr));
    }

    [Fact]
    public void A_csr_without_sans_keeps_the_empty_attributes_field_that_strict_parsers_require()
    {
        // RFC 2986: attributes [0] is not optional. Go's parser (micromdm's scepserver as an upstream CA) and .NET's refuse a CSR without it.
        var key = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
        var der = CertificationRequests.Create(key, new X509Name("CN=no-sans"), []);

        var parsed = System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequest(der,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.X509Certificates.CertificateRequestLoadOptions.Default);
        Assert.Equal("CN=no-sans", parsed.SubjectName.Name);
        Assert.Equal(0, new Pkcs10CertificationRequest(der).GetCertificationRequestInfo().Attributes.Count);
    }

    [Fact]
    public void Upn_is_an_other_name_with_a_utf8_string()
    {
        var key = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
        var der = CertificationRequests.Create(key, new X509Name("CN=x"), [new SubjectAltName("upn", "bob@contoso.com")]);
        var extension = new Pkcs10CertificationRequest(der).GetRequestedExtensions().GetExtension(X509Extensions.SubjectAlternativeName);
        var name = GeneralNames.GetInstance(extension.GetParsedValue()).GetNames().Single();
        Assert.Equal(GeneralName.OtherName, name.TagNo);
        var other = OtherName.GetInstance(name.Name);
        Assert.Equal("1.3.6.1.4.1.311.20.2.3", other.TypeID.Id);
        Assert.IsType<Org.BouncyCastle.Asn1.DerUtf8String>(other.Value);
    }

    [Fact]
    public void Csr_without_sans_has_no_extension_request()
    {
        using var pending = new PkcsCredentialFactory().CreateKeyAndCsr(KeySpec.Parse("ec:p256"), "CN=Bob", []);
        Assert.Null(CertificationRequests.ParseAndVerify(pending.CsrDer).GetRequestedExtensions());
    }

    [Theory]
    [InlineData("ip", "not-an-ip")]
    [InlineData("email", "no-at-sign")]
    [InlineData("uri", "relative/path")]
    [InlineData("dns", "bad host")]
    [InlineData("x400", "whatever")]
    public void Bad_san_is_a_final_failure(string type, string value)
    {
        var e = Assert.Throws<ConnectorFailureException>(() =>
            new PkcsCredentialFactory().CreateKeyAndCsr(KeySpec.Rsa2048, "CN=Bob", [new SubjectAltName(type, value)]));
        Assert.Equal("BadSubjectAlternativeName", e.Code);
        Assert.False(e.Retryable);
    }

    [Fact]
    public void Bad_subject_is_a_final_failure()
    {
        var e = Assert.Throws<ConnectorFailureException>(() => new PkcsCredentialFactory().CreateKeyAndCsr(KeySpec.Rsa2048, "Bob", []));
        Assert.Equal("BadSubjectName", e.Code);
    }

    [Fact]
    public void Tampered_csr_is_rejected_as_bad_csr()
    {
        using var pending = new PkcsCredentialFactory().CreateKeyAndCsr(KeySpec.Parse("ec:p256"), "CN=Alice", []);
        var der = (byte[])pending.CsrDer.Clone();
        var index = Array.IndexOf(der, (byte)'A'); // inside the subject "Alice": the signature no longer matches
        der[index] = (byte)'B';
        var e = Assert.Throws<ConnectorFailureException>(() => CertificationRequests.ParseAndVerify(der));
        Assert.Equal("BadCsr", e.Code);
        Assert.Equal("BadCsr", Assert.Throws<ConnectorFailureException>(() => CertificationRequests.ParseAndVerify([1, 2, 3])).Code);
    }
}
