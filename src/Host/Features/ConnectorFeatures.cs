using CertConnector.Host.Pkcs;
using CertConnector.Host.PkcsImport;
using CertConnector.Host.Recrypt;
using CertConnector.Host.Revocation;
using CertConnector.Host.Scep;

namespace CertConnector.Host.Features;

/// <summary>The composition root's table of contents: every feature, in the order they are wired.</summary>
public static class ConnectorFeatures
{
    public static IReadOnlyList<ConnectorFeature> All { get; } =
    [
        PkcsFeature.Definition,
        ScepFeature.Definition,
        RevocationFeature.Definition,
        PkcsImportFeature.Definition,
        RecryptFeature.Definition,
    ];
}
