using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using CertConnector.Adapters.Crypto.Pkcs11;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// Builds CertRep pkiMessages (RFC 8894 §3.3.2): SignedData by the RA key whose authenticated attributes
/// carry the SCEP status; on SUCCESS the content is an EnvelopedData, addressed to the requester's
/// signer certificate, around a certs-only PKCS#7. Thread-safe: share one instance.
/// </summary>
public sealed class CertRepBuilder
{
    private readonly X509Certificate _raCertificate;
    private readonly AsymmetricKeyParameter _raPrivateKey;
    private readonly IReadOnlyList<X509Certificate> _extraCertificates;
    private readonly SecureRandom _random = new();

    /// <param name="extraCertificates">Added to the CertRep's certificate set after the RA certificate (e.g. the CA), so clients can build the RA's chain.</param>
    public CertRepBuilder(X509Certificate raCertificate, AsymmetricKeyParameter raPrivateKey,
        IEnumerable<X509Certificate>? extraCertificates = null)
    {
        ArgumentNullException.ThrowIfNull(raCertificate);
        ArgumentNullException.ThrowIfNull(raPrivateKey);
        _raCertificate = raCertificate;
        _raPrivateKey = raPrivateKey;
        _extraCertificates = extraCertificates?.Where(c => !c.Equals(raCertificate)).ToList() ?? [];
    }

    /// <summary>
    /// SUCCESS. <paramref name="certificates"/> starts with the issued (or, for GetCert, the requested)
    /// certificate, followed by its chain: some clients take the first one as theirs. For GetCRL pass
    /// no certificates and the CRL.
    /// </summary>
    public byte[] Success(ScepRequestMessage request, IEnumerable<X509Certificate> certificates, IEnumerable<X509Crl>? crls = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var degenerate = DegenerateSignedData.Build(certificates, crls);
        var recipient = new X509Certificate(request.SignerCertificate);
        var generator = new CmsEnvelopedDataGenerator(_random);
        // PKCS#1 v1.5 key transport: the one every SCEP client can open, whatever it used towards us.
        generator.AddRecipientInfoGenerator(new RsaKeyTransRecipient(recipient, RsaKeyTransport.Pkcs1v15));
        var enveloped = generator.Generate(new CmsProcessableByteArray(degenerate),
            new DerObjectIdentifier(ReplyContentAlgorithm(request.ContentEncryptionAlgorithmOid)));
        return Build(request.TransactionId, request.SenderNonce, request.DigestAlgorithmOid,
            ScepPkiStatus.Success, null, enveloped.ContentInfo.GetEncoded(Asn1Encodable.Der));
    }

    public byte[] Pending(ScepRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Build(request.TransactionId, request.SenderNonce, request.DigestAlgorithmOid, ScepPkiStatus.Pending, null, null);
    }

    public byte[] Failure(ScepRequestMessage request, ScepFailInfo failInfo)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Failure(request.TransactionId, request.SenderNonce, failInfo, request.DigestAlgorithmOid);
    }

    /// <summary>True when the decode error still names a transaction and nonce, so a FAILURE CertRep can be addressed.</summary>
    public static bool CanAnswer(ScepDecodeException error) => error.TransactionId != null && error.SenderNonce != null;

    /// <summary>FAILURE for a request the decoder refused; check <see cref="CanAnswer"/> first (else answer HTTP 400).</summary>
    public byte[] Failure(ScepDecodeException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!CanAnswer(error)) throw new ArgumentException("the request had no readable transactionID/senderNonce", nameof(error));
        return Failure(error.TransactionId!, error.SenderNonce!, error.FailInfo, error.DigestAlgorithmOid);
    }

    public byte[] Failure(string transactionId, byte[] recipientNonce, ScepFailInfo failInfo, string? requestDigestOid = null) =>
        Build(transactionId, recipientNonce, requestDigestOid, ScepPkiStatus.Failure, failInfo, null);

    /// <summary>
    /// The reply uses the request's content algorithm so we know the client can open it, except single
    /// DES, which is broken. A client that sent DES predates AES support more often than not, while DES3
    /// has been in every SCEP draft since the first one, so DES3 is the replacement most likely to work.
    /// </summary>
    public static string ReplyContentAlgorithm(string requestAlgorithmOid) =>
        requestAlgorithmOid is ScepOids.Aes128Cbc or ScepOids.Aes192Cbc or ScepOids.Aes256Cbc or ScepOids.DesEde3Cbc
            ? requestAlgorithmOid
            : ScepOids.DesEde3Cbc;

    /// <summary>SHA-512 if the client signed with it (it told us it can), otherwise SHA-256, which GetCACaps promises.</summary>
    public static string ReplyDigestAlgorithm(string? requestDigestOid) =>
        requestDigestOid == ScepOids.Sha512 ? ScepOids.Sha512 : ScepOids.Sha256;

    private byte[] Build(string transactionId, byte[] recipientNonce, string? requestDigestOid,
        ScepPkiStatus status, ScepFailInfo? failInfo, byte[]? content)
    {
        ArgumentException.ThrowIfNullOrEmpty(transactionId);
        ArgumentNullException.ThrowIfNull(recipientNonce);
        var senderNonce = new byte[16];
        _random.NextBytes(senderNonce);

        var attributes = new Asn1EncodableVector
        {
            Attr(ScepOids.MessageType, new DerPrintableString(((int)ScepMessageType.CertRep).ToString())),
            Attr(ScepOids.TransactionId, DerPrintableString.IsPrintableString(transactionId)
                ? new DerPrintableString(transactionId) : new DerUtf8String(transactionId)),
            Attr(ScepOids.PkiStatus, new DerPrintableString(((int)status).ToString())),
            Attr(ScepOids.RecipientNonce, new DerOctetString(recipientNonce)),
            Attr(ScepOids.SenderNonce, new DerOctetString(senderNonce)),
        };
        if (failInfo is { } fi) attributes.Add(Attr(ScepOids.FailInfo, new DerPrintableString(((int)fi).ToString())));

        var generator = new CmsSignedDataGenerator(_random);
        var digestOid = ReplyDigestAlgorithm(requestDigestOid);
        var signedAttributes = new RsaEncryptionProtectionAttributes(new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)));
        // The RA's RSA signature through .NET (OpenSSL): several times faster than BouncyCastle's managed RSA.
        if ((_raPrivateKey is TokenPrivateKey token ? TokenSignatureFactory.For(token, sha512: digestOid == ScepOids.Sha512)
                : (ISignatureFactory?)DotNetRsaSigner.For(_raPrivateKey, sha512: digestOid == ScepOids.Sha512)) is { } signer)
            generator.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder().WithSignedAttributeGenerator(signedAttributes).Build(signer, _raCertificate));
        else
            generator.AddSigner(_raPrivateKey, _raCertificate, digestOid, signedAttributes, null);
        generator.AddCertificate(_raCertificate);
        foreach (var c in _extraCertificates) generator.AddCertificate(c);
        // FAILURE/PENDING carry an empty but present eContent, as EJBCA and micromdm do: verifiers then
        // never have to treat the signature as detached.
        var signed = generator.Generate(new CmsProcessableByteArray(content ?? []), encapsulate: true);
        return WithRsaEncryptionSignatureAlgorithm(signed.ContentInfo).GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>
    /// Names the SignerInfo's signatureAlgorithm rsaEncryption rather than sha256WithRSAEncryption. Both are allowed
    /// (RFC 5754 §3.2) and the signature bytes are the same PKCS#1 v1.5 value, but rsaEncryption is what NDES and every
    /// SCEP server since PKCS#7 1.5 sends, and strongSwan's pki (5.9) accepts nothing else ("only RSA digest encryption
    /// supported"). openssl, micromdm's scepclient, certmonger and BouncyCastle accept both, so every reply uses it.
    /// The signature covers the signed attributes only, so renaming the algorithm after signing leaves it valid.
    /// </summary>
    private static ContentInfo WithRsaEncryptionSignatureAlgorithm(ContentInfo signed)
    {
        var data = SignedData.GetInstance(signed.Content);
        var signerInfos = new Asn1EncodableVector();
        foreach (var element in data.SignerInfos)
        {
            var info = SignerInfo.GetInstance(element);
            signerInfos.Add(new SignerInfo(info.SignerID, info.DigestAlgorithm, info.SignedAttrs,
                new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance), info.EncryptedDigest, info.UnsignedAttrs));
        }
        return new ContentInfo(CmsObjectIdentifiers.SignedData,
            new SignedData(data.DigestAlgorithms, data.EncapContentInfo, data.Certificates, data.CRLs, new DerSet(signerInfos)));
    }

    /// <summary>
    /// BouncyCastle signs a CMS algorithm-protection attribute (RFC 6211) naming sha*WithRSAEncryption; once the SignerInfo
    /// says rsaEncryption, verifiers that check the attribute (BouncyCastle does) would see a mismatch, so the attribute
    /// names rsaEncryption as well, before it is signed.
    /// </summary>
    private sealed class RsaEncryptionProtectionAttributes(CmsAttributeTableGenerator inner) : CmsAttributeTableGenerator
    {
        public AttributeTable GetAttributes(IDictionary<CmsAttributeTableParameter, object> parameters)
        {
            var table = inner.GetAttributes(parameters);
            if (table[CmsAttributes.CmsAlgorithmProtect] is not { } attribute) return table;
            var protection = CmsAlgorithmProtection.GetInstance(attribute.AttrValues[0]);
            var renamed = new CmsAlgorithmProtection(protection.DigestAlgorithm, CmsAlgorithmProtection.Signature,
                new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance));
            return table.Remove(CmsAttributes.CmsAlgorithmProtect).Add(CmsAttributes.CmsAlgorithmProtect, renamed);
        }
    }

    private static CmsAttribute Attr(string oid, Asn1Encodable value) =>
        new(new DerObjectIdentifier(oid), new DerSet(value));
}
