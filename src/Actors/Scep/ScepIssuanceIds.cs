using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace CertConnector.Actors.Scep;

/// <summary>
/// The request ID a SCEP request gives the CA (<see cref="Ports.IssuanceRequest.RequestId"/>), which is not
/// its actor ID. The actor ID is hash(transaction ID, signer key) because a CertPoll carries only those; but
/// a client may re-send the same request signed by a new throw-away key (Debian's scepclient re-run in one
/// directory with a new -private-key reuses the csr.pem it left there: same CSR key, same transaction ID, new
/// signer). That reaches a new actor, and without this it would get a new certificate. Deriving the issuance
/// ID from (transaction ID, CSR public key, renewed serial) makes every such actor ask the CA for the same
/// thing, and the CA returns the certificate it already issued when request ID and public key match
/// (BuiltInCa.Issue). So a challenge, spent by one transaction and one CSR key, yields one certificate.
/// </summary>
public static class ScepIssuanceIds
{
    /// <param name="renewedSerial">for a renewal, the serial being renewed: renewing twice with one key is two requests.</param>
    public static string For(string transactionId, byte[] csrDer, string? renewedSerial)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        ArgumentNullException.ThrowIfNull(csrDer);
        // The edge verified the CSR before it got here, so its key is readable. Should it not be, the whole CSR
        // stands in: a retransmission carries the same bytes, and the CA refuses an unreadable CSR anyway.
        var key = TrySubjectPublicKeyInfo(csrDer) ?? csrDer;
        var input = Encoding.UTF8.GetBytes($"scep-issuance\n{transactionId}\n{renewedSerial}\n")
            .Concat(SHA256.HashData(key)).ToArray();
        return "scep-issue-" + Convert.ToHexString(SHA256.HashData(input), 0, 16).ToLowerInvariant();
    }

    /// <summary>The DER SubjectPublicKeyInfo of a PKCS#10 request, or null if it cannot be read.</summary>
    public static byte[]? TrySubjectPublicKeyInfo(byte[] csrDer)
    {
        try
        {
            // CertificationRequest ::= SEQUENCE { certificationRequestInfo SEQUENCE { version, subject, subjectPKInfo, ... }, ... }
            // BER is accepted: some clients send it, and the edge accepts BER too.
            var info = new AsnReader(csrDer, AsnEncodingRules.BER).ReadSequence().ReadSequence();
            info.ReadInteger();
            info.ReadEncodedValue(); // subject
            return info.ReadEncodedValue().ToArray();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
