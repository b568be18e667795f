using CertConnector.Actors.Common;

namespace CertConnector.Actors.PkcsImport;

/// <summary>Tuning of the PKCS import feature, bound from <c>Connector:PkcsImport</c>; <see cref="PulledFeatureOptions.MaxAttempts"/>
/// counts re-encrypt attempts while this instance lacks the connector key.</summary>
public sealed class PkcsImportOptions : PulledFeatureOptions
{
    /// <summary>The highest MAC or PBE iteration count an imported PFX may have: each count is CPU spent deriving keys from
    /// the password (600,000 is OWASP's PBKDF2-SHA256 figure; openssl and .NET export with about 2,000).</summary>
    public int MaxPfxIterations { get; set; } = 600_000;
}
