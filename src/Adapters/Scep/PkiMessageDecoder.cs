using System.Numerics;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using PkcsObjectIdentifiers = Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers;
using Time = Org.BouncyCastle.Asn1.Cms.Time;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Scep;

/// <summary>
/// Decodes a SCEP pkiMessage (RFC 8894 §3): verifies the CMS signature, reads the SCEP attributes,
/// decrypts the envelope with the RA key and parses its content. Throws only
/// <see cref="NotScepException"/> (not CMS SignedData: HTTP 400) or <see cref="ScepDecodeException"/>
/// (answer with a FAILURE CertRep carrying its failInfo). Stateless and thread-safe: share one instance.
/// </summary>
public sealed class PkiMessageDecoder
{
    private static readonly HashSet<string> Digests =
        [ScepOids.Sha1, ScepOids.Sha224, ScepOids.Sha256, ScepOids.Sha384, ScepOids.Sha512];

    // RSA only: the reply must be encrypted to the signer's key, and SCEP key transport is RSA.
    private static readonly HashSet<string> SignatureAlgorithms =
    [
        PkcsObjectIdentifiers.RsaEncryption.Id, PkcsObjectIdentifiers.Sha1WithRsaEncryption.Id,
        PkcsObjectIdentifiers.Sha224WithRsaEncryption.Id, PkcsObjectIdentifiers.Sha256WithRsaEncryption.Id,
        PkcsObjectIdentifiers.Sha384WithRsaEncryption.Id, PkcsObjectIdentifiers.Sha512WithRsaEncryption.Id,
        PkcsObjectIdentifiers.IdRsassaPss.Id,
    ];

    private readonly X509Certificate _raCertificate;
    private readonly AsymmetricKeyParameter _raPrivateKey;
    private readonly TimeSpan? _maxSigningTimeSkew;
    private readonly TimeProvider _time;
    private readonly bool _allowSingleDes;

    /// <param name="raCertificate">The certificate clients encrypt to (the RA, or the CA when there is no separate RA).</param>
    /// <param name="raPrivateKey">Its RSA private key.</param>
    /// <param name="maxSigningTimeSkew">
    /// When set, a signingTime further than this from now is refused with badTime. Off by default:
    /// devices often have no trustworthy clock before they are enrolled.
    /// </param>
    /// <param name="allowSingleDes">Decrypt single-DES envelopes (legacy clients) instead of refusing them with badAlg.</param>
    public PkiMessageDecoder(X509Certificate raCertificate, AsymmetricKeyParameter raPrivateKey,
        TimeSpan? maxSigningTimeSkew = null, TimeProvider? time = null, bool allowSingleDes = false)
    {
        ArgumentNullException.ThrowIfNull(raCertificate);
        ArgumentNullException.ThrowIfNull(raPrivateKey);
        if (!raPrivateKey.IsPrivate) throw new ArgumentException("RA key must be a private key", nameof(raPrivateKey));
        _raCertificate = raCertificate;
        _raPrivateKey = raPrivateKey;
        _maxSigningTimeSkew = maxSigningTimeSkew;
        _time = time ?? TimeProvider.System;
        _allowSingleDes = allowSingleDes;
    }

    public ScepRequestMessage Decode(byte[] body)
    {
        if (body is null || body.Length == 0) throw new NotScepException("empty body");
        var outer = Asn1Guard.TryParse(body) ?? throw new NotScepException("body is not BER/DER");
        if (outer is not Asn1Sequence { Count: 2 } seq
            || seq[0] is not DerObjectIdentifier type || !CmsObjectIdentifiers.SignedData.Equals(type)
            || seq[1] is not Asn1TaggedObject)
            throw new NotScepException("body is not a CMS SignedData");

        var context = new ScepDecodeException(ScepFailInfo.BadRequest, "");
        try
        {
            return DecodeSignedData(ContentInfo.GetInstance(outer), context);
        }
        catch (ScepDecodeException e)
        {
            throw WithContext(e, context);
        }
        catch (Exception e)
        {
            // Anything BouncyCastle throws on a structure that looked like CMS is a malformed request.
            throw WithContext(new ScepDecodeException(ScepFailInfo.BadRequest, "malformed pkiMessage: " + e.Message, e), context);
        }
    }

    private ScepRequestMessage DecodeSignedData(ContentInfo contentInfo, ScepDecodeException ctx)
    {
        var cms = new CmsSignedData(contentInfo);
        var signers = cms.GetSignerInfos().GetSigners();
        if (signers.Count != 1)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, $"expected one signerInfo, found {signers.Count}");
        var signer = signers.First();

        // Read attributes before verifying, so even a failure reply can echo transactionID and nonce.
        var attrs = signer.SignedAttributes
            ?? throw new ScepDecodeException(ScepFailInfo.BadRequest, "signerInfo has no authenticated attributes");
        ctx.DigestAlgorithmOid = signer.DigestAlgorithmID.Algorithm.Id;
        ctx.TransactionId = ReadString(attrs, ScepOids.TransactionId, "transactionID");
        ctx.SenderNonce = ReadNonce(attrs);
        ctx.MessageType = ReadMessageType(attrs);
        var signingTime = ReadSigningTime(attrs);

        if (!Digests.Contains(signer.DigestAlgorithmID.Algorithm.Id))
            throw new ScepDecodeException(ScepFailInfo.BadAlg, $"unsupported digest algorithm {signer.DigestAlgorithmID.Algorithm.Id}");
        if (!SignatureAlgorithms.Contains(signer.SignatureAlgorithm.Algorithm.Id))
            throw new ScepDecodeException(ScepFailInfo.BadAlg, $"unsupported signature algorithm {signer.SignatureAlgorithm.Algorithm.Id}");

        var signerCert = cms.GetCertificates().EnumerateMatches(signer.SignerID).FirstOrDefault()
            ?? throw new ScepDecodeException(ScepFailInfo.BadMessageCheck, "signer certificate is not in the message");
        ctx.SignerCertificate = signerCert.GetEncoded();
        if (!PublicKeys.IsRsa(signerCert.SubjectPublicKeyInfo))
            throw new ScepDecodeException(ScepFailInfo.BadAlg, "signer key is not RSA, so the reply could not be encrypted to it");
        ScepMessageLimits.CheckSignerKey(signerCert.SubjectPublicKeyInfo);
        ScepMessageLimits.CheckRsaSignerInfoAlgorithms(signer.DigestAlgorithmID, signer.SignatureAlgorithm);
        ScepMessageLimits.CheckSignerCertificateAlgorithm(signerCert);
        var eContent = SignedData.GetInstance(contentInfo.Content).EncapContentInfo;
        if (!CmsObjectIdentifiers.Data.Equals(eContent.ContentType) || eContent.Content is not Asn1OctetString envelope)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, "pkiMessage carries no pkcsPKIEnvelope");
        VerifySignature(signer, eContent.ContentType, envelope.GetOctets(), signerCert);
        CheckSigningTime(signingTime);

        var opened = EnvelopeDecryptor.Open(envelope.GetOctets(), _raCertificate, _raPrivateKey, _allowSingleDes);

        var message = new ScepRequestMessage(ctx.MessageType!.Value, ctx.TransactionId, ctx.SenderNonce, ctx.SignerCertificate,
            Csr: null, ChallengePassword: null, opened.ContentAlgorithmOid, opened.KeyTransportOid, signer.DigestAlgorithmID.Algorithm.Id,
            IssuerName: null, SubjectName: null, SerialNumber: null, signingTime)
        {
            SignerIsSelfSigned = IsSelfSigned(signerCert),
        };
        return ReadContent(message, opened.Content, signerCert);
    }

    private static ScepRequestMessage ReadContent(ScepRequestMessage message, byte[] content, X509Certificate signerCert)
    {
        switch (message.MessageType)
        {
            case ScepMessageType.PKCSReq:
            case ScepMessageType.RenewalReq:
                var csr = CsrReader.Read(content);
                var csrKey = csr.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded();
                return message with
                {
                    Csr = csr.GetDerEncoded(),
                    ChallengePassword = CsrReader.ChallengePassword(csr),
                    SignerKeyMatchesCsr = csrKey.AsSpan().SequenceEqual(signerCert.SubjectPublicKeyInfo.GetDerEncoded()),
                };
            case ScepMessageType.CertPoll:
                // IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name }
                var pair = Asn1Sequence.GetInstance(ParseContent(content, "IssuerAndSubject"));
                if (pair.Count != 2) throw new ScepDecodeException(ScepFailInfo.BadRequest, "IssuerAndSubject must have two names");
                return message with
                {
                    IssuerName = X509Name.GetInstance(pair[0]).GetDerEncoded(),
                    SubjectName = X509Name.GetInstance(pair[1]).GetDerEncoded(),
                };
            default: // GetCert, GetCRL
                var ias = IssuerAndSerialNumber.GetInstance(ParseContent(content, "IssuerAndSerialNumber"));
                return message with
                {
                    IssuerName = ias.Issuer.GetDerEncoded(),
                    SerialNumber = new BigInteger(ias.SerialNumber.Value.ToByteArray(), isUnsigned: false, isBigEndian: true),
                };
        }
    }

    private static Asn1Object ParseContent(byte[] content, string what) =>
        Asn1Guard.TryParse(content) ?? throw new ScepDecodeException(ScepFailInfo.BadRequest, $"envelope content is not a valid {what}");

    private static void VerifySignature(SignerInformation signer, DerObjectIdentifier contentType, byte[] content, X509Certificate signerCert)
    {
        bool ok;
        try
        {
            // By key, not certificate: a signingTime outside the signer's validity must not turn a device clock
            // problem into badMessageCheck.
            ok = CmsSignatures.Verify(signer, contentType, content, signerCert.SubjectPublicKeyInfo);
        }
        catch (Exception e)
        {
            throw new ScepDecodeException(ScepFailInfo.BadMessageCheck, "signature verification failed: " + e.Message, e);
        }
        if (!ok) throw new ScepDecodeException(ScepFailInfo.BadMessageCheck, "signature does not verify");
    }

    private void CheckSigningTime(DateTimeOffset? signingTime)
    {
        if (_maxSigningTimeSkew is not { } skew || signingTime is not { } t) return;
        if ((t - _time.GetUtcNow()).Duration() > skew)
            throw new ScepDecodeException(ScepFailInfo.BadTime, $"signingTime {t:O} is more than {skew} from now");
    }

    private static bool IsSelfSigned(X509Certificate cert)
    {
        if (!cert.IssuerDN.Equivalent(cert.SubjectDN)) return false;
        return PublicKeys.IsSignedBy(cert, cert.SubjectPublicKeyInfo);
    }

    private static Asn1Encodable? SingleValue(AttributeTable attrs, string oid, string name)
    {
        var found = attrs.GetAll(new DerObjectIdentifier(oid));
        if (found.Count == 0) return null;
        var values = ((CmsAttribute)found[0]).AttrValues;
        if (found.Count != 1 || values.Count != 1)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, $"{name} must occur once with one value");
        return values[0];
    }

    private static string ReadString(AttributeTable attrs, string oid, string name)
    {
        var value = SingleValue(attrs, oid, name)
            ?? throw new ScepDecodeException(ScepFailInfo.BadRequest, $"missing {name}");
        // RFC 8894 says PrintableString; some clients use UTF8String, which costs nothing to accept.
        if (value is not (DerPrintableString or DerUtf8String or DerIA5String) || ((IAsn1String)value).GetString() is not { Length: > 0 } s)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, $"{name} is not a non-empty string");
        return s;
    }

    private static byte[] ReadNonce(AttributeTable attrs)
    {
        var value = SingleValue(attrs, ScepOids.SenderNonce, "senderNonce")
            ?? throw new ScepDecodeException(ScepFailInfo.BadRequest, "missing senderNonce");
        if (value is not Asn1OctetString octets || octets.GetOctets().Length == 0)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, "senderNonce is not a non-empty OCTET STRING");
        return octets.GetOctets();
    }

    private static ScepMessageType ReadMessageType(AttributeTable attrs)
    {
        var text = ReadString(attrs, ScepOids.MessageType, "messageType");
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, null, out var n)
            || !Enum.IsDefined((ScepMessageType)n) || (ScepMessageType)n == ScepMessageType.CertRep)
            throw new ScepDecodeException(ScepFailInfo.BadRequest, $"unsupported messageType '{text}'");
        return (ScepMessageType)n;
    }

    private static DateTimeOffset? ReadSigningTime(AttributeTable attrs)
    {
        var value = SingleValue(attrs, PkcsObjectIdentifiers.Pkcs9AtSigningTime.Id, "signingTime");
        if (value is null) return null;
        try
        {
            return new DateTimeOffset(Time.GetInstance(value).ToDateTime().ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e)
        {
            throw new ScepDecodeException(ScepFailInfo.BadRequest, "signingTime is not a valid Time", e);
        }
    }

    private static ScepDecodeException WithContext(ScepDecodeException e, ScepDecodeException ctx)
    {
        e.TransactionId ??= ctx.TransactionId;
        e.SenderNonce ??= ctx.SenderNonce;
        e.MessageType ??= ctx.MessageType;
        e.DigestAlgorithmOid ??= ctx.DigestAlgorithmOid;
        e.SignerCertificate ??= ctx.SignerCertificate;
        return e;
    }
}
