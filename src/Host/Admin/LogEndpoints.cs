using System.Globalization;
using CertConnector.Actors.Logging;
using CertConnector.Adapters.Logging;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin;

/// <summary>The Debug switches as they are now.</summary>
public sealed record LogDebugSwitches(bool Admin, bool Operational);

/// <summary>What <c>PUT /api/v1/logs/debug</c> takes: a channel and whether its Debug events are written.</summary>
public sealed record LogDebugChange(string? Channel, bool? Enabled);

/// <summary>
/// This instance's event log through the admin API (<c>certconnector logs</c>): <c>GET /api/v1/logs</c> reads it back, filtered,
/// bounded (<see cref="EventLogReader"/>); <c>/api/v1/logs/debug</c> shows and flips each channel's Debug switch at once,
/// without a restart.
/// </summary>
public static class LogEndpoints
{
    public static IEndpointRouteBuilder MapLogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/logs", (string? channel, int? id, string? request, string? since, int? limit, string? after, JsonLinesEventLog log, TimeProvider time) =>
        {
            if (channel is not null && !EventLogReader.Channels.Contains(channel.ToLowerInvariant()))
                return Results.BadRequest(new ApiError($"Unknown channel '{channel}'. Known: {string.Join(", ", EventLogReader.Channels)}.", "channel"));
            if (limit is < 1 or > EventLogReader.MaxLimit)
                return Results.BadRequest(new ApiError($"limit must be 1 to {EventLogReader.MaxLimit}.", "limit"));
            DateTimeOffset? from = null;
            if (since is not null)
            {
                if (ParseSince(since, time.GetUtcNow()) is not { } parsed)
                    return Results.BadRequest(new ApiError($"'{since}' is not a time: a duration back from now (90s, 30m, 1h, 2d) or a UTC time (2026-12-07T10:00:00Z).", "since"));
                from = parsed;
            }
            try
            {
                return Results.Ok(new EventLogReader(log.Directory).Read(new EventLogQuery(channel, id, request, from, limit ?? 100, after)));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new ApiError(e.Message, "after"));
            }
        });
        app.MapGet("/api/v1/logs/debug", (JsonLinesEventLog log) => Results.Ok(Switches(log)));
        app.MapPut("/api/v1/logs/debug", (LogDebugChange body, JsonLinesEventLog log) =>
        {
            if (body.Channel?.ToLowerInvariant() is not ("admin" or "operational") || body.Enabled is not { } enabled)
                return Results.BadRequest(new ApiError("Give channel (admin or operational) and enabled (true or false).", body.Channel is null ? "channel" : "enabled"));
            log.SetDebug(body.Channel.Equals("admin", StringComparison.OrdinalIgnoreCase) ? EventChannel.Admin : EventChannel.Operational, enabled);
            return Results.Ok(Switches(log));
        });
        return app;
    }

    private static LogDebugSwitches Switches(JsonLinesEventLog log) => new(log.IsDebugEnabled(EventChannel.Admin), log.IsDebugEnabled(EventChannel.Operational));

    /// <summary>90s, 30m, 1h, 2d back from <paramref name="now"/>, or a time with its offset.</summary>
    public static DateTimeOffset? ParseSince(string text, DateTimeOffset now)
    {
        text = text.Trim();
        if (text.Length >= 2 && long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 3650L * 24 * 3600)
        {
            TimeSpan? back = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(Math.Min(n, 3650)),
                _ => null,
            };
            if (back is { } b) return now - b;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }
}
