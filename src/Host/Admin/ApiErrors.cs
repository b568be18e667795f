using System.Text.Json;
using System.Text.RegularExpressions;
using CertConnector.Host.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace CertConnector.Host.Admin;

/// <summary>
/// Every error answer of the admin API is an <see cref="ApiError"/> JSON body: binding failures (malformed or
/// mistyped JSON, invalid UTF-8, wrong content type, a body too large, <c>limit=abc</c>) are 4xx naming the field
/// where one is known, time-outs 503, bugs 500 "Internal error" (details only in the log).
/// </summary>
public static partial class ApiErrors
{
    /// <summary>No admin call needs more: the largest is a PKCS request with a device certificate and the maximum SANs.</summary>
    public const long MaxAdminBodyBytes = 1024 * 1024;

    /// <summary>Call before the endpoints are mapped.</summary>
    public static IApplicationBuilder UseAdminApiErrors(this IApplicationBuilder app)
    {
        // Minimal APIs only say which parameter failed to bind if they throw; otherwise they answer an empty 400.
        // The route data source reads this option once, when the first endpoint is mapped, hence "before".
        app.ApplicationServices.GetRequiredService<IOptions<RouteHandlerOptions>>().Value.ThrowOnBadRequest = true;
        return app.UseMiddleware<ApiErrorMiddleware>();
    }

    /// <summary>The status and body for an exception that escaped an endpoint.</summary>
    public static (int Status, ApiError Error) ForException(Exception error) => error switch
    {
        BadHttpRequestException { InnerException: JsonException json } bad =>
            (bad.StatusCode, new ApiError($"The request body is not valid JSON for this call: {json.Message}", FieldOfJsonPath(json.Path))),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, new ApiError($"The request body is larger than {MaxAdminBodyBytes} bytes.")),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
            (StatusCodes.Status415UnsupportedMediaType, new ApiError("Send the request body as application/json.")),
        BadHttpRequestException bad => (bad.StatusCode, new ApiError($"Bad request: {bad.Message}",
            bad.Message.Contains(" body", StringComparison.Ordinal) ? null : FieldOfMessage(bad.Message))), // the body as a whole is no field
        TaskCanceledException or TimeoutException or Akka.Actor.AskTimeoutException =>
            (StatusCodes.Status503ServiceUnavailable, new ApiError("The connector did not answer in time; try again.")),
        _ => (StatusCodes.Status500InternalServerError, new ApiError("Internal error; see the connector's log.")),
    };

    /// <summary>The body for an error status an endpoint or the framework set without writing one.</summary>
    public static ApiError ForStatus(int status) => new(status switch
    {
        StatusCodes.Status400BadRequest => "Bad request.",
        StatusCodes.Status404NotFound => "No such admin API route.",
        StatusCodes.Status405MethodNotAllowed => "This route does not take that HTTP method.",
        StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {MaxAdminBodyBytes} bytes.",
        StatusCodes.Status415UnsupportedMediaType => "Send the request body as application/json.",
        _ => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase + "." : $"HTTP {status}.",
    });

    /// <summary>"$.sans[3]" → "sans", "$.validityDays" → "validityDays"; the whole body ("$") is no field.</summary>
    public static string? FieldOfJsonPath(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal)) return null;
        var name = path[2..];
        var end = name.IndexOfAny(['.', '[']);
        return end < 0 ? name : end == 0 ? null : name[..end];
    }

    /// <summary>The parameter in ASP.NET's binding messages, e.g. <c>Failed to bind parameter "int? limit" from "abc".</c> → limit.</summary>
    public static string? FieldOfMessage(string message) =>
        ParameterInMessage().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("""parameter "(?:[^"]*\s)?([A-Za-z_][A-Za-z0-9_]*)"[^"]*""")]
    private static partial Regex ParameterInMessage();
}

/// <summary>Turns exceptions into <see cref="ApiError"/> answers everywhere, and fills empty admin-API error answers.</summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var adminApi = context.Request.Path.StartsWithSegments("/api") && Listeners.Of(context) == Listeners.Admin;
        if (adminApi && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = ApiErrors.MaxAdminBodyBytes;
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, error) = ApiErrors.ForException(e);
            // The endpoint name is a route pattern: safe to log, unlike the raw path or body.
            if (status >= 500) logger.LogError(e, "Unhandled error in {Endpoint}", context.GetEndpoint()?.DisplayName ?? "(no endpoint)");
            context.Response.Clear();
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(error);
            return;
        }
        if (adminApi && context.Response.StatusCode >= 400 && !context.Response.HasStarted && !HttpMethods.IsHead(context.Request.Method)
            && !context.RequestAborted.IsCancellationRequested)
            await context.Response.WriteAsJsonAsync(ApiErrors.ForStatus(context.Response.StatusCode));
    }
}
