using System.Formats.Asn1;
using System.Numerics;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Tests.Crypto;

/// <summary>
/// An imported PFX is refused from its ASN.1 structure, before any key is derived from the password, when it would cost
/// unbounded CPU or is unprotected. PFX files made by openssl where openssl can make them; the 10^9 counts, 1000 bags and the
/// like are written here (openssl would itself spin for hours), with junk where ciphertext and MAC go: a refusal that reached
/// a key derivation would not return at all, one that reached decryption would fail with another code.
/// </summary>
public sealed class PfxStructureTests : IDisposable
{
    private const int Huge = 1_000_000_000;
    private readonly TempDirectory _dir = new();

    public PfxStructureTests()
    {
        OpenSsl.Run(_dir.Path, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
            "-subj", "/CN=alice", "-days", "2");
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("-legacy")] // RC2/3DES PKCS#12 PBE: the PBE parameters of RFC 7292, not PBES2
    [InlineData("-iter 600000")] // at the cap
    [InlineData("-nomaciter")] // a MAC iteration count of one is cheap, if weak
    public void What_openssl_exports_passes(string options) =>
        PfxStructure.Check(OpenSslPfx(options), PfxLimits.Default);

    [Theory]
    [InlineData("-iter 600001", PfxStructure.IterationsCode)]
    [InlineData("-nomac", PfxStructure.NoMacCode)]
    [InlineData("-keypbe NONE", PfxStructure.UnencryptedKeyCode)]
    [InlineData("-keypbe NONE -certpbe NONE", PfxStructure.UnencryptedKeyCode)]
    public void What_openssl_exports_unbounded_or_unprotected_is_refused(string options, string code) =>
        AssertRefused(OpenSslPfx(options), code);

    [Fact]
    public void A_lower_cap_from_the_options_applies() =>
        AssertRefused(OpenSslPfx(""), PfxStructure.IterationsCode, new PfxLimits(MaxIterations: 1000)); // openssl's default is 2048

    [Fact]
    public void A_mac_iteration_count_of_a_billion_is_refused() =>
        AssertRefused(HostilePfx.Build(macIterations: Huge), PfxStructure.IterationsCode, mentions: Huge.ToString());

    [Fact]
    public void An_encrypted_safe_contents_with_a_billion_iterations_is_refused() =>
        AssertRefused(HostilePfx.Build(encryptedSafeIterations: Huge), PfxStructure.IterationsCode);

    [Fact]
    public void A_pbes2_shrouded_key_with_a_billion_iterations_is_refused() =>
        AssertRefused(HostilePfx.Build(keyIterations: Huge), PfxStructure.IterationsCode);

    [Fact]
    public void A_thousand_bags_are_refused() => AssertRefused(HostilePfx.Build(certBags: 1000), PfxStructure.TooManyBagsCode);

    [Fact]
    public void Seventeen_encrypted_safe_contents_are_refused() => AssertRefused(HostilePfx.Build(encryptedSafes: 17), PfxStructure.TooManyBagsCode);

    [Fact]
    public void An_oversized_pfx_is_refused() => AssertRefused(HostilePfx.Build(junkBytes: PfxLimits.MaxBytes), PfxStructure.TooLargeCode);

    [Fact]
    public void The_hand_written_shape_within_the_limits_passes() => PfxStructure.Check(HostilePfx.Build(), PfxLimits.Default);

    [Fact]
    public void Bytes_that_are_not_a_pkcs12_are_a_bad_pfx() => AssertRefused([0x30, 0x03, 0x02, 0x01, 0x03], PfxContents.BadPfxCode);

    [Fact]
    public void The_cipher_refuses_a_bomb_for_good_even_on_an_instance_without_the_connector_key()
    {
        var cipher = new ConnectorKeyCipher(new ConnectorKeyHolder(null, "none here"));
        var request = new Actors.Ports.PkcsImportRequest("im-1", "alice@contoso.example", HostilePfx.Build(macIterations: Huge), [1], "oaepSha256", [2]);
        var failure = Assert.Throws<ConnectorFailureException>(() => cipher.ReencryptPfxPassword(request, DateTimeOffset.UtcNow));
        Assert.Equal((PfxStructure.IterationsCode, false), (failure.Code, failure.Retryable));
    }

    private byte[] OpenSslPfx(string options)
    {
        var name = $"{Guid.NewGuid():N}.p12";
        OpenSsl.Run(_dir.Path, ["pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-passout", "pass:pw", "-out", name, .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        return File.ReadAllBytes(_dir.File(name));
    }

    private static void AssertRefused(byte[] pfx, string code, PfxLimits? limits = null, string? mentions = null)
    {
        var failure = Assert.Throws<ConnectorFailureException>(() => PfxStructure.Check(pfx, limits ?? PfxLimits.Default));
        Assert.Equal((code, false), (failure.Code, failure.Retryable));
        if (mentions is not null) Assert.Contains(mentions, failure.Message);
        // The whole check, password included, refuses it the same way (before any derivation).
        var whole = Assert.Throws<ConnectorFailureException>(() => PfxContents.Check(pfx, "pw", limits: limits));
        Assert.Equal(code, whole.Code);
    }
}

/// <summary>A PKCS#12 written field by field (RFC 7292), with junk where ciphertext, MAC and certificates go.</summary>
internal static class HostilePfx
{
    private const string Data = "1.2.840.113549.1.7.1";
    private const string EncryptedData = "1.2.840.113549.1.7.6";
    private const string ShroudedKeyBag = "1.2.840.113549.1.12.10.1.2";
    private const string CertBag = "1.2.840.113549.1.12.10.1.3";
    private const string X509Certificate = "1.2.840.113549.1.9.22.1";
    private const string PbeSha1And3Des = "1.2.840.113549.1.12.1.3";
    private const string Pbes2 = "1.2.840.113549.1.5.13";
    private const string Pbkdf2 = "1.2.840.113549.1.5.12";
    private const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";
    private const string Sha256 = "2.16.840.1.101.3.4.2.1";
    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);

    public static byte[] Build(int macIterations = 2048, int encryptedSafeIterations = 2048, int keyIterations = 2048, int certBags = 1,
        int encryptedSafes = 1, int junkBytes = 16)
    {
        var safes = new AsnWriter(AsnEncodingRules.DER);
        using (safes.PushSequence())
        {
            for (var i = 0; i < encryptedSafes; i++)
                using (safes.PushSequence())
                {
                    safes.WriteObjectIdentifier(EncryptedData);
                    using (safes.PushSequence(Context0))
                    using (safes.PushSequence())
                    {
                        safes.WriteInteger(0);
                        using (safes.PushSequence())
                        {
                            safes.WriteObjectIdentifier(Data);
                            Pkcs12Pbe(safes, encryptedSafeIterations);
                            safes.WriteOctetString(new byte[junkBytes], new Asn1Tag(TagClass.ContextSpecific, 0));
                        }
                    }
                }
            using (safes.PushSequence())
            {
                safes.WriteObjectIdentifier(Data);
                using (safes.PushSequence(Context0))
                    safes.WriteOctetString(SafeContents(keyIterations, certBags));
            }
        }
        var pfx = new AsnWriter(AsnEncodingRules.DER);
        using (pfx.PushSequence())
        {
            pfx.WriteInteger(3);
            using (pfx.PushSequence())
            {
                pfx.WriteObjectIdentifier(Data);
                using (pfx.PushSequence(Context0))
                    pfx.WriteOctetString(safes.Encode());
            }
            using (pfx.PushSequence())
            {
                using (pfx.PushSequence())
                {
                    AlgorithmWithNull(pfx, Sha256);
                    pfx.WriteOctetString(new byte[32]);
                }
                pfx.WriteOctetString(new byte[8]);
                pfx.WriteInteger(new BigInteger(macIterations));
            }
        }
        return pfx.Encode();
    }

    private static byte[] SafeContents(int keyIterations, int certBags)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(ShroudedKeyBag);
                using (writer.PushSequence(Context0))
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(Pbes2);
                        using (writer.PushSequence())
                        {
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier(Pbkdf2);
                                using (writer.PushSequence())
                                {
                                    writer.WriteOctetString(new byte[8]);
                                    writer.WriteInteger(keyIterations);
                                    AlgorithmWithNull(writer, "1.2.840.113549.2.9"); // hmacWithSHA256
                                }
                            }
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier(Aes256Cbc);
                                writer.WriteOctetString(new byte[16]);
                            }
                        }
                    }
                    writer.WriteOctetString(new byte[48]);
                }
            }
            for (var i = 0; i < certBags; i++)
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(CertBag);
                    using (writer.PushSequence(Context0))
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(X509Certificate);
                        using (writer.PushSequence(Context0))
                            writer.WriteOctetString(new byte[8]);
                    }
                }
        }
        return writer.Encode();
    }

    private static void Pkcs12Pbe(AsnWriter writer, int iterations)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(PbeSha1And3Des);
            using (writer.PushSequence())
            {
                writer.WriteOctetString(new byte[8]);
                writer.WriteInteger(iterations);
            }
        }
    }

    private static void AlgorithmWithNull(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteNull();
        }
    }
}
