using CertConnector.Adapters.Ca.BuiltIn;

namespace CertConnector.Host.Ca;

/// <summary>
/// Starts publication before anything issues (registered before the actor system, so it starts first): the CA learns
/// its URLs and CRL validity and issues a CRL. Then, once a minute, re-issues the CRL when it is past half its life,
/// so the CRL on disk of a relying party never runs out even when nothing is revoked and nobody asks for it.
/// </summary>
public sealed class CrlRefresh(BuiltInCa ca, PublicBaseUrl urls, CaPublishingOptions options, ILogger<CrlRefresh> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(1);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        ca.Publication = new CaPublication(urls.Get, options.CrlValidity);
        ca.IssueCrl();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                ca.CurrentCrl();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next tick tries again; the CRL being served is still valid for half its life.
                logger.LogError(e, "Re-issuing the CRL failed");
            }
        }
    }
}
