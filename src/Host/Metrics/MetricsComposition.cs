using CertConnector.Actors.Metrics;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CertConnector.Host.Metrics;

/// <summary>
/// The connector's meter exported with OpenTelemetry: a Prometheus scrape endpoint on the admin listener (<c>/metrics</c>, behind the
/// admin token unless <c>Connector:Metrics:AllowAnonymousScrape</c>) and, when <c>Connector:Metrics:OtlpEndpoint</c> is set, OTLP.
/// </summary>
public static class MetricsComposition
{
    public const string ScrapePath = "/metrics";

    /// <summary>How long one scrape's text is served again (the exporter's own cache): a flood of scrapes costs one collection per second.</summary>
    private const int ScrapeCacheMilliseconds = 1000;

    public static IServiceCollection AddConnectorMetrics(this IServiceCollection services, ConnectorOptions options)
    {
        var settings = options.Metrics;
        var otlp = settings.CheckedOtlpEndpoint();
        services.AddSingleton<MetricsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsSampler>());
        if (!settings.Prometheus && otlp is null) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("certconnector", serviceVersion: AdminEndpoints.Version, serviceInstanceId: options.Instance,
                autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ConnectorMetrics.MeterName);
                if (settings.Prometheus) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = ScrapeCacheMilliseconds);
                if (otlp is not null)
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = otlp;
                        exporter.Protocol = string.Equals(settings.OtlpProtocol, MetricsSettings.HttpProtobuf, StringComparison.OrdinalIgnoreCase)
                            ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.OtlpExportInterval.TotalMilliseconds;
                    });
            });
        return services;
    }

    /// <summary><c>/metrics</c> on the admin listener only (elsewhere nothing answers it), the admin token checked first unless anonymous
    /// scrapes are allowed.</summary>
    public static WebApplication UseConnectorMetrics(this WebApplication app, ConnectorOptions options)
    {
        if (!options.Metrics.Prometheus) return app;
        var anonymous = options.Metrics.AllowAnonymousScrape;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null,
            predicate: context => context.Request.Path == ScrapePath && Listeners.Of(context) == Listeners.Admin, path: ScrapePath,
            configureBranchedPipeline: branch => branch.Use(async (context, next) =>
            {
                if (anonymous || context.RequestServices.GetRequiredService<AdminToken>().IsPresentedIn(context.Request)) await next(context);
                else await AdminAuthentication.RefuseAsync(context);
            }),
            optionsName: null);
        return app;
    }
}
