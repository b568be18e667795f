using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Actors.Scep;
using CertConnector.Host.Admin;

namespace CertConnector.Host.Scep;

/// <summary>What <c>POST /api/v1/scep/challenges</c> takes; <see cref="Ttl"/> like "60m", "2h", "90s" or "01:00:00".</summary>
public sealed record NewScepChallenge(string? Subject, IReadOnlyList<string>? Sans, string? Ttl);

/// <summary>Standalone-mode SCEP administration: mint one-time challenges, read notifications.</summary>
public static class ScepAdminEndpoints
{
    public static IEndpointRouteBuilder MapScepAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/scep/challenges", async (NewScepChallenge body, StandaloneScepChallenges challenges, ScepOptions options, CancellationToken ct) =>
        {
            if (!DistinguishedName.TryParse(body.Subject, out _, out var dnError))
                return Results.BadRequest(new ApiError($"Invalid subject DN: {dnError}", "subject"));
            var sans = new List<SubjectAltName>();
            foreach (var text in body.Sans ?? [])
            {
                if (!SubjectAltName.TryParse(text, out var san))
                    return Results.BadRequest(new ApiError($"Invalid SAN '{text}': use type:value with type one of {string.Join(", ", SubjectAltName.SupportedTypes)}.", "sans"));
                sans.Add(san!);
            }
            var ttl = options.ChallengeTtl;
            if (body.Ttl is { Length: > 0 } && !TryParseDuration(body.Ttl, out ttl))
                return Results.BadRequest(new ApiError($"Invalid ttl '{body.Ttl}': use e.g. 60m, 2h, 90s.", "ttl"));
            if (ttl <= TimeSpan.Zero || ttl > TimeSpan.FromDays(30))
                return Results.BadRequest(new ApiError("ttl must be between 1 second and 30 days.", "ttl"));
            MintedChallenge minted;
            try
            {
                minted = await challenges.MintAsync(body.Subject!.Trim(), sans, ttl, ct);
            }
            catch (ArgumentException e) // e.g. a SAN value the store cannot normalise (ip:300.1.1.1)
            {
                return Results.BadRequest(new ApiError(e.Message, "sans"));
            }
            return Results.Ok(new { challenge = minted.Challenge, expiresAt = minted.ExpiresAt, subject = body.Subject.Trim(), sans = sans.Select(s => s.ToString()) });
        });

        app.MapGet("/api/v1/scep/challenges", async (int? limit, StandaloneScepChallenges challenges, CancellationToken ct) =>
            Results.Ok(await challenges.ListChallengesAsync(Math.Clamp(limit ?? 100, 1, 1000), ct)));

        app.MapGet("/api/v1/scep/notifications", async (int? limit, StandaloneScepNotifications notifications, CancellationToken ct) =>
            Results.Ok((await notifications.ListAsync(Math.Clamp(limit ?? 100, 1, 1000), ct)).Select(n => new
            {
                transactionId = n.Notification.TransactionId,
                succeeded = n.Notification.Succeeded,
                serialNumber = n.Notification.CertificateSerialNumber,
                thumbprint = n.Notification.CertificateThumbprint,
                errorDescription = n.Notification.ErrorDescription,
                receivedAt = n.ReceivedAt,
                notifyCount = n.NotifyCount,
            })));
        return app;
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out value) && text.Contains(':')) return true;
        if (text.Length < 2 || !double.TryParse(text[..^1], System.Globalization.CultureInfo.InvariantCulture, out var n)) return false;
        value = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.MinValue,
        };
        return value != TimeSpan.MinValue;
    }
}
