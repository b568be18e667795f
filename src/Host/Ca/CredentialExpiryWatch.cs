using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Ca;

/// <summary>
/// Says in the log, before relying parties notice, that a certificate the connector depends on is about to expire (0020) or has
/// expired (0021): the same list the status page and the expiry metric show (<see cref="CredentialExpiries"/>), checked at start and
/// every <see cref="Interval"/>. The RA and OCSP signer renew themselves ahead of time, so for them a warning means that renewal
/// did not happen; the CA and the connector key are renewed by an operator.
/// </summary>
public sealed class CredentialExpiryWatch(IServiceProvider services, IConnectorEventLog log, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(12);
    public const int WarningDays = 30;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var credentials = CredentialExpiries.Of(services.GetRequiredService<BuiltInCa>(), services.GetRequiredService<ConnectorKeyHolder>(),
                    services.GetRequiredService<CertificateAuthorities>(), services.GetRequiredService<CaCalls>());
                foreach (var (definition, message, label) in Findings(credentials, time.GetUtcNow()))
                    log.Write(definition, null, message, ("certificate", label));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A CA that cannot be opened is the readiness check's and the start's to report; the next round tries again.
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>What to log about each certificate: expired, expiring within <see cref="WarningDays"/>, or nothing.</summary>
    public static IEnumerable<(EventDefinition Definition, string Message, string Label)> Findings(IEnumerable<CredentialExpiry> credentials, DateTimeOffset now)
    {
        foreach (var c in credentials)
        {
            if (c.NotAfter is not { } end) continue;
            if (end <= now)
                yield return (ConnectorInternalEvents.CredentialExpired, $"{c.Credential} expired on {end:u}.", c.Label);
            else if (c.DaysLeft(now) is { } days && days < WarningDays)
                yield return (ConnectorInternalEvents.CredentialExpiring, $"{c.Credential} expires on {end:u}, in {days} day(s).", c.Label);
        }
    }
}
