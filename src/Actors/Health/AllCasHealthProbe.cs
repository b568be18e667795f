using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Health;

/// <summary>
/// The health message's CA: every configured CA, probed at once. The connector is only as reachable as the CAs its requests
/// go to, so one CA that does not answer makes the message say unreachable and names it; the expiry dates are the built-in
/// CA's (its CA and RA certificates are the connector's own), or the default CA's when there is no built-in one.
/// </summary>
public sealed class AllCasHealthProbe(CertificateAuthorities cas) : ICaHealthProbe
{
    public async Task<CaHealth> ProbeAsync(CancellationToken cancellationToken)
    {
        var probed = await Task.WhenAll(cas.All.Select(async ca => (Ca: ca, Health: await ca.Probe.ProbeAsync(cancellationToken).ConfigureAwait(false))))
            .ConfigureAwait(false);
        var own = probed.First(p => p.Ca == (cas.BuiltIn ?? cas.Default)).Health;
        var failing = probed.Where(p => !p.Health.Reachable).ToList();
        return new CaHealth(failing.Count == 0, own.CaNotAfter, own.RaNotAfter,
            failing.Count == 0 ? null : string.Join("; ", failing.Select(f => $"CA '{f.Ca.Name}' ({f.Ca.Type}): {f.Health.Error ?? "no answer"}")));
    }
}
