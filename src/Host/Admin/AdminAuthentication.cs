using System.Security.Cryptography;
using System.Text;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin;

/// <summary>Every <c>/api</c> call needs <c>Authorization: Bearer &lt;token&gt;</c>; the token is compared in
/// constant time. Failures are 401 JSON and never echo what was sent.</summary>
public sealed class AdminAuthentication(RequestDelegate next, AdminToken token)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api") && Listeners.Of(context) != Listeners.Admin)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound; // the admin API does not exist on the device-facing listener
            return;
        }
        if (context.Request.Path.StartsWithSegments("/api") && !token.IsPresentedIn(context.Request))
        {
            await RefuseAsync(context);
            return;
        }
        await next(context);
    }

    /// <summary>401 with the one message every refused call gets (it never echoes what was sent).</summary>
    public static async Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsJsonAsync(new ApiError("Missing or wrong bearer token. The token is in <data-dir>/admin.token."));
    }
}

public sealed class AdminToken(string value)
{
    public byte[] Bytes { get; } = Encoding.UTF8.GetBytes(value);

    /// <summary>Whether <paramref name="request"/> carries <c>Authorization: Bearer</c> with this token.</summary>
    public bool IsPresentedIn(HttpRequest request)
    {
        const string prefix = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && Matches(header[prefix.Length..].Trim());
    }

    /// <summary>Compared in constant time (the bearer header, the status page's sign-in form).</summary>
    public bool Matches(string presented) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Bytes);
}

/// <summary>The body of every 4xx/5xx answer of the admin API.</summary>
public sealed record ApiError(string Error, string? Field = null);
