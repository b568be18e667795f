using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>This node's remoting (Akka.Remote TLS) certificate with its key, and what it accepts from peers.</summary>
/// <param name="TrustAnchor">A cluster's CA certificate; null for the single node, which pins <see cref="Certificate"/> itself.</param>
/// <param name="ConnectorId">The identity members must carry (<see cref="ClusterTlsIdentity"/>); null for the single node.</param>
public sealed record RemotingCredentials(X509Certificate2 Certificate, X509Certificate2? TrustAnchor, string? ConnectorId);

/// <summary>Remoting certificates: issued to each cluster member at start, or the single node's own self-signed one.</summary>
public sealed partial class BuiltInCa
{
    /// <summary>
    /// A member's certificate lives as long as the process that holds its key, at most this long: a member running longer
    /// is refused by its peers on its next new connection (and stops; a restart issues a new certificate).
    /// </summary>
    public static readonly TimeSpan ClusterMemberValidity = TimeSpan.FromDays(30);

    private const int EmbeddedRemotingValidityDays = 825;
    private static readonly TimeSpan EmbeddedRemotingRenewBefore = TimeSpan.FromDays(30);

    /// <summary>
    /// Issues this member a certificate for a fresh key that exists in memory only. It is not recorded in the
    /// issued-certificate store: no SCEP renewal, revocation request or CRL ever concerns it, and it dies with the process.
    /// </summary>
    public RemotingCredentials IssueClusterMemberCredentials(string memberName)
    {
        var shared = _options.SharedCredentials ?? throw new InvalidOperationException("Cluster member certificates need the cluster's shared CA credentials.");
        var connectorId = ClusterTlsIdentity.ConnectorId(CaCertificate.GetEncoded(), shared.ClusterId());
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = SubjectPublicKeyInfo.GetInstance(key.ExportSubjectPublicKeyInfo());
        var subject = new X509Name($"CN={Escape(memberName)},OU=certconnector cluster member");
        var issued = CertificateProfile.ClusterMember(subject, spki, ClusterTlsIdentity.Uri(connectorId), CaCertificate, CaPrivateKey, _time.GetUtcNow(), ClusterMemberValidity);
        var certificate = X509CertificateLoader.LoadCertificate(issued.GetEncoded()).CopyWithPrivateKey(key);
        return new RemotingCredentials(certificate, X509CertificateLoader.LoadCertificate(CaCertificate.GetEncoded()), connectorId);
    }

    /// <summary>
    /// The single node's own certificate: self-signed, its key PBES2-encrypted under the CA passphrase in
    /// <c>remoting.key.p8</c> (0600) beside the CA keys; created at first start and replaced 30 days before it expires.
    /// </summary>
    public RemotingCredentials OpenOrCreateEmbeddedRemotingCredentials()
    {
        var files = new CaKeyFiles(_options.Directory, "remoting");
        var passphrase = Passphrase(_options);
        try
        {
            if (files.Exists)
            {
                var (chain, key) = files.Load(passphrase);
                if (CertificateIds.Utc(chain[0].NotAfter) - _time.GetUtcNow() > EmbeddedRemotingRenewBefore) return new RemotingCredentials(WithKey(chain[0], key), null, null);
            }
            var keyPair = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
            var certificate = CertificateProfile.SelfSignedRemoting(new X509Name("CN=certconnector single node"), keyPair, _time.GetUtcNow(), EmbeddedRemotingValidityDays);
            files.Save([certificate], keyPair.Private, passphrase, _options.KeyFileIterations);
            return new RemotingCredentials(WithKey(certificate, keyPair.Private), null, null);
        }
        finally
        {
            Array.Clear(passphrase);
        }
    }

    /// <summary>A .NET certificate with its EC key, for SslStream; the PKCS#8 copy in between is wiped.</summary>
    private static X509Certificate2 WithKey(BcCertificate certificate, AsymmetricKeyParameter key)
    {
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetEncoded();
        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return X509CertificateLoader.LoadCertificate(certificate.GetEncoded()).CopyWithPrivateKey(ecdsa);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The instance name as a plain CN value (the name is informational: members are recognised by CA, marker and identity).</summary>
    private static string Escape(string value) =>
        new string(value.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_').Take(64).ToArray()) is { Length: > 0 } name ? name : "member";
}
