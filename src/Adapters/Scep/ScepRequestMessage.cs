using System.Numerics;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// A decoded, signature-verified and decrypted SCEP request. Byte arrays are DER.
/// Which fields are set depends on <see cref="MessageType"/>:
/// PKCSReq/RenewalReq → <see cref="Csr"/> (+ <see cref="ChallengePassword"/> if the CSR had one);
/// CertPoll → <see cref="IssuerName"/> + <see cref="SubjectName"/>;
/// GetCert/GetCRL → <see cref="IssuerName"/> + <see cref="SerialNumber"/>.
/// </summary>
public sealed record ScepRequestMessage(
    ScepMessageType MessageType,
    string TransactionId,
    byte[] SenderNonce,
    byte[] SignerCertificate,
    byte[]? Csr,
    string? ChallengePassword,
    string ContentEncryptionAlgorithmOid,
    string KeyEncryptionAlgorithmOid,
    string DigestAlgorithmOid,
    byte[]? IssuerName,
    byte[]? SubjectName,
    BigInteger? SerialNumber,
    DateTimeOffset? SigningTime)
{
    /// <summary>
    /// True when the CMS signer key equals the CSR key, i.e. the PKCSReq was signed with the
    /// throw-away self-signed certificate RFC 8894 §2.3 asks for. For RenewalReq this is normally false
    /// (signed with the existing certificate, which the host must check was issued by us).
    /// </summary>
    public bool SignerKeyMatchesCsr { get; init; }

    /// <summary>True when the signer certificate is self-signed (subject == issuer and its own key verifies it).</summary>
    public bool SignerIsSelfSigned { get; init; }
}
