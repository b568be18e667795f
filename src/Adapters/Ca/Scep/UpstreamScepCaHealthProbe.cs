using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>The upstream is reachable when GetCACaps answers (one cheap GET, nothing enrolled).</summary>
public sealed class UpstreamScepCaHealthProbe(UpstreamScepCa ca) : ICaHealthProbe
{
    public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) => ca.ProbeAsync(cancellationToken);
}
