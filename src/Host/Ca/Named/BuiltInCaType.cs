using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;

namespace CertConnector.Host.Ca.Named;

/// <summary>
/// The built-in CA as a named CA. It has no settings of its own under <c>Connector:Cas:NAME</c>: it is the one CA that runs in this
/// process, with the <c>Connector:Ca:*</c> settings, and it also holds the SCEP RA, OCSP signer and connector keys, so a connector has
/// at most one CA of this type.
/// </summary>
public static class BuiltInCaType
{
    public static CaType Definition { get; } = CaType.For<NoSettings>(NamedCa.BuiltInType, (context, _) =>
    {
        var ca = context.Services.GetRequiredService<BuiltInCa>();
        return new CaBackend(ca, ca, new BuiltInCaHealthProbe(ca));
    });

    /// <summary>Nothing to set: <c>Type</c> alone.</summary>
    public sealed class NoSettings;
}
