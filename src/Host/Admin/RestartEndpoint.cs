using CertConnector.Actors.Logging;

namespace CertConnector.Host.Admin;

/// <summary>Whether the instance was asked to restart (<c>POST /api/v1/restart</c>): its exit code then says so to the service manager.</summary>
public sealed class RestartRequest
{
    /// <summary>EX_TEMPFAIL: not a failure of the connector, but not a stop for good either; the unit's Restart=on-failure starts it again.</summary>
    public const int ExitCode = 75;

    private int _requested;

    public bool Requested => Volatile.Read(ref _requested) == 1;

    /// <returns>False when a restart was asked for already.</returns>
    public bool Request() => Interlocked.Exchange(ref _requested, 1) == 0;
}

/// <summary>What <c>POST /api/v1/restart</c> takes: why, for the log.</summary>
public sealed record RestartBody(string? Reason);

/// <summary>
/// <c>POST /api/v1/restart</c> (<c>certconnector configure</c> after it wrote new settings): the instance answers 202, then stops as on
/// SIGTERM (leaves the cluster, hands its shards over, finishes the steps in flight) and exits with <see cref="RestartRequest.ExitCode"/>,
/// so systemd starts it again with the new settings. Without a service manager the operator starts it again.
/// </summary>
public static class RestartEndpoint
{
    public static IEndpointRouteBuilder MapRestartEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/restart", (RestartBody? body, HttpContext context, RestartRequest restart, IHostApplicationLifetime lifetime, IConnectorEventLog log) =>
        {
            if (restart.Request())
            {
                var reason = string.IsNullOrWhiteSpace(body?.Reason) ? "asked through the admin API" : body.Reason.Trim();
                log.Write(ConnectorInternalEvents.RestartRequested, null,
                    $"Restarting: {(reason.Length > 200 ? reason[..200] : reason)}. Leaving the cluster gracefully; the service manager starts the instance again (exit code {RestartRequest.ExitCode}).");
                // After the answer has gone out: the caller hears 202, not a dropped connection.
                context.Response.OnCompleted(() =>
                {
                    lifetime.StopApplication();
                    return Task.CompletedTask;
                });
            }
            return Results.Accepted(value: new { restarting = true, exitCode = RestartRequest.ExitCode });
        });
        return app;
    }
}
