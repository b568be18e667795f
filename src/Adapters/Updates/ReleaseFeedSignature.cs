using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertConnector.Actors.Logging;

namespace CertConnector.Adapters.Updates;

/// <summary>A release feed or package that is not believed: <see cref="Event"/> is the one event that says so.</summary>
public sealed class FeedRefusedException(EventDefinition @event, string message) : Exception(message)
{
    public EventDefinition Event { get; } = @event;
}

/// <summary>
/// The release feed's signature: CMS SignedData (RFC 5652) with the manifest enveloped, signed with ECDSA P-256 by the release key
/// (what <c>openssl cms -sign -nodetach</c> makes, see packaging/sign-feed.sh). Only the keys given here are believed: certificates
/// the message carries are dropped before the check, so a message cannot bring its own signer.
/// </summary>
public sealed class ReleaseFeedSignature
{
    private const string DataContentType = "1.2.840.113549.1.7.1";
    private readonly X509Certificate2Collection _trusted;

    /// <param name="trusted">the release key's certificate; a unit test passes its own. Each must hold a P-256 public key.</param>
    public ReleaseFeedSignature(IEnumerable<X509Certificate2> trusted)
    {
        _trusted = [.. trusted];
        foreach (var certificate in _trusted)
        {
            using var key = certificate.GetECDsaPublicKey();
            if (key is null || key.KeySize != 256)
                throw new ArgumentException($"The release certificate {certificate.Subject} does not hold an ECDSA P-256 key.", nameof(trusted));
        }
    }

    /// <summary>The release key built into the connector (an embedded resource).</summary>
    public static X509Certificate2 ReleaseCertificate { get; } = LoadEmbedded();

    /// <summary>Believes only the built-in release key.</summary>
    public static ReleaseFeedSignature Production() => new([ReleaseCertificate]);

    /// <summary>The enveloped manifest, once the signature verifies.</summary>
    /// <exception cref="FeedRefusedException">unsigned (plain JSON, not CMS, no signer, no content) or badly signed.</exception>
    public byte[] Verify(byte[] feed)
    {
        var der = Der(feed);
        var cms = new SignedCms();
        try
        {
            cms.Decode(der);
        }
        catch (CryptographicException e)
        {
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedUnsigned, $"The release feed is not a CMS SignedData message ({e.Message.TrimEnd('.')}).");
        }
        if (cms.SignerInfos.Count == 0)
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedUnsigned, "The release feed is a CMS message without a signer.");
        if (cms.Detached || cms.ContentInfo.Content.Length == 0 || cms.ContentInfo.ContentType.Value != DataContentType)
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedUnsigned, "The release feed carries no enveloped manifest (sign with -nodetach).");
        if (cms.SignerInfos.Count != 1)
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedBadSignature, $"The release feed has {cms.SignerInfos.Count} signers; exactly one, the release key, is expected.");
        foreach (var carried in cms.Certificates.Cast<X509Certificate2>().ToList()) cms.RemoveCertificate(carried);
        try
        {
            cms.SignerInfos[0].CheckSignature(_trusted, verifySignatureOnly: true);
        }
        catch (CryptographicException e)
        {
            throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedBadSignature,
                $"The release feed's signature does not verify against the release key ({e.Message.TrimEnd('.')}).");
        }
        return cms.ContentInfo.Content;
    }

    /// <summary>Signs <paramref name="manifest"/> as the release feed (what packaging/sign-feed.sh does with openssl).</summary>
    public static byte[] Sign(byte[] manifest, X509Certificate2 releaseKey)
    {
        var cms = new SignedCms(new ContentInfo(new Oid(DataContentType), manifest), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, releaseKey)
        {
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"), // SHA-256
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }

    /// <summary>DER as is; PEM (<c>CMS</c> or <c>PKCS7</c>, as openssl writes it) decoded.</summary>
    private static byte[] Der(byte[] feed)
    {
        var text = feed.Length > 0 && feed[0] == (byte)'-' ? Encoding.ASCII.GetString(feed) : null;
        if (text is null) return feed;
        foreach (var label in new[] { "CMS", "PKCS7" })
        {
            if (PemEncoding.TryFind(text, out var fields) && text[fields.Label] == label)
                return Convert.FromBase64String(text[fields.Base64Data]);
        }
        throw new FeedRefusedException(ConnectorInternalEvents.UpdateFeedUnsigned, "The release feed is PEM but not a CMS message.");
    }

    private static X509Certificate2 LoadEmbedded()
    {
        using var stream = typeof(ReleaseFeedSignature).Assembly.GetManifestResourceStream("release-key.crt")
                           ?? throw new InvalidOperationException("The release key certificate is not built into the connector.");
        using var reader = new StreamReader(stream);
        return X509Certificate2.CreateFromPem(reader.ReadToEnd());
    }
}
