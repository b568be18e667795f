namespace CertConnector.Host.Ca.Named;

/// <summary>The CA types this program can build (<c>Connector:Cas:NAME:Type</c>): one entry per backend.</summary>
public static class CaTypes
{
    public static IReadOnlyList<CaType> All { get; } =
    [
        BuiltInCaType.Definition,
        UpstreamScepCaType.Definition,
    ];
}
