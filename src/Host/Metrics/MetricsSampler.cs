using CertConnector.Host.Ca;
using CertConnector.Host.Ca.Named;
using CertConnector.Actors.Ports;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using CertConnector.Actors.Metrics;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Configuration;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Metrics;

/// <summary>
/// The gauges whose values live outside the actors: queue depth and leases (the standalone queues, in the database), shards and entities
/// this node hosts (the shard regions), and days left on the CA, RA, OCSP-signer and connector-key certificates. The database and the
/// regions are asked every <see cref="MetricsSettings.SampleInterval"/>, never per scrape, so scraping costs no query; the certificates
/// are in memory and read at each scrape. Its instruments are on a meter of its own (same name), disposed with the host.
/// </summary>
public sealed class MetricsSampler : BackgroundService
{
    private readonly Meter _meter = new(ConnectorMetrics.MeterName);
    private readonly ConcurrentDictionary<(string Feature, string State), long> _queues = new();
    private readonly ConcurrentDictionary<string, (int Shards, int Entities)> _shards = new();
    private readonly ConnectorOptions _options;
    private readonly IServiceProvider _services;
    private readonly IReadOnlyList<IStandaloneRequestList> _queueLists;
    private readonly TimeProvider _time;
    private readonly ILogger<MetricsSampler> _logger;

    public MetricsSampler(ConnectorOptions options, IServiceProvider services, IEnumerable<IStandaloneRequestList> queues, TimeProvider time, ILogger<MetricsSampler> logger)
    {
        (_options, _services, _queueLists, _time, _logger) = (options, services, [.. queues], time, logger);
        _meter.CreateObservableGauge("certconnector.queue.requests", () => _queues.Select(q =>
                new Measurement<long>(q.Value, new("feature", q.Key.Feature), new("state", q.Key.State))),
            description: "Requests in the feature's standalone queue by state: queued (waiting) or leased (handed to an instance, not finished).");
        _meter.CreateObservableGauge("certconnector.shards", () => _shards.Select(s => new Measurement<long>(s.Value.Shards, new KeyValuePair<string, object?>("feature", s.Key))),
            description: "Shards of the feature's request actors hosted on this node.");
        _meter.CreateObservableGauge("certconnector.shard_entities", () => _shards.Select(s => new Measurement<long>(s.Value.Entities, new KeyValuePair<string, object?>("feature", s.Key))),
            description: "Request actors (entities) in the shards hosted on this node.");
        _meter.CreateObservableGauge("certconnector.certificate.expiry", DaysLeft, unit: "d",
            description: "Days until the certificate expires: ca, ra, ocsp-signer (the built-in CA's), connector-key, and ca:NAME / ra:NAME of each upstream CA as its last probe reported them.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Metrics.SampleInterval, _time);
        do
        {
            await SampleAsync(stoppingToken).ConfigureAwait(false);
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SampleAsync(CancellationToken stoppingToken)
    {
        foreach (var queue in _queueLists)
        {
            try
            {
                _queues[(queue.Feature, "queued")] = await queue.CountAsync(QueueStatus.Queued, stoppingToken).ConfigureAwait(false);
                _queues[(queue.Feature, "leased")] = await queue.CountAsync(QueueStatus.Leased, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogDebug("Counting the {Feature} queue for metrics failed: {Error}", queue.Feature, e.Message); // readiness reports the database
            }
        }
        foreach (var feature in _options.EnabledFeatures.Where(f => f.RequestView is not null))
        {
            try
            {
                var state = await feature.RequestView!.Region(_services).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5), stoppingToken)
                    .ConfigureAwait(false);
                _shards[feature.Name] = (state.Shards.Count, state.Shards.Sum(s => s.EntityIds.Count));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogDebug("Reading the {Feature} shard region for metrics failed: {Error}", feature.Name, e.Message);
            }
        }
    }

    private IEnumerable<Measurement<double>> DaysLeft()
    {
        var now = _time.GetUtcNow();
        if (_services.GetService<BuiltInCa>() is not { } ca) return [];
        return CredentialExpiries.Of(ca, _services.GetRequiredService<ConnectorKeyHolder>(), _services.GetRequiredService<CertificateAuthorities>(),
                _services.GetRequiredService<CaCalls>())
            .Where(c => c.NotAfter is not null)
            .Select(c => new Measurement<double>(Math.Round((c.NotAfter!.Value - now).TotalDays, 2), new KeyValuePair<string, object?>("certificate", c.Label)));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
