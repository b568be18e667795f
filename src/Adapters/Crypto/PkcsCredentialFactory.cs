using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// The PKCS feature's key generation and packaging. The private key exists only inside the
/// <see cref="PendingCredential"/> and, briefly, inside the encrypted PKCS#12 being built; it is written out only for a CA
/// outside this process, to the journal, sealed (<c>PkcsKeyMade</c>).
/// Keys come from <paramref name="keyPool"/> when it has one of the spec, otherwise they are generated here.
/// </summary>
public sealed class PkcsCredentialFactory(TimeProvider? timeProvider = null, KeyPool? keyPool = null) : IPkcsCredentialFactory
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public void ValidateDeviceCertificate(byte[] deviceCertificateDer, DateTimeOffset now) => DeviceCertificate.Validate(deviceCertificateDer, now);

    public PendingCredential CreateKeyAndCsr(KeySpec keySpec, string subjectName, IReadOnlyList<SubjectAltName> subjectAlternativeNames, string? challengePassword = null)
    {
        // Validate the inputs before spending time on key generation.
        var subject = DistinguishedName.Parse(subjectName);
        _ = SubjectAltNames.ToGeneralNames(subjectAlternativeNames);
        var keyPair = keyPool?.TryTake(keySpec) ?? KeyGeneration.Generate(keySpec);
        return new Pending(keyPair, CertificationRequests.Create(keyPair, subject, subjectAlternativeNames, challengePassword));
    }

    public SealedCredential Seal(PendingCredential pending, IssuedCertificate certificate, byte[] deviceCertificateDer)
    {
        if (pending is not Pending mine) throw new ArgumentException("The pending credential was not created by this factory.", nameof(pending));
        var keyPair = mine.KeyPair ?? throw new ObjectDisposedException(nameof(PendingCredential));
        var device = DeviceCertificate.Validate(deviceCertificateDer, _time.GetUtcNow());

        var issued = new X509Certificate(certificate.CertificateDer);
        // Compared as SubjectPublicKeyInfo: GetPublicKey would re-run BouncyCastle's Miller-Rabin on our own modulus.
        if (!issued.SubjectPublicKeyInfo.Equals(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(keyPair.Public)))
            throw ConnectorFailureException.Final("CertificateKeyMismatch", "The issued certificate does not carry the public key of the generated key pair.");
        var chain = certificate.IssuerChainDer.Select(der => new X509Certificate(der)).ToList();

        var password = Passwords.Generate();
        byte[]? pfx = null;
        byte[]? passwordBytes = null;
        try
        {
            pfx = Pkcs12Builder.Build(keyPair.Private, issued, chain, password, FriendlyName(issued));
            passwordBytes = Encoding.UTF8.GetBytes(password);
            return new SealedCredential(
                CmsEnvelope.Encrypt(pfx, device),
                CmsEnvelope.Encrypt(passwordBytes, device));
        }
        finally
        {
            Array.Clear(password);
            if (pfx is not null) Array.Clear(pfx);
            if (passwordBytes is not null) Array.Clear(passwordBytes);
        }
    }

    private static string FriendlyName(X509Certificate certificate)
    {
        var cn = certificate.SubjectDN.GetValueList(X509Name.CN).FirstOrDefault();
        return string.IsNullOrWhiteSpace(cn) ? "CertConnector" : cn;
    }

    /// <summary>BouncyCastle keys are immutable BigIntegers and cannot be wiped; dropping the reference is what we can do.</summary>
    public byte[] ExportKey(PendingCredential pending)
    {
        if (pending is not Pending mine) throw new ArgumentException("The pending credential was not created by this factory.", nameof(pending));
        var keyPair = mine.KeyPair ?? throw new ObjectDisposedException(nameof(PendingCredential));
        return Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(keyPair.Private).GetDerEncoded();
    }

    public PendingCredential Restore(byte[] keyPkcs8, byte[] csrDer)
    {
        // The public half is the CSR's: Seal checks the issued certificate against it.
        var csr = CertificationRequests.ParseAndVerify(csrDer);
        var privateKey = Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(keyPkcs8);
        return new Pending(new AsymmetricCipherKeyPair(csr.GetPublicKey(), privateKey), csrDer);
    }

    private sealed class Pending(AsymmetricCipherKeyPair keyPair, byte[] csrDer) : PendingCredential
    {
        public AsymmetricCipherKeyPair? KeyPair { get; private set; } = keyPair;
        public override byte[] CsrDer { get; } = csrDer;
        public override void Dispose() => KeyPair = null;
    }
}
