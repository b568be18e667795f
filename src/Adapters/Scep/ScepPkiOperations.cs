using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Revocation;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// The SCEP protocol side of PKIOperation for the HTTP edge, on bytes: decode, the CertReps, GetCert and GetCRL from
/// the CA's ports, and the request ID of a message. The edge routes; this knows the formats. Thread-safe.
/// </summary>
/// <param name="maxConcurrentDecodes">Decodes (RSA work) allowed at once.</param>
/// <param name="maxWaitingDecodes">Messages that may wait for a decode slot; the next one is refused with <see cref="ScepBusyException"/>.</param>
/// <param name="allowSingleDes">Decrypt single-DES envelopes from legacy clients instead of refusing them with badAlg.</param>
public sealed class ScepPkiOperations(IScepRaCredentials ca, IIssuedCertificateLookup issued, ICrlSource? crls,
    int maxConcurrentDecodes = int.MaxValue, int maxWaitingDecodes = 0, bool allowSingleDes = false)
{
    private readonly PkiMessageDecoder _decoder = new(ca.RaCertificate, ca.RaPrivateKey, allowSingleDes: allowSingleDes);
    private readonly CertRepBuilder _certRep = new(ca.RaCertificate, ca.RaPrivateKey, ca.CaChain);
    private readonly ScepDecodeSlots _slots = new(maxConcurrentDecodes, maxWaitingDecodes);

    /// <exception cref="NotScepException">not a pkiMessage at all.</exception>
    /// <exception cref="ScepDecodeException">a pkiMessage we refuse, with its failInfo.</exception>
    /// <exception cref="ScepBusyException">every decode slot is taken and the waiting room is full: the edge answers 503 with Retry-After.</exception>
    public async Task<ScepRequestMessage> DecodeAsync(byte[] body, CancellationToken ct)
    {
        using var slot = await _slots.TryTakeAsync(ct) ?? throw new ScepBusyException(_slots.Limit, _slots.MaxWaiting);
        return _decoder.Decode(body);
    }

    public byte[] Pending(ScepRequestMessage message) => _certRep.Pending(message);

    public byte[] Failure(ScepRequestMessage message, ScepFailInfo failInfo) => _certRep.Failure(message, failInfo);

    /// <summary>FAILURE for a refused message, or null when it names no transaction to answer (the edge answers HTTP 400).</summary>
    public byte[]? Failure(ScepDecodeException error) => CertRepBuilder.CanAnswer(error) ? _certRep.Failure(error) : null;

    /// <summary>SUCCESS with the issued certificate first, then the CA chain.</summary>
    public byte[] Issued(ScepRequestMessage message, byte[] certificateDer) =>
        _certRep.Success(message, [new X509Certificate(certificateDer), .. ca.CaChain]);

    /// <returns>The CertRep, or the reason GetCert is refused (badCertId).</returns>
    public (byte[]? Reply, string? Refusal) GetCert(ScepRequestMessage message)
    {
        var serial = message.SerialNumber is { } s ? CertificateIds.SerialHex(new Org.BouncyCastle.Math.BigInteger(s.ToString())) : null;
        return serial is not null && issued.FindIssued(serial) is { } record
            ? (Issued(message, record.Der), null)
            : (null, $"GetCert: no certificate with serial {serial}.");
    }

    /// <summary>RFC 8894 3.3.4: SUCCESS whose degenerate SignedData holds the CRL of the CA named by issuerAndSerial.</summary>
    /// <returns>The CertRep, or the reason GetCRL is refused (badCertId, or badRequest when this CA publishes no CRL).</returns>
    public (byte[]? Reply, ScepFailInfo FailInfo, string? Refusal) GetCrl(ScepRequestMessage message)
    {
        if (crls is null) return (null, ScepFailInfo.BadRequest, "GetCRL: this CA publishes no CRL.");
        // Any certificate of ours names our CA as its issuer; scepclient-style clients send the CA's own issuerAndSerial.
        if (message.IssuerName is not { } issuer || !Org.BouncyCastle.Asn1.X509.X509Name.GetInstance(issuer).Equivalent(ca.CaCertificate.SubjectDN)
                                                    && !Org.BouncyCastle.Asn1.X509.X509Name.GetInstance(issuer).Equivalent(ca.CaCertificate.IssuerDN))
            return (null, ScepFailInfo.BadCertId, "GetCRL: the issuer is not this CA.");
        var crl = new X509Crl(crls.CurrentCrl().Der);
        return (_certRep.Success(message, [], [crl]), default, null);
    }

    /// <summary>
    /// The request actor for this message. A message signed with a throw-away self-signed certificate is
    /// an initial enrollment (or its CertPoll); one signed with an issued certificate is a renewal of that
    /// certificate. scepclient reuses the transaction ID (a hash of the key) for renewals, so the signer's
    /// serial keeps a renewal from being taken for a retransmission of the first enrollment.
    /// </summary>
    public static string RequestId(ScepRequestMessage message)
    {
        var signer = new X509Certificate(message.SignerCertificate);
        var renewing = message.SignerIsSelfSigned ? null : CertificateIds.SerialHex(signer.SerialNumber);
        return ScepRequestIds.For(message.TransactionId, signer.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded(), renewing);
    }

    /// <summary>The serial of the certificate that signed the message: the one a renewal names as renewed.</summary>
    public static string SignerSerial(ScepRequestMessage message) => CertificateIds.SerialHex(new X509Certificate(message.SignerCertificate).SerialNumber);
}
