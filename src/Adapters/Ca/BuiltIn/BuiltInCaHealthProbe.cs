using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>The built-in CA runs in this process: it is reachable while its credentials are loaded; the dates are its certificates'.</summary>
public sealed class BuiltInCaHealthProbe(BuiltInCa ca) : ICaHealthProbe
{
    public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(new CaHealth(true, CertificateIds.Utc(ca.CaCertificate.NotAfter), CertificateIds.Utc(ca.RaCertificate.NotAfter)));
        }
        catch (Exception e)
        {
            return Task.FromResult(new CaHealth(false, null, null, e.Message));
        }
    }
}
