using System.Globalization;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Actors.Scep;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Scep;

/// <summary>Standalone-mode SCEP administration: mint one-time challenges, read notifications.</summary>
public static class ScepAdminEndpoints
{
    public static IEndpointRouteBuilder MapScepAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/scep/challenges", async (NewScepChallenge body, IScepChallengeIssuer challenges, ScepOptions options, ConnectorOptions connector,
            CertificateAuthorities cas, CancellationToken ct) =>
        {
            // Pinned now (SCEP's own CA setting or the default too), so the enrollment goes where it was meant to even if the settings
            // change before the device comes.
            if (cas.Find(string.IsNullOrWhiteSpace(body.Ca) ? options.Ca : body.Ca) is not { } ca)
                return Results.BadRequest(new ApiError($"Unknown CA '{body.Ca}'. Configured: {string.Join(", ", cas.All.Select(c => c.Name))}.", "ca"));
            if (SubjectFields.Check(body.Subject, body.Sans, connector.Admin, out var sans) is { } fieldError)
                return Results.BadRequest(fieldError);
            var ttl = options.ChallengeTtl;
            if (body.Ttl is { Length: > 0 } && !TryParseDuration(body.Ttl, out ttl))
                return Results.BadRequest(new ApiError($"Invalid ttl '{body.Ttl}': use e.g. 60m, 2h, 90s.", "ttl"));
            if (ttl <= TimeSpan.Zero || ttl > TimeSpan.FromDays(30))
                return Results.BadRequest(new ApiError("ttl must be between 1 second and 30 days.", "ttl"));
            MintedChallenge minted;
            try
            {
                minted = await challenges.MintAsync(body.Subject!.Trim(), sans, ttl, ct, ca.Name);
            }
            catch (ArgumentException e) // the store re-checks subject and SANs; SubjectFields should have refused first
            {
                return Results.BadRequest(new ApiError(e.Message, e.ParamName == "subjectName" ? "subject" : "sans"));
            }
            return Results.Ok(new ScepChallengeMinted(minted.Challenge, minted.ExpiresAt, body.Subject.Trim(), sans.Select(s => s.ToString()).ToList(), ca.Name));
        });

        app.MapGet("/api/v1/scep/challenges", async (int? limit, IScepChallengeIssuer challenges, CancellationToken ct) =>
            Results.Ok(await challenges.ListChallengesAsync(Math.Clamp(limit ?? 100, 1, 1000), ct)));

        app.MapGet("/api/v1/scep/notifications", async (int? limit, IScepNotificationLog notifications, CancellationToken ct) =>
            Results.Ok((await notifications.ListAsync(Math.Clamp(limit ?? 100, 1, 1000), ct)).Select(ScepNotificationSummary.Of)));
        return app;
    }

    /// <summary>Reads "90s", "60m", "2h", "7d" or "hh:mm:ss"; false for anything else, including NaN, infinities and overflow.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.Contains(':')) return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
        var unit = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        // TimeSpan.FromX throws for NaN and for values beyond ~29,000 years; refuse those instead.
        if (unit == TimeSpan.Zero || !double.IsFinite(n) || Math.Abs(n) * unit.Ticks >= TimeSpan.MaxValue.Ticks) return false;
        value = TimeSpan.FromTicks((long)(n * unit.Ticks));
        return true;
    }
}
