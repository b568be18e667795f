using System.Diagnostics.Metrics;

namespace CertConnector.Actors.Metrics;

/// <summary>
/// The connector's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/> (System.Diagnostics.Metrics: the BCL's, no
/// I/O here). The host exports them with OpenTelemetry (Prometheus scrape on the admin listener, optional OTLP); with no exporter
/// listening, recording costs next to nothing. Tags are small fixed sets (feature, stage, outcome, result): never a request ID,
/// subject or anything a requester chooses, so the number of series stays bounded.
/// </summary>
public static class ConnectorMetrics
{
    public const string MeterName = "CertConnector";

    public static Meter Meter { get; } = new(MeterName, typeof(ConnectorMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Requests that reached their end, by feature and outcome (succeeded, failed).</summary>
    public static Counter<long> Requests { get; } = Meter.CreateCounter<long>("certconnector.requests.completed",
        description: "Requests finished (result delivered), by feature and outcome.");

    /// <summary>How long each step of a request took, by feature, stage and outcome (ok, failed).</summary>
    public static Histogram<double> StepDuration { get; } = Meter.CreateHistogram("certconnector.step.duration", unit: "s",
        description: "Duration of one step of a request (issue, upload, verify, ...).", tags: null,
        // Steps take from milliseconds (a built-in CA) to a minute (an upstream CA's time-out); the exporters' default buckets are for milliseconds.
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });

    /// <summary>Failed attempts of a step, by feature, stage and whether it will be retried.</summary>
    public static Counter<long> FailedAttempts { get; } = Meter.CreateCounter<long>("certconnector.attempts.failed",
        description: "Failed attempts of a request step; retryable ones are retried with backoff.");

    /// <summary>Request actors alive on this node, by feature.</summary>
    public static UpDownCounter<long> ActiveRequestActors { get; } = Meter.CreateUpDownCounter<long>("certconnector.request_actors.active",
        description: "Request actors running on this node.");

    /// <summary>Requests a coordinator on this node handed out and has not heard complete (its leases in use), by feature.</summary>
    public static UpDownCounter<long> CoordinatorInFlight { get; } = Meter.CreateUpDownCounter<long>("certconnector.coordinator.in_flight",
        description: "Requests the feature's coordinator on this node holds in flight (bounded by MaxInFlight).");

    /// <summary>SCEP HTTP requests, by operation and result (success, failure, pending for PKIOperation; ok; or http_STATUS).</summary>
    public static Counter<long> ScepRequests { get; } = Meter.CreateCounter<long>("certconnector.scep.requests",
        description: "SCEP requests on the device-facing listener, by operation and result.");

    /// <summary>OCSP HTTP requests, by method and result (successful, unsuccessful, not_modified, too_large).</summary>
    public static Counter<long> OcspRequests { get; } = Meter.CreateCounter<long>("certconnector.ocsp.requests",
        description: "OCSP requests, by HTTP method and result.");

    /// <summary>Health-message uploads to the management service, by result (succeeded, retrying, given_up).</summary>
    public static Counter<long> HealthUploads { get; } = Meter.CreateCounter<long>("certconnector.health.uploads",
        description: "Health-message upload attempts, by result.");

    /// <summary>The outcome tag of a finished request.</summary>
    public static string Outcome(bool succeeded) => succeeded ? "succeeded" : "failed";
}
