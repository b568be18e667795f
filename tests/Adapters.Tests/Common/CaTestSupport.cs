using CertConnector.Actors.Common;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Crypto;

namespace CertConnector.Adapters.Tests.Common;

/// <summary>A clock the test sets.</summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

public static class CaTestSupport
{
    public static BuiltInCaOptions Options(string directory, string keySpec = "ec:p256") => new()
    {
        Directory = directory,
        KeySpec = KeySpec.Parse(keySpec),
        PassphraseSupplier = () => "correct horse battery staple".ToCharArray(),
        KeyFileIterations = 1000, // the production default is slow on purpose; tests only need the format
    };

    public static (byte[] Csr, AsymmetricCipherKeyPair Key) Csr(string keySpec = "ec:p256", string subject = "CN=Alice, O=Contoso, C=US",
        params SubjectAltName[] sans)
    {
        var key = KeyGeneration.Generate(KeySpec.Parse(keySpec));
        return (CertificationRequests.Create(key, DistinguishedName.Parse(subject), sans), key);
    }
}
