using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Health;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin;

/// <summary>
/// The <c>service</c> part of <c>GET /api/v1/status</c>: the service mode; in remote mode the service's addresses (without any user
/// information or query: nothing secret) and how this instance's last health message went (<see cref="HealthOutcome"/>).
/// </summary>
/// <param name="HealthNote">why <see cref="LastHealth"/> is empty, when it is.</param>
public sealed record ServiceStatus(string Mode, string? DiscoveryUrl, string? PkiBaseUri, string? ScepBaseUri, HealthOutcome? LastHealth, string? HealthNote);

public static class ServiceStatusView
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static async Task<ServiceStatus> OfAsync(ConnectorOptions options, ActorSystem system, CancellationToken ct)
    {
        var service = options.Service;
        if (!service.IsRemote)
            return new("standalone", null, null, null, null, "Standalone mode: there is no management service to send health messages to.");
        var (last, note) = await LastHealthAsync(system, service, ct);
        return new("remote", Public(service.DiscoveryUrl), Public(service.PkiBaseUri), Public(service.ScepBaseUri), last, note);
    }

    private static async Task<(HealthOutcome?, string?)> LastHealthAsync(ActorSystem system, ServiceSettings service, CancellationToken ct)
    {
        if (!ActorRegistry.For(system).TryGet<HealthReporterKey>(out var reporter))
            return (null, "The health reporter is not running yet.");
        try
        {
            var answer = await reporter.Ask<LastHealthOutcome>(GetHealthOutcome.Instance, AskTimeout, ct);
            return answer.Outcome is { } o
                ? (o, null)
                : (null, $"No health message tried yet: the first goes {service.Health.Interval} after the start (Connector:Service:Health:Interval).");
        }
        catch (AskTimeoutException)
        {
            return (null, $"The health reporter did not answer within {AskTimeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>The address without user information or query, which could carry a credential.</summary>
    private static string? Public(string? url) =>
        url is { Length: > 0 } && Uri.TryCreate(url, UriKind.Absolute, out var u)
            ? new UriBuilder(u) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.ToString()
            : null;
}
