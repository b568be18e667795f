using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>
/// The connector's identity towards an upstream SCEP CA: it signs every message with this key and the upstream encrypts
/// its answer to this certificate. RSA, because SCEP encrypts to the signer with RSA key transport.
/// </summary>
public sealed record ScepRaIdentity(X509Certificate Certificate, AsymmetricKeyParameter PrivateKey)
{
    /// <summary>A self-signed identity (RFC 8894 §2.3 allows one for enrollment); the upstream trusts the challenge, not it.</summary>
    public static ScepRaIdentity CreateSelfSigned(string subject = "CN=CertConnector upstream RA")
    {
        var keyPair = KeyGeneration.Generate(KeySpec.Rsa2048);
        return new ScepRaIdentity(ScepClient.SelfSigned(keyPair, subject, validityDays: 3 * 365), keyPair.Private);
    }
}
