namespace CertConnector.Adapters.Scep;

/// <summary>SCEP messageType values (RFC 8894 §3.2.1.2); carried as decimal PrintableString.</summary>
public enum ScepMessageType
{
    CertRep = 3,
    RenewalReq = 17,
    PKCSReq = 19,
    CertPoll = 20,
    GetCert = 21,
    GetCRL = 22,
}

/// <summary>SCEP pkiStatus values (RFC 8894 §3.2.1.3).</summary>
public enum ScepPkiStatus
{
    Success = 0,
    Failure = 2,
    Pending = 3,
}

/// <summary>OIDs used by SCEP that BouncyCastle has no named constant for.</summary>
public static class ScepOids
{
    public const string MessageType = "2.16.840.1.113733.1.9.2";
    public const string PkiStatus = "2.16.840.1.113733.1.9.3";
    public const string FailInfo = "2.16.840.1.113733.1.9.4";
    public const string SenderNonce = "2.16.840.1.113733.1.9.5";
    public const string RecipientNonce = "2.16.840.1.113733.1.9.6";
    public const string TransactionId = "2.16.840.1.113733.1.9.7";

    public const string ChallengePassword = "1.2.840.113549.1.9.7";

    // Content-encryption algorithms we accept (RFC 8894 §3.5.2: AES-128-CBC mandatory, DES3 legacy).
    public const string Aes128Cbc = "2.16.840.1.101.3.4.1.2";
    public const string Aes192Cbc = "2.16.840.1.101.3.4.1.22";
    public const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";
    public const string DesEde3Cbc = "1.2.840.113549.3.7";
    /// <summary>Single DES: decrypted for old clients (e.g. go.mozilla.org/pkcs7 defaults to it), never used for replies.</summary>
    public const string DesCbc = "1.3.14.3.2.7";

    public const string Sha1 = "1.3.14.3.2.26";
    public const string Sha224 = "2.16.840.1.101.3.4.2.4";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
}
