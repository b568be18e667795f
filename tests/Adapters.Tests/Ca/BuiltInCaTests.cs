using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using static CertConnector.Adapters.Tests.Common.CaTestSupport;

namespace CertConnector.Adapters.Tests.Ca;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class BuiltInCaTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void First_start_creates_a_self_signed_root_and_an_ra()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));

        var root = ca.CaCertificate;
        root.Verify(root.GetPublicKey());
        Assert.Equal("CN=CertConnector Built-in CA", root.SubjectDN.ToString());
        Assert.True(root.GetCriticalExtensionOids().Contains(X509Extensions.BasicConstraints.Id));
        Assert.True(root.GetBasicConstraints() >= 0);
        var usage = root.GetKeyUsage();
        Assert.True(usage[5] && usage[6], "keyCertSign and cRLSign");
        Assert.NotNull(root.GetExtensionValue(X509Extensions.SubjectKeyIdentifier));
        Assert.Equal(ca.CaChainDer.Single(), root.GetEncoded());

        var ra = ca.RaCertificate;
        ra.Verify(root.GetPublicKey());
        Assert.Equal("CN=CertConnector SCEP RA", ra.SubjectDN.ToString());
        Assert.Equal(-1, ra.GetBasicConstraints());
        var raUsage = ra.GetKeyUsage();
        Assert.True(raUsage[0] && raUsage[2], "digitalSignature and keyEncipherment");
        Assert.IsType<Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters>(ca.RaPrivateKey);
    }

    [Fact]
    public void Second_start_reuses_the_ca_and_ra_and_keys_are_encrypted_owner_only_files()
    {
        var first = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var second = BuiltInCa.OpenOrCreate(Options(_dir.Path));

        Assert.Equal(first.CaCertificate.GetEncoded(), second.CaCertificate.GetEncoded());
        Assert.Equal(first.RaCertificate.GetEncoded(), second.RaCertificate.GetEncoded());
        Assert.Equal(first.CaPrivateKey, second.CaPrivateKey);
        foreach (var name in new[] { "ca.key.p8", "ra.key.p8" })
        {
            var text = File.ReadAllText(_dir.File(name));
            Assert.DoesNotContain("BEGIN PRIVATE KEY", text);
            Assert.DoesNotContain("BEGIN RSA PRIVATE KEY", text);
            Assert.DoesNotContain("BEGIN EC PRIVATE KEY", text);
            Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", text);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.File(name)));
        }
        Assert.True(File.Exists(_dir.File("ca.crt.pem")));
        Assert.True(File.Exists(_dir.File("ra.crt.pem")));
    }

    [Fact]
    public void Wrong_passphrase_refuses_to_start()
    {
        BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var options = Options(_dir.Path);
        options.PassphraseSupplier = () => "wrong".ToCharArray();
        var e = Assert.Throws<InvalidOperationException>(() => BuiltInCa.OpenOrCreate(options));
        Assert.Contains("passphrase", e.Message);
    }

    [Fact]
    public void Default_passphrase_comes_from_a_generated_owner_only_master_key()
    {
        if (Environment.GetEnvironmentVariable(CaPassphrase.EnvironmentVariable) is { Length: > 0 }) return; // the variable wins by design
        var options = Options(_dir.Path);
        options.PassphraseSupplier = null;

        var first = BuiltInCa.OpenOrCreate(options);
        var masterKey = _dir.File(CaPassphrase.MasterKeyFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(masterKey));
        Assert.True(File.ReadAllText(masterKey).Trim().Length >= 32);

        var second = BuiltInCa.OpenOrCreate(options);
        Assert.Equal(first.CaCertificate, second.CaCertificate);
    }

    public static TheoryData<string, string> TemplatesAndKeys => new()
    {
        { "client-auth", "rsa:2048" }, { "client-auth", "ec:p256" },
        { "smime", "rsa:2048" }, { "smime", "ec:p384" },
        { "scep-device", "rsa:2048" }, { "scep-device", "ec:p256" },
    };

    [Theory]
    [MemberData(nameof(TemplatesAndKeys))]
    public async Task Issues_for_each_template(string template, string keySpec)
    {
        var time = new ManualTime(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path, "rsa:2048"), time);
        var (csr, key) = Csr(keySpec, "CN=Alice, O=Contoso, C=US", new SubjectAltName("email", "alice@contoso.com"), new SubjectAltName("upn", "alice@contoso.com"));

        var issued = await ca.IssueAsync(new IssuanceRequest("req-" + template, "pkcs", csr, template), CancellationToken.None);

        var certificate = new X509Certificate(issued.CertificateDer);
        certificate.Verify(ca.CaCertificate.GetPublicKey());
        Assert.Equal(key.Public, certificate.GetPublicKey());
        Assert.Equal("C=US,O=Contoso,CN=Alice", certificate.SubjectDN.ToString());
        Assert.Equal(-1, certificate.GetBasicConstraints());
        Assert.Equal(time.Now.AddMinutes(-5), CertificateIds.Utc(certificate.NotBefore));
        Assert.Equal(time.Now.AddDays(365), CertificateIds.Utc(certificate.NotAfter));
        Assert.Equal(issued.NotAfter, CertificateIds.Utc(certificate.NotAfter));

        var profile = CertificateTemplate.BuiltIn.Single(t => t.Name == template);
        var expectedUsage = keySpec.StartsWith("ec") ? profile.EcKeyUsage : profile.RsaKeyUsage;
        Assert.Equal(new KeyUsage(expectedUsage).GetBytes(), KeyUsage.GetInstance(Extension(certificate, X509Extensions.KeyUsage)).GetBytes());
        Assert.Equal(profile.ExtendedKeyUsageOids, certificate.GetExtendedKeyUsage().Select(o => o.Id));

        var aki = AuthorityKeyIdentifier.GetInstance(Extension(certificate, X509Extensions.AuthorityKeyIdentifier));
        var caSki = SubjectKeyIdentifier.GetInstance(Extension(ca.CaCertificate, X509Extensions.SubjectKeyIdentifier));
        Assert.Equal(caSki.GetKeyIdentifier(), aki.KeyIdentifier.GetOctets());
        Assert.NotNull(certificate.GetExtensionValue(X509Extensions.SubjectKeyIdentifier));
        Assert.Equal([new SubjectAltName("email", "alice@contoso.com"), new SubjectAltName("upn", "alice@contoso.com")],
            SubjectAltNames.FromGeneralNames(GeneralNames.GetInstance(Extension(certificate, X509Extensions.SubjectAlternativeName))));

        Assert.Equal(CertificateIds.SerialHex(certificate.SerialNumber), issued.SerialNumber);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(issued.CertificateDer)), issued.Thumbprint);
        Assert.Equal(ca.CaChainDer, issued.IssuerChainDer);

        var record = ca.Store.FindBySerial(issued.SerialNumber);
        Assert.NotNull(record);
        Assert.Equal(("req-" + template, "pkcs", "issued", "CN=Alice,O=Contoso,C=US", issued.Thumbprint),
            (record.RequestId, record.Feature, record.Status, record.Subject, record.Thumbprint));
        Assert.Equal(issued.CertificateDer, record.Der);
    }

    [Fact]
    public async Task Serials_are_random_positive_128_bit_and_unique()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var serials = new List<Org.BouncyCastle.Math.BigInteger>();
        for (var i = 0; i < 24; i++)
        {
            var (csr, _) = Csr();
            var issued = await ca.IssueAsync(new IssuanceRequest($"r{i}", "pkcs", csr, "client-auth"), CancellationToken.None);
            serials.Add(new X509Certificate(issued.CertificateDer).SerialNumber);
        }

        Assert.Equal(serials.Count, serials.Distinct().Count());
        Assert.All(serials, s => Assert.True(s.SignValue > 0 && s.BitLength <= 127, $"{s.BitLength} bits"));
        // 24 draws that all stayed under 121 bits would happen with probability 2^-168: the serials use the full width.
        Assert.True(serials.Max(s => s.BitLength) >= 121);
    }

    [Fact]
    public async Task Request_overrides_take_precedence_over_the_csr()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var (csr, _) = Csr(sans: new SubjectAltName("dns", "from-csr.example.com"));
        var issued = await ca.IssueAsync(new IssuanceRequest("r", "pkcs", csr, "client-auth", SubjectName: "CN=Override",
            SubjectAlternativeNames: [new SubjectAltName("dns", "override.example.com")], ValidityDays: 10), CancellationToken.None);

        var certificate = new X509Certificate(issued.CertificateDer);
        Assert.Equal("CN=Override", certificate.SubjectDN.ToString());
        Assert.Equal([new SubjectAltName("dns", "override.example.com")],
            SubjectAltNames.FromGeneralNames(GeneralNames.GetInstance(Extension(certificate, X509Extensions.SubjectAlternativeName))));
        Assert.InRange((certificate.NotAfter - certificate.NotBefore).TotalDays, 10, 10.01);
    }

    [Fact]
    public async Task Validity_is_capped_by_the_template_and_the_ca()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = Options(_dir.Path);
        options.ValidityYears = 1;
        var ca = BuiltInCa.OpenOrCreate(options, time);

        var (csr, _) = Csr();
        var capped = await ca.IssueAsync(new IssuanceRequest("a", "pkcs", csr, "client-auth", ValidityDays: 5000), CancellationToken.None);
        Assert.Equal(ca.CaCertificate.NotAfter, new X509Certificate(capped.CertificateDer).NotAfter);
    }

    [Fact]
    public async Task Same_request_and_key_returns_the_same_certificate_a_new_key_gets_a_new_one()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var (csr, _) = Csr();
        var first = await ca.IssueAsync(new IssuanceRequest("same", "scep", csr, "scep-device"), CancellationToken.None);
        var again = await ca.IssueAsync(new IssuanceRequest("same", "scep", csr, "scep-device"), CancellationToken.None);
        Assert.Equal(first.SerialNumber, again.SerialNumber);

        var (otherCsr, _) = Csr();
        var renewed = await ca.IssueAsync(new IssuanceRequest("same", "scep", otherCsr, "scep-device"), CancellationToken.None);
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        Assert.Equal(2, ca.Store.List(10).Count);

        // The first certificate's key is gone (a process died before journaling it): it is superseded, so the
        // request has exactly one current certificate, and the superseded one is revoked at once (reason superseded).
        Assert.Equal(renewed.SerialNumber, ca.Store.FindBySerial(first.SerialNumber)!.SupersededBy);
        Assert.Equal([renewed.SerialNumber], ca.Store.ListByRequestId("same").Where(r => r.SupersededBy is null).Select(r => r.SerialNumber));
        Assert.Empty(ca.Store.ListSuperseded());
        Assert.Equal(("revoked", "superseded"), (ca.Store.FindBySerial(first.SerialNumber)!.Status, ca.Store.FindBySerial(first.SerialNumber)!.RevocationReason));
        Assert.Equal(renewed.SerialNumber, ca.Store.FindByRequestId("same")!.SerialNumber);
    }

    [Fact]
    public async Task Sid_extension_is_encoded_as_microsoft_does()
    {
        const string sid = "S-1-5-21-3623811015-3361044348-30300820-1013";
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var (csr, _) = Csr();
        var issued = await ca.IssueAsync(new IssuanceRequest("s", "pkcs", csr, "client-auth", OnPremisesSid: sid), CancellationToken.None);

        var value = new X509Certificate(issued.CertificateDer).GetExtensionValue(new DerObjectIdentifier("1.3.6.1.4.1.311.25.2")).GetOctets();
        // SEQUENCE { [0] { OID 1.3.6.1.4.1.311.25.2.1, [0] { OCTET STRING "S-1-5-..." } } }
        var sidBytes = System.Text.Encoding.ASCII.GetBytes(sid);
        byte[] oid = [0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x19, 0x02, 0x01];
        byte[] octets = [0x04, (byte)sidBytes.Length, .. sidBytes];
        byte[] explicitValue = [0xA0, (byte)octets.Length, .. octets];
        byte[] otherName = [0xA0, (byte)(oid.Length + explicitValue.Length), .. oid, .. explicitValue];
        byte[] expected = [0x30, (byte)otherName.Length, .. otherName];
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(value));

        var (csr2, _) = Csr();
        var without = await ca.IssueAsync(new IssuanceRequest("n", "pkcs", csr2, "client-auth"), CancellationToken.None);
        Assert.Null(new X509Certificate(without.CertificateDer).GetExtensionValue(new DerObjectIdentifier("1.3.6.1.4.1.311.25.2")));
    }

    [Fact]
    public async Task Crl_and_ocsp_urls_become_cdp_and_aia()
    {
        var options = Options(_dir.Path);
        options.CrlUrl = "http://pki.example.com/ca.crl";
        options.OcspUrl = "http://pki.example.com/ocsp";
        var ca = BuiltInCa.OpenOrCreate(options);
        var (csr, _) = Csr();
        var certificate = new X509Certificate((await ca.IssueAsync(new IssuanceRequest("c", "pkcs", csr, "client-auth"), CancellationToken.None)).CertificateDer);

        var cdp = CrlDistPoint.GetInstance(Extension(certificate, X509Extensions.CrlDistributionPoints));
        Assert.Contains("http://pki.example.com/ca.crl", cdp.ToString());
        var aia = AuthorityInformationAccess.GetInstance(Extension(certificate, X509Extensions.AuthorityInfoAccess));
        var ocsp = Assert.Single(aia.GetAccessDescriptions());
        Assert.Equal(AccessDescription.IdADOcsp, ocsp.AccessMethod);
        Assert.Equal("http://pki.example.com/ocsp", ocsp.AccessLocation.Name.ToString());

        var (csr2, _) = Csr();
        var plain = await BuiltInCa.OpenOrCreate(Options(_dir.Path)).IssueAsync(new IssuanceRequest("p", "pkcs", csr2, "client-auth"), CancellationToken.None);
        Assert.Null(new X509Certificate(plain.CertificateDer).GetExtensionValue(X509Extensions.CrlDistributionPoints));
        Assert.Null(new X509Certificate(plain.CertificateDer).GetExtensionValue(X509Extensions.AuthorityInfoAccess));
    }

    [Fact]
    public async Task Policy_and_input_errors_are_final()
    {
        var ca = BuiltInCa.OpenOrCreate(Options(_dir.Path));
        var (csr, _) = Csr();

        await AssertFinal("UnknownTemplate", new IssuanceRequest("u", "pkcs", csr, "no-such-template"));
        await AssertFinal("BadCsr", new IssuanceRequest("b", "pkcs", [0x30, 0x03, 0x02, 0x01, 0x01], "client-auth"));
        var tampered = (byte[])csr.Clone();
        tampered[Array.IndexOf(tampered, (byte)'A')] = (byte)'B';
        await AssertFinal("BadCsr", new IssuanceRequest("t", "pkcs", tampered, "client-auth"));
        await AssertFinal("EmailSanRequired", new IssuanceRequest("m", "pkcs", csr, "smime"));
        await AssertFinal("BadSubjectName", new IssuanceRequest("n", "pkcs", csr, "client-auth", SubjectName: "nonsense"));
        Assert.Empty(ca.Store.List(10));

        async Task AssertFinal(string code, IssuanceRequest request)
        {
            var e = await Assert.ThrowsAsync<ConnectorFailureException>(() => ca.IssueAsync(request, CancellationToken.None));
            Assert.Equal(code, e.Code);
            Assert.False(e.Retryable);
        }
    }

    [Fact]
    public void Default_options_create_an_rsa_3072_ca_valid_for_ten_years()
    {
        var options = Options(_dir.Path, "rsa:3072");
        Assert.Equal(new BuiltInCaOptions().KeySpec, options.KeySpec);
        var ca = BuiltInCa.OpenOrCreate(options);
        Assert.Equal(3072, ((Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)ca.CaCertificate.GetPublicKey()).Modulus.BitLength);
        Assert.InRange((ca.CaCertificate.NotAfter - ca.CaCertificate.NotBefore).TotalDays, 3650, 3654);
        Assert.Contains("client-auth", ca.TemplateNames);
        Assert.Contains("smime", ca.TemplateNames);
        Assert.Contains("scep-device", ca.TemplateNames);
    }

    private static Asn1Object Extension(X509Certificate certificate, DerObjectIdentifier oid) =>
        X509ExtensionUtilities.FromExtensionValue(certificate.GetExtensionValue(oid));
}
