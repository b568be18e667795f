using CertConnector.Actors.Logging;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Configuration;
using Akka.Actor;
using Microsoft.AspNetCore.Http.Features;

namespace CertConnector.Host.Admin.StatusPage;

/// <summary><c>POST /api/v1/status/signin-codes</c>: a one-time link to the status page, for <c>status --open</c>.</summary>
/// <param name="Path">the link's path on the admin listener, <c>/signin?code=…</c>: the CLI puts its own admin URL in front.</param>
public sealed record SignInLink(string Path, DateTimeOffset ExpiresAt);

/// <summary>
/// The status page on the admin listener (never the device-facing one). A browser signs in with a one-time link or by posting the
/// admin token; either gives a session cookie (HttpOnly, SameSite=Strict, Secure behind https, <see cref="StatusSignIns.SessionLifetime"/>).
/// The token travels only in a POST body, never in a URL, and nothing here logs it or a code. The forms (sign-in, sign-out) are the
/// only state-changing requests: each must come from this page's own origin and carry the anti-forgery value of its form cookie.
/// </summary>
public static class StatusPageEndpoints
{
    public const string SessionCookie = "certconnector_session";
    public const string FormCookie = "certconnector_form";
    public const string SignInCodesRoute = "/api/v1/status/signin-codes";

    /// <summary>The sign-in form is a token and an anti-forgery value.</summary>
    private const long MaxFormBytes = 8 * 1024;

    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder app)
    {
        // Under /api: AdminAuthentication has checked the bearer token already.
        app.MapPost(SignInCodesRoute, (HttpContext http, StatusSignIns signIns, IConnectorEventLog log) =>
        {
            if (signIns.MintCode() is not { } code)
            {
                Refused(log, http, "too many sign-in links outstanding");
                return Results.Json(new ApiError($"{StatusSignIns.MaxCodes} sign-in links are outstanding; use one, or wait {StatusSignIns.CodeLifetime.TotalSeconds:0} s."),
                    statusCode: StatusCodes.Status429TooManyRequests);
            }
            log.Write(ConnectorInternalEvents.StatusPageSignInCodeIssued, null, $"A one-time status page sign-in link was issued, valid until {code.ExpiresAt:u}.",
                ("expiresAt", code.ExpiresAt), ("remote", Remote(http)));
            return Results.Json(new SignInLink($"/signin?code={Uri.EscapeDataString(code.Code)}", code.ExpiresAt), statusCode: StatusCodes.Status201Created);
        });

        app.MapGet("/", async (HttpContext http, StatusSignIns signIns, IServiceProvider services, CancellationToken ct) =>
        {
            if (!signIns.IsSignedIn(http.Request.Cookies[SessionCookie])) return SignInPage(http, null, StatusCodes.Status200OK);
            var model = await StatusPageData.BuildAsync(services, ct);
            return Html(http, StatusPageHtml.Status(model, FormToken(http)), StatusCodes.Status200OK);
        }).RequireListener(Listeners.Admin);

        app.MapGet("/requests/{id}", async (string id, HttpContext http, StatusSignIns signIns, IEnumerable<IStandaloneRequestList> queues,
            IEnumerable<FeatureRequestRegion> regions, ActorSystem system, CancellationToken ct) =>
        {
            if (!signIns.IsSignedIn(http.Request.Cookies[SessionCookie])) return SignInPage(http, null, StatusCodes.Status200OK);
            var regionList = regions.ToList();
            var (found, unanswered) = await AdminEndpoints.FindRequestAsync(id, queues, regionList, system, ct);
            // A request found in its queue comes without its actor's view; the page shows the history too, so it asks the actors.
            if (found.Count > 0 && found.All(f => f.View is null))
            {
                var (known, _) = await RequestViews.AskAllAsync(system, regionList, id, ct);
                found = [.. found.Select(f => known.FirstOrDefault(k => k.View.Feature == f.Feature) is { View: { } v } ? f with { View = RequestViewBody.Of(v) } : f)];
            }
            return Html(http, StatusPageHtml.Request(id, found, unanswered, FormToken(http)), found.Count > 0 ? StatusCodes.Status200OK : StatusCodes.Status404NotFound);
        }).RequireListener(Listeners.Admin);

        app.MapGet("/signin", (string? code, HttpContext http, StatusSignIns signIns, IConnectorEventLog log) =>
        {
            var outcome = signIns.Redeem(code, out var session);
            if (outcome != CodeRedemption.SignedIn)
            {
                Refused(log, http, outcome == CodeRedemption.Expired ? "expired sign-in link" : "unknown or used sign-in link");
                return SignInPage(http, "This sign-in link is unknown, used already or expired. Run certconnector status --open for a new one.",
                    StatusCodes.Status401Unauthorized);
            }
            return SignedIn(http, session!, log, "link");
        }).RequireListener(Listeners.Admin);

        app.MapPost("/signin", async (HttpContext http, StatusSignIns signIns, AdminToken token, IConnectorEventLog log, CancellationToken ct) =>
        {
            if (await CheckedFormAsync(http, log, ct) is not { } form) return SignInPage(http, "The form did not come from this page; sign in again.", StatusCodes.Status403Forbidden);
            if (form["token"].ToString() is not { Length: > 0 } presented || !token.Matches(presented.Trim()))
            {
                Refused(log, http, "wrong admin token");
                return SignInPage(http, "That is not the admin token.", StatusCodes.Status401Unauthorized);
            }
            return SignedIn(http, signIns.StartSession(), log, "token");
        }).RequireListener(Listeners.Admin).DisableAntiforgery();

        app.MapPost("/signout", async (HttpContext http, StatusSignIns signIns, IConnectorEventLog log, CancellationToken ct) =>
        {
            if (await CheckedFormAsync(http, log, ct) is null) return SignInPage(http, "The form did not come from this page.", StatusCodes.Status403Forbidden);
            signIns.SignOut(http.Request.Cookies[SessionCookie]);
            http.Response.Cookies.Delete(SessionCookie, Cookie(http, null));
            return SeeOther(http);
        }).RequireListener(Listeners.Admin).DisableAntiforgery();

        return app;
    }

    private static IResult SignedIn(HttpContext http, string session, IConnectorEventLog log, string method)
    {
        http.Response.Cookies.Append(SessionCookie, session, Cookie(http, StatusSignIns.SessionLifetime));
        log.Write(ConnectorInternalEvents.StatusPageSignedIn, null, $"A browser signed in to the status page ({method}).", ("method", method), ("remote", Remote(http)));
        return SeeOther(http);
    }

    /// <summary>After a sign-in or sign-out the browser loads the page afresh (303: a reload does not post again).</summary>
    private static IResult SeeOther(HttpContext http)
    {
        Harden(http);
        http.Response.Headers.Location = "/";
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>
    /// The posted form, if it is one of this page's: sent by a browser from this origin (its Origin, else Referer, names the host it was
    /// posted to) and carrying the value of the form cookie, which SameSite=Strict keeps from any other site. Null (and logged) otherwise.
    /// </summary>
    private static async Task<IFormCollection?> CheckedFormAsync(HttpContext http, IConnectorEventLog log, CancellationToken ct)
    {
        if (!SameOrigin(http.Request))
        {
            Refused(log, http, "cross-origin form post");
            return null;
        }
        if (!http.Request.HasFormContentType)
        {
            Refused(log, http, "not a form post");
            return null;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = MaxFormBytes;
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(new FormOptions { ValueCountLimit = 8, KeyLengthLimit = 32, ValueLengthLimit = 1024, MultipartBodyLengthLimit = MaxFormBytes }, ct);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            Refused(log, http, "unreadable form");
            return null;
        }
        var cookie = http.Request.Cookies[FormCookie];
        var posted = form["form"].ToString();
        if (cookie is not { Length: > 0 } || posted.Length == 0 || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(cookie), System.Text.Encoding.UTF8.GetBytes(posted)))
        {
            Refused(log, http, "form without its anti-forgery value");
            return null;
        }
        return form;
    }

    /// <summary>Whether the Origin (else the Referer) of a post is the host the browser sent it to.</summary>
    public static bool SameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        var source = origin.Length > 0 ? origin : request.Headers.Referer.ToString();
        if (source.Length == 0 || source == "null" || !Uri.TryCreate(source, UriKind.Absolute, out var uri)) return false;
        var hosts = new[] { request.Host.Value, request.Headers["X-Forwarded-Host"].ToString() }.Where(h => !string.IsNullOrEmpty(h));
        return hosts.Any(h => string.Equals(h, uri.Authority, StringComparison.OrdinalIgnoreCase)
                              || string.Equals(h, $"{uri.Host}:{uri.Port}", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The anti-forgery value of this browser's forms: its form cookie's, or a new one.</summary>
    private static string FormToken(HttpContext http)
    {
        if (http.Request.Cookies[FormCookie] is { Length: > 20 and < 100 } existing) return existing;
        var value = StatusSignIns.NewSecret();
        http.Response.Cookies.Append(FormCookie, value, Cookie(http, null));
        return value;
    }

    private static CookieOptions Cookie(HttpContext http, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        // The listener is plain http; behind a TLS reverse proxy the browser sees https, and the cookie must not leave it.
        Secure = http.Request.IsHttps || string.Equals(http.Request.Headers["X-Forwarded-Proto"].ToString(), "https", StringComparison.OrdinalIgnoreCase),
        Path = "/",
        MaxAge = maxAge,
        IsEssential = true,
    };

    private static IResult SignInPage(HttpContext http, string? error, int status) => Html(http, StatusPageHtml.SignIn(FormToken(http), error), status);

    private static IResult Html(HttpContext http, string html, int status)
    {
        Harden(http);
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    private static void Harden(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = StatusPageHtml.ContentSecurityPolicy;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
    }

    private static void Refused(IConnectorEventLog log, HttpContext http, string reason) =>
        log.Write(ConnectorInternalEvents.StatusPageSignInRefused, null, $"A status page sign-in was refused: {reason}.", ("reason", reason), ("remote", Remote(http)));

    private static string Remote(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
