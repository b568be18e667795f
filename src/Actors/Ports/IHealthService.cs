using CertConnector.Actors.Updates;

namespace CertConnector.Actors.Ports;

/// <summary>Successes and failures of one feature's requests since the previous health message.</summary>
public sealed record FeatureCounts(string Feature, int Succeeded, int Failed);

/// <summary>One health message (docs/DESIGN.md §8): who is reporting, what it runs, how it went, the CA's state, and where its version
/// stands against the release feed (<see cref="Lifecycle"/>).</summary>
public sealed record HealthMessage(
    string Instance,
    string Version,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<string> Features,
    IReadOnlyList<FeatureCounts> Counts,
    bool CaReachable,
    int? CaCertificateDaysLeft,
    int? RaCertificateDaysLeft,
    string? CaError = null,
    Lifecycle? Lifecycle = null);

/// <summary>The management service as the health reporter sees it (uploadHealthMessages). Failures are exceptions.</summary>
public interface IHealthService
{
    Task UploadHealthMessagesAsync(IReadOnlyList<HealthMessage> messages, CancellationToken cancellationToken);
}

/// <summary>Whether the CA answers, and when its certificates (and the RA's, if any) expire.</summary>
public sealed record CaHealth(bool Reachable, DateTimeOffset? CaNotAfter, DateTimeOffset? RaNotAfter, string? Error = null);

/// <summary>Asks the CA backend for <see cref="CaHealth"/>; never throws (an error is an unreachable CA).</summary>
public interface ICaHealthProbe
{
    Task<CaHealth> ProbeAsync(CancellationToken cancellationToken);
}
