using CertConnector.Adapters.Scep;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using Time = Org.BouncyCastle.Asn1.Cms.Time;
using IssuerAndSerialNumber = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Scep.Client;

public enum ScepKeyTransport { Pkcs1v15, OaepSha1, OaepSha256 }

public enum ChallengeStringType { Printable, Utf8, Bmp }

/// <summary>How a request pkiMessage is built. Defaults are what a modern client sends.</summary>
public sealed record PkiMessageOptions
{
    public ScepKeyTransport KeyTransport { get; init; } = ScepKeyTransport.Pkcs1v15;
    /// <summary>Any OID BouncyCastle can encrypt with, including ones the server must refuse (e.g. Camellia).</summary>
    public string ContentAlgorithmOid { get; init; } = ScepOids.Aes128Cbc;
    public string DigestOid { get; init; } = ScepOids.Sha256;
    /// <summary>Stream-encode: indefinite lengths and content OCTET STRINGs chopped into small constructed chunks.</summary>
    public bool Ber { get; init; }
    /// <summary>Name the recipient by subjectKeyIdentifier instead of issuerAndSerialNumber (PKCS#1 v1.5 only).</summary>
    public bool RecipientByKeyId { get; init; }
    public string? TransactionId { get; init; }
    public byte[]? SenderNonce { get; init; }
    public bool OmitTransactionId { get; init; }
    public bool OmitSenderNonce { get; init; }
    public DateTime? SigningTime { get; init; }
    /// <summary>Encrypt the content key to these certificates too, after the RA (PKCS#1 v1.5), as clients that encrypt to
    /// everything GetCACert returned do; the RA itself may be repeated.</summary>
    public IReadOnlyList<X509Certificate> AdditionalRecipients { get; init; } = [];
}

/// <summary>A request as sent, with what the CertRep must echo.</summary>
public sealed record BuiltPkiMessage(byte[] Bytes, string TransactionId, byte[] SenderNonce);

/// <summary>A CertRep as a client sees it after checking the RA signature and opening the envelope.</summary>
public sealed record CertRepResult(
    ScepPkiStatus Status,
    ScepFailInfo? FailInfo,
    string TransactionId,
    byte[] RecipientNonce,
    byte[] SenderNonce,
    string DigestAlgorithmOid,
    IReadOnlyList<X509Certificate> Certificates,
    IReadOnlyList<X509Crl> Crls,
    string? ContentEncryptionAlgorithmOid,
    string? KeyTransportOid);

/// <summary>
/// The client side of SCEP, built on BouncyCastle's CMS generators and independent of the server's
/// decoder and builder: it checks our server as a device would (tests), drives the load generator, and is
/// the base for forwarding to an upstream SCEP CA (RA mode). Works on bytes; the caller does HTTP.
/// </summary>
public sealed class ScepClient(X509Certificate recipient)
{
    private static readonly SecureRandom SelfSignedRandom = new();

    /// <summary>The throw-away self-signed certificate a PKCSReq is signed with (RFC 8894 2.3).</summary>
    public static X509Certificate SelfSigned(AsymmetricCipherKeyPair key, string subject, int validityDays = 30)
    {
        var name = new X509Name(subject);
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(new BigInteger(64, SelfSignedRandom).Add(BigInteger.One));
        gen.SetIssuerDN(name);
        gen.SetSubjectDN(name);
        gen.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
        gen.SetNotAfter(DateTime.UtcNow.AddDays(validityDays));
        gen.SetPublicKey(key.Public);
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", key.Private, SelfSignedRandom));
    }

    private static readonly SecureRandom Random = new();

    /// <summary>The certificate requests are encrypted to (the RA's, from GetCACert).</summary>
    public X509Certificate Recipient { get; } = recipient;

    /// <param name="sans">subject alternative names for an extensionRequest attribute (none if null or empty).</param>
    public static byte[] CreateCsr(AsymmetricCipherKeyPair key, string subject, string? challenge = null,
        ChallengeStringType challengeType = ChallengeStringType.Printable, string signatureAlgorithm = "SHA256WITHRSA",
        IReadOnlyList<CertConnector.Actors.Common.SubjectAltName>? sans = null)
    {
        var attributes = new Asn1EncodableVector();
        if (sans is { Count: > 0 })
        {
            var extensions = new X509ExtensionsGenerator();
            extensions.AddExtension(X509Extensions.SubjectAlternativeName, false, CertConnector.Adapters.Crypto.SubjectAltNames.ToGeneralNames(sans));
            attributes.Add(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(extensions.Generate())));
        }
        if (challenge != null)
        {
            Asn1Encodable value = challengeType switch
            {
                ChallengeStringType.Printable => new DerPrintableString(challenge),
                ChallengeStringType.Utf8 => new DerUtf8String(challenge),
                _ => new DerBmpString(challenge),
            };
            attributes.Add(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtChallengePassword, new DerSet(value)));
        }
        var csr = new Pkcs10CertificationRequest(new Asn1SignatureFactory(signatureAlgorithm, key.Private, Random),
            new X509Name(subject), key.Public, new DerSet(attributes));
        return csr.GetEncoded();
    }

    public BuiltPkiMessage PkcsReq(byte[] csr, X509Certificate signerCert, AsymmetricKeyParameter signerKey, PkiMessageOptions? options = null) =>
        Build(ScepMessageType.PKCSReq, csr, signerCert, signerKey, options);

    public BuiltPkiMessage RenewalReq(byte[] csr, X509Certificate existingCert, AsymmetricKeyParameter existingKey, PkiMessageOptions? options = null) =>
        Build(ScepMessageType.RenewalReq, csr, existingCert, existingKey, options);

    /// <summary>CertPoll content: IssuerAndSubject ::= SEQUENCE { issuer Name, subject Name }.</summary>
    public BuiltPkiMessage CertPoll(X509Name issuer, X509Name subject, X509Certificate signerCert, AsymmetricKeyParameter signerKey,
        PkiMessageOptions? options = null) =>
        Build(ScepMessageType.CertPoll, new DerSequence(issuer, subject).GetEncoded(Asn1Encodable.Der), signerCert, signerKey, options);

    public BuiltPkiMessage GetCert(X509Name issuer, BigInteger serial, X509Certificate signerCert, AsymmetricKeyParameter signerKey,
        PkiMessageOptions? options = null) =>
        Build(ScepMessageType.GetCert, new IssuerAndSerialNumber(issuer, serial).GetEncoded(Asn1Encodable.Der), signerCert, signerKey, options);

    public BuiltPkiMessage GetCrl(X509Name issuer, BigInteger serial, X509Certificate signerCert, AsymmetricKeyParameter signerKey,
        PkiMessageOptions? options = null) =>
        Build(ScepMessageType.GetCRL, new IssuerAndSerialNumber(issuer, serial).GetEncoded(Asn1Encodable.Der), signerCert, signerKey, options);

    /// <summary>Any message type with any envelope content (for negative tests).</summary>
    public BuiltPkiMessage Build(ScepMessageType type, byte[] content, X509Certificate signerCert, AsymmetricKeyParameter signerKey,
        PkiMessageOptions? options = null)
    {
        var o = options ?? new PkiMessageOptions();
        var transactionId = o.TransactionId ?? Convert.ToHexString(SecureRandom.GetNextBytes(Random, 20));
        var nonce = o.SenderNonce ?? SecureRandom.GetNextBytes(Random, 16);

        var attrs = new Asn1EncodableVector { Attr(ScepOids.MessageType, new DerPrintableString(((int)type).ToString())) };
        if (!o.OmitTransactionId) attrs.Add(Attr(ScepOids.TransactionId, new DerPrintableString(transactionId)));
        if (!o.OmitSenderNonce) attrs.Add(Attr(ScepOids.SenderNonce, new DerOctetString(nonce)));
        if (o.SigningTime is { } t) attrs.Add(Attr(PkcsObjectIdentifiers.Pkcs9AtSigningTime.Id, new Time(t)));
        var signedAttrs = new DefaultSignedAttributeTableGenerator(new AttributeTable(attrs));

        byte[] bytes;
        if (o.Ber)
        {
            var envGen = new CmsEnvelopedDataStreamGenerator(Random);
            envGen.SetBufferSize(32);
            AddRecipient(envGen, o);
            var envelope = new MemoryStream();
            using (var s = envGen.Open(envelope, o.ContentAlgorithmOid)) s.Write(content);

            var sigGen = new CmsSignedDataStreamGenerator(Random);
            sigGen.SetBufferSize(32);
            sigGen.AddSigner(signerKey, signerCert, o.DigestOid, signedAttrs, null);
            sigGen.AddCertificate(signerCert);
            var output = new MemoryStream();
            using (var s = sigGen.Open(output, encapsulate: true)) s.Write(envelope.ToArray());
            bytes = output.ToArray();
        }
        else
        {
            var envGen = new CmsEnvelopedDataGenerator(Random);
            AddRecipient(envGen, o);
            var envelope = envGen.Generate(new CmsProcessableByteArray(content), new DerObjectIdentifier(o.ContentAlgorithmOid));

            var sigGen = new CmsSignedDataGenerator(Random);
            sigGen.AddSigner(signerKey, signerCert, o.DigestOid, signedAttrs, null);
            sigGen.AddCertificate(signerCert);
            bytes = sigGen.Generate(new CmsProcessableByteArray(envelope.ContentInfo.GetEncoded(Asn1Encodable.Der)), encapsulate: true)
                .GetEncoded(Asn1Encodable.Der);
        }
        return new BuiltPkiMessage(bytes, transactionId, nonce);
    }

    private void AddRecipient(CmsEnvelopedGenerator generator, PkiMessageOptions o)
    {
        AddRaRecipient(generator, o);
        foreach (var extra in o.AdditionalRecipients) generator.AddRecipientInfoGenerator(new RsaKeyTransRecipient(extra, RsaKeyTransport.Pkcs1v15));
    }

    private void AddRaRecipient(CmsEnvelopedGenerator generator, PkiMessageOptions o)
    {
        if (o.RecipientByKeyId)
        {
            var ski = Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(Recipient.GetPublicKey());
            generator.AddKeyTransRecipient(Recipient.GetPublicKey(), ski.GetKeyIdentifier());
            return;
        }
        switch (o.KeyTransport)
        {
            case ScepKeyTransport.Pkcs1v15:
                generator.AddKeyTransRecipient(Recipient);
                break;
            case ScepKeyTransport.OaepSha1:
                generator.AddRecipientInfoGenerator(new KeyTransRecipientInfoGenerator(Recipient,
                    new Asn1KeyWrapper("RSA/NONE/OAEPWITHSHA1ANDMGF1PADDING", Recipient)));
                break;
            default:
                generator.AddRecipientInfoGenerator(new KeyTransRecipientInfoGenerator(Recipient,
                    new Asn1KeyWrapper("RSA/NONE/OAEPWITHSHA256ANDMGF1PADDING", Recipient)));
                break;
        }
    }

    /// <summary>
    /// Checks a CertRep the way a device must: signed by <paramref name="raCert"/>, signature valid, a CertRep.
    /// On SUCCESS opens the envelope with the requester's key and returns the certificates in sent order.
    /// Throws <see cref="InvalidDataException"/> when anything is off.
    /// </summary>
    public static CertRepResult DecodeCertRep(byte[] certRep, X509Certificate raCert, X509Certificate requesterCert,
        AsymmetricKeyParameter requesterKey) =>
        DecodeCertRep(certRep, [raCert], requesterCert, requesterKey);

    /// <param name="raCerts">the certificates GetCACert returned: an upstream RA (NDES) signs with one and encrypts with another.</param>
    /// <param name="allowSingleDes">open a single-DES envelope (micromdm's scepserver answers so whatever the request used).</param>
    public static CertRepResult DecodeCertRep(byte[] certRep, IReadOnlyCollection<X509Certificate> raCerts, X509Certificate requesterCert,
        AsymmetricKeyParameter requesterKey, bool allowSingleDes = false)
    {
        var cms = new CmsSignedData(certRep);
        var signer = cms.GetSignerInfos().GetSigners().Single();
        var signerCert = cms.GetCertificates().EnumerateMatches(signer.SignerID).FirstOrDefault()
            ?? throw new InvalidDataException("CertRep does not carry its signer certificate");
        if (!raCerts.Contains(signerCert)) throw new InvalidDataException("CertRep is not signed by the RA");
        var eContent = cms.SignedData.EncapContentInfo;
        if (!CmsSignatures.Verify(signer, eContent.ContentType, (eContent.Content as Asn1OctetString)?.GetOctets() ?? [], signerCert.SubjectPublicKeyInfo))
            throw new InvalidDataException("CertRep signature does not verify");

        var attrs = signer.SignedAttributes ?? throw new InvalidDataException("CertRep has no signed attributes");
        if (Text(attrs, ScepOids.MessageType) != "3") throw new InvalidDataException("not a CertRep");
        var status = (ScepPkiStatus)int.Parse(Text(attrs, ScepOids.PkiStatus)!);
        var failText = Text(attrs, ScepOids.FailInfo);
        if (status == ScepPkiStatus.Failure && failText == null) throw new InvalidDataException("FAILURE without failInfo");

        IReadOnlyList<X509Certificate> certs = [];
        IReadOnlyList<X509Crl> crls = [];
        string? contentAlg = null, keyAlg = null;
        if (status == ScepPkiStatus.Success)
        {
            EnvelopeDecryptor.Opened opened;
            try
            {
                opened = EnvelopeDecryptor.Open(((Asn1OctetString)eContent.Content).GetOctets(), requesterCert, requesterKey, allowSingleDes);
            }
            catch (ScepDecodeException e)
            {
                throw new InvalidDataException($"CertRep envelope: {e.Message}", e);
            }
            contentAlg = opened.ContentAlgorithmOid;
            keyAlg = opened.KeyTransportOid;
            (certs, crls) = ParseDegenerate(opened.Content);
        }

        return new CertRepResult(status, failText == null ? null : (ScepFailInfo)int.Parse(failText),
            Text(attrs, ScepOids.TransactionId)!, Octets(attrs, ScepOids.RecipientNonce)!, Octets(attrs, ScepOids.SenderNonce)!,
            signer.DigestAlgorithmID.Algorithm.Id, certs, crls, contentAlg, keyAlg);
    }

    /// <summary>Certificates and CRLs of a certs-only PKCS#7 (GetCACert, CertRep content), in encoded order.</summary>
    public static (IReadOnlyList<X509Certificate> Certs, IReadOnlyList<X509Crl> Crls) ParseDegenerate(byte[] pkcs7)
    {
        var signedData = SignedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(pkcs7)).Content);
        if (signedData.SignerInfos.Count != 0) throw new InvalidDataException("degenerate PKCS#7 must have no signers");
        var certs = signedData.Certificates?.Cast<Asn1Encodable>()
            .Select(c => new X509Certificate(X509CertificateStructure.GetInstance(c))).ToList() ?? [];
        var crls = signedData.CRLs?.Cast<Asn1Encodable>()
            .Select(c => new X509Crl(CertificateList.GetInstance(c))).ToList() ?? [];
        return (certs, crls);
    }

    /// <summary>Chooses the encryption recipient from a GetCACert answer: the certificate allowing keyEncipherment that is not a CA.</summary>
    public static X509Certificate SelectRecipient(IEnumerable<X509Certificate> caCerts)
    {
        var list = caCerts.ToList();
        return list.FirstOrDefault(c => c.GetBasicConstraints() < 0 && c.GetKeyUsage() is { } ku && ku[2]) ?? list[0];
    }

    private static CmsAttribute Attr(string oid, Asn1Encodable value) => new(new DerObjectIdentifier(oid), new DerSet(value));

    private static Asn1Encodable? Value(AttributeTable attrs, string oid) =>
        attrs[new DerObjectIdentifier(oid)]?.AttrValues[0];

    private static string? Text(AttributeTable attrs, string oid) => (Value(attrs, oid) as IAsn1String)?.GetString();

    private static byte[]? Octets(AttributeTable attrs, string oid) => (Value(attrs, oid) as Asn1OctetString)?.GetOctets();
}
