using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>Settings of the built-in CA. Everything has a default, so <c>new BuiltInCaOptions()</c> runs.</summary>
public sealed class BuiltInCaOptions
{
    /// <summary>Holds ca.crt.pem, ca.key.p8, ra.crt.pem, ra.key.p8, master.key and issued.db.</summary>
    public string Directory { get; set; } = Path.Combine("data", "ca");

    public string SubjectName { get; set; } = "CN=CertConnector Built-in CA";

    public KeySpec KeySpec { get; set; } = KeySpec.Parse("rsa:3072");

    public int ValidityYears { get; set; } = 10;

    /// <summary>Subject of the SCEP RA (signing and decryption) certificate the CA issues to itself.</summary>
    public string RaSubjectName { get; set; } = "CN=CertConnector SCEP RA";

    public int RaValidityDays { get; set; } = 730;

    /// <summary>
    /// The delegated OCSP responder's key: RSA-2048 by default (every client verifies it); <c>ec:p256</c> signs a nonce answer
    /// many times faster. A responder certificate with another key is replaced at the next start.
    /// </summary>
    public KeySpec OcspKeySpec { get; set; } = KeySpec.Rsa2048;

    /// <summary>
    /// Supplies the passphrase that encrypts the CA and RA key files. Null: <see cref="CaPassphrase.Default"/>
    /// (environment variable CERTCONNECTOR_CA_PASSPHRASE, else a generated <c>master.key</c> in <see cref="Directory"/>).
    /// </summary>
    public Func<char[]>? PassphraseSupplier { get; set; }

    /// <summary>When set, issued certificates carry a CRL distribution point with this URL.</summary>
    public string? CrlUrl { get; set; }

    /// <summary>When set, issued certificates carry an AIA OCSP entry with this URL.</summary>
    public string? OcspUrl { get; set; }

    /// <summary>When set, issued certificates carry an AIA caIssuers entry with this URL.</summary>
    public string? CaIssuersUrl { get; set; }

    /// <summary>
    /// Where the issued certificates and the CRL number live. Null: <c>issued.db</c> in <see cref="Directory"/>. A
    /// cluster passes its shared PostgreSQL database, so serials are unique and CRL numbers monotonic across instances.
    /// </summary>
    public Service.Standalone.StandaloneDatabase? Database { get; set; }

    /// <summary>
    /// When set (a cluster), the CA, RA and OCSP-signer keys live encrypted in the shared database instead of
    /// <see cref="Directory"/>, and the passphrase must come from <see cref="CaPassphrase.EnvironmentVariable"/>.
    /// </summary>
    public SharedCaCredentials? SharedCredentials { get; set; }

    /// <summary>
    /// When set (<c>Connector:Ca:KeyStore=pkcs11</c>), the CA, RA and OCSP-signer keys are generated in (or imported into)
    /// this token and never leave it; their certificates stay in <see cref="Directory"/> or the shared database.
    /// </summary>
    public Crypto.Pkcs11.Pkcs11Token? Token { get; set; }

    /// <summary>PBKDF2 iterations for the key files; high because the passphrase may be typed by a person.</summary>
    public int KeyFileIterations { get; set; } = 100_000;
}
