using BcKeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// The profile of a certificate the built-in CA issues. Key usages are BouncyCastle <c>KeyUsage</c> bit flags, one set
/// for RSA subject keys and one for EC keys (EC keys cannot do keyEncipherment; they do keyAgreement instead).
/// </summary>
public sealed record CertificateTemplate(
    string Name,
    int RsaKeyUsage,
    int EcKeyUsage,
    IReadOnlyList<string> ExtendedKeyUsageOids,
    int DefaultValidityDays,
    int MaxValidityDays,
    bool RequiresEmailSan = false)
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string EmailProtectionOid = "1.3.6.1.5.5.7.3.4";

    public static readonly CertificateTemplate ClientAuth = new("client-auth",
        BcKeyUsage.DigitalSignature | BcKeyUsage.KeyEncipherment,
        BcKeyUsage.DigitalSignature | BcKeyUsage.KeyAgreement,
        [ClientAuthOid], DefaultValidityDays: 365, MaxValidityDays: 825);

    /// <summary>S/MIME signing and encryption; a certificate without an email address would be useless, so one is required.</summary>
    public static readonly CertificateTemplate Smime = new("smime",
        BcKeyUsage.DigitalSignature | BcKeyUsage.KeyEncipherment | BcKeyUsage.NonRepudiation,
        BcKeyUsage.DigitalSignature | BcKeyUsage.KeyAgreement | BcKeyUsage.NonRepudiation,
        [EmailProtectionOid], DefaultValidityDays: 365, MaxValidityDays: 825, RequiresEmailSan: true);

    public static readonly CertificateTemplate ScepDevice = new("scep-device",
        BcKeyUsage.DigitalSignature | BcKeyUsage.KeyEncipherment,
        BcKeyUsage.DigitalSignature | BcKeyUsage.KeyAgreement,
        [ClientAuthOid], DefaultValidityDays: 365, MaxValidityDays: 825);

    public static IReadOnlyList<CertificateTemplate> BuiltIn { get; } = [ClientAuth, Smime, ScepDevice];
}
