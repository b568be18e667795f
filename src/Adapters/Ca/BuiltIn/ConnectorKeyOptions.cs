namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// The connector key (<c>Connector:ConnectorKey</c>): the RSA key pair the PKCS import and recrypt features decrypt with. Kept
/// where the CA keys are (encrypted under the CA passphrase: the data directory, or a cluster's shared database), so every
/// instance holds the same one. Created on the first start (or imported then); later starts load it.
/// </summary>
public sealed class ConnectorKeyOptions
{
    /// <summary><c>rsa:2048</c>, <c>rsa:3072</c> (default) or <c>rsa:4096</c>.</summary>
    public string KeySpec { get; set; } = "rsa:3072";

    public string SubjectName { get; set; } = "CN=CertConnector Connector Key";

    /// <summary>Validity of the certificate the CA issues for the key (capped by the CA's own).</summary>
    public int ValidityDays { get; set; } = 3650;

    /// <summary>Generate a key when none exists. Off: an instance without a stored or imported key runs without one (status warns).</summary>
    public bool Generate { get; set; } = true;

    /// <summary>On the first start, import the key from this PKCS#12 (key and certificate) instead of generating one.</summary>
    public string? ImportPkcs12 { get; set; }

    /// <summary>On the first start, import the key from this PEM file (PKCS#8, PKCS#1, or encrypted PKCS#8 with <see cref="ImportPassword"/>).</summary>
    public string? ImportPem { get; set; }

    public string? ImportPassword { get; set; }
}
