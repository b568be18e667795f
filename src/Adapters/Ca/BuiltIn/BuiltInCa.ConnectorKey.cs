using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>The connector key: kept beside the CA's own credentials (connector.key.p8, or the 'connector' row of the shared database).</summary>
public sealed partial class BuiltInCa
{
    private const string ConnectorKeySlot = "connector";

    /// <summary>
    /// Loads the connector key; on the first start imports it (<see cref="ConnectorKeyOptions.ImportPkcs12"/> or
    /// <see cref="ConnectorKeyOptions.ImportPem"/>) or generates it, and has this CA issue its certificate. Null when there is
    /// none and <see cref="ConnectorKeyOptions.Generate"/> is off. Instances of a cluster do this one at a time, so they share one key.
    /// </summary>
    public ConnectorKeyPair? OpenConnectorKey(ConnectorKeyOptions settings)
    {
        var passphrase = Passphrase(_options);
        using var opening = _options.SharedCredentials?.Lock();
        try
        {
            var slot = Slot(_options, ConnectorKeySlot);
            if (slot.Exists)
            {
                var (chain, key) = slot.Load(passphrase);
                return new ConnectorKeyPair(chain[0], key);
            }
            if (slot.OrphanKey && slot is CaKeyFiles files)
                throw new InvalidOperationException($"{files.KeyPath} exists without {files.CertificatePath}. Restore the certificate, or delete the key to create a new connector key.");

            AsymmetricCipherKeyPair pair;
            if (settings.ImportPkcs12 is { Length: > 0 } p12) pair = ReadPkcs12Key(p12, settings.ImportPassword ?? "");
            else if (settings.ImportPem is { Length: > 0 } pem) pair = ConnectorKeyPair.ReadPem(File.ReadAllText(pem), settings.ImportPassword);
            else if (settings.Generate)
            {
                var spec = KeySpec.Parse(settings.KeySpec);
                if (spec.Algorithm != KeyAlgorithm.Rsa) throw new InvalidOperationException($"The connector key must be RSA (rsa:2048|rsa:3072|rsa:4096), not {spec}.");
                pair = KeyGeneration.Generate(spec);
            }
            else return null;

            if (pair.Private is not RsaPrivateCrtKeyParameters rsa || rsa.Modulus.BitLength < 2048)
                throw new InvalidOperationException("The connector key must be an RSA key of at least 2048 bits.");
            var certificate = CertificateProfile.ConnectorKey(DistinguishedName.Parse(settings.SubjectName), pair.Public, CaCertificate, CaPrivateKey,
                _time.GetUtcNow(), settings.ValidityDays);
            slot.Save([certificate], pair.Private, passphrase, _options.KeyFileIterations);
            return new ConnectorKeyPair(certificate, pair.Private);
        }
        finally
        {
            Array.Clear(passphrase);
        }
    }

    private static AsymmetricCipherKeyPair ReadPkcs12Key(string path, string password)
    {
        var store = new Pkcs12StoreBuilder().Build();
        using (var stream = File.OpenRead(path)) store.Load(stream, password.ToCharArray());
        var alias = store.Aliases.FirstOrDefault(store.IsKeyEntry) ?? throw new InvalidOperationException($"{path} holds no private key.");
        var key = store.GetKey(alias).Key;
        if (key is not RsaPrivateCrtKeyParameters rsa) throw new InvalidOperationException($"The key in {path} is not an RSA key.");
        return new AsymmetricCipherKeyPair(new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent), rsa);
    }
}
