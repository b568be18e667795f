using CertConnector.Adapters.Scep;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Metrics;
using CertConnector.Actors.Scep;
using CertConnector.Host.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CertConnector.Host.Scep;

/// <summary>
/// The SCEP listener's routes: <c>/scep</c> and the NDES-compatible <c>/certsrv/mscep/mscep.dll</c>, with
/// <c>operation=</c> GetCACaps, GetCACert, GetNextCACert and PKIOperation (POST, or GET with a base64
/// <c>message</c>). Nothing a device sends yields a 500.
/// </summary>
public static class ScepEndpoints
{
    public static readonly string[] Paths = ["/scep", "/certsrv/mscep/mscep.dll"];

    /// <summary>Retry-After of a 503 when every decode slot is taken: long enough for a flood to pass, short for a device.</summary>
    public const int BusyRetryAfterSeconds = 5;

    // Method, path, operation and any other parameters around the message: Kestrel's own default line limit.
    private const int RequestLineOverhead = 8 * 1024;

    /// <summary>
    /// Lets a PKIOperation by GET be as large as <see cref="ScepOptions.MaxBodyBytes"/> allows by POST
    /// (certmonger sends every PKIOperation by GET: a 4096-bit renewal with 12 SANs is 8.5 KB of URL, over
    /// Kestrel's default 8 KB request line). The line must hold the base64 of MaxBodyBytes (4/3 of it) with
    /// every character percent-escaped in the worst case (+ / = become %2B %2F %3D: three times), plus the
    /// rest of the line. Kestrel's limits are server-wide, so the admin listener gets the same line limit;
    /// only HTTP/1.1 is served on these plain-http listeners, so no HTTP/2 header limit is raised. A message
    /// over MaxBodyBytes inside this line gets a logged 414 from <see cref="DecodeGetMessage"/>; only a line
    /// longer still is refused by Kestrel itself (also 414, in Kestrel's debug log only).
    /// </summary>
    public static void ApplyKestrelLimits(KestrelServerOptions kestrel, ScepOptions options)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled) return;
        var line = MaxRequestLineBytes(options.MaxBodyBytes);
        kestrel.Limits.MaxRequestLineSize = Math.Max(kestrel.Limits.MaxRequestLineSize, line);
        // Kestrel refuses to start when its per-connection buffer is smaller than the request line.
        if (kestrel.Limits.MaxRequestBufferSize is { } buffer && buffer < line) kestrel.Limits.MaxRequestBufferSize = line;
    }

    /// <summary>The longest base64 <c>message</c> (line breaks removed) a GET may carry: the base64 of MaxBodyBytes.</summary>
    public static long MaxGetMessageChars(int maxBodyBytes) => ((long)Math.Max(0, maxBodyBytes) + 2) / 3 * 4;

    /// <summary>The request line that carries the largest allowed GET message, all of it percent-escaped.</summary>
    public static int MaxRequestLineBytes(int maxBodyBytes) => (int)Math.Min(int.MaxValue, 3 * MaxGetMessageChars(maxBodyBytes) + RequestLineOverhead);

    public static IEndpointRouteBuilder MapScepEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var path in Paths)
        {
            app.MapGet(path, Handle).RequireListener(Listeners.Device);
            app.MapPost(path, Handle).RequireListener(Listeners.Device);
        }
        return app;
    }

    private static async Task Handle(HttpContext context, IScepRaCredentials ca, ScepOperationHandler handler, ScepOptions options, IConnectorEventLog log,
        ILoggerFactory loggers)
    {
        ScepReply reply;
        try
        {
            reply = await ReplyAsync(context, ca, handler, options, log);
        }
        catch (ScepBusyException e)
        {
            // Refused before any RSA work; the device retries later, as RFC 8894 §4.1 lets a server ask with 503.
            log.Write(ConnectorEvents.ScepVerifyFailure, null, $"A PKIOperation from {CallerInfo(context)} was refused (503): {e.Message}",
                ("httpStatus", 503));
            context.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            reply = ScepReply.Error(StatusCodes.Status503ServiceUnavailable,
                $"The SCEP service is busy ({e.Message}; Connector:Scep:MaxConcurrentOperations, MaxQueuedOperations); try again in {BusyRetryAfterSeconds} s.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Our failure, not the device's: say so without a stack trace, and keep serving.
            loggers.CreateLogger("Scep").LogError(e, "SCEP request failed inside the connector");
            reply = ScepReply.Error(StatusCodes.Status503ServiceUnavailable, "The SCEP service could not process the request; try again later.");
        }
        ConnectorMetrics.ScepRequests.Add(1, new("operation", OperationTag(context)),
            new("result", reply.PkiStatus ?? (reply.Status == StatusCodes.Status200OK ? "ok" : $"http_{reply.Status}")));
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        context.Response.ContentLength = reply.Body.Length;
        await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
    }

    /// <summary>The operation as a metric tag: one of the four known names, or "other" (a device's own spelling never becomes a series).</summary>
    private static string OperationTag(HttpContext context) => context.Request.Query["operation"].ToString().ToLowerInvariant() switch
    {
        "getcacaps" => "GetCACaps",
        "getcacert" => "GetCACert",
        "getnextcacert" => "GetNextCACert",
        "pkioperation" => "PKIOperation",
        _ => "other",
    };

    private static async Task<ScepReply> ReplyAsync(HttpContext context, IScepRaCredentials ca, ScepOperationHandler handler, ScepOptions options,
        IConnectorEventLog log)
    {
        var operation = context.Request.Query["operation"].ToString();
        switch (operation.ToLowerInvariant())
        {
            case "getcacaps":
                return new ScepReply(200, ScepCapabilities.Body(), ScepCapabilities.ContentType);
            case "getcacert":
                var caCert = ScepCaCertResponse.GetCaCert(ca.CaCertificate, ca.RaCertificate, ca.CaChain.Skip(1));
                return new ScepReply(200, caCert.Body, caCert.ContentType);
            case "getnextcacert":
                var next = ca.NextCaCertResponse();
                return new ScepReply(200, next.Body, next.ContentType);
            case "pkioperation":
                var body = HttpMethods.IsPost(context.Request.Method)
                    ? await ReadBodyAsync(context, options.MaxBodyBytes)
                    : DecodeGetMessage(context.Request.Query["message"].ToString(), options.MaxBodyBytes);
                if (body.Error is not null)
                {
                    if (body.Error.Status == StatusCodes.Status414UriTooLong)
                        log.Write(ConnectorEvents.ScepVerifyFailure, null,
                            $"A PKIOperation by GET from {CallerInfo(context)} was refused (414): {System.Text.Encoding.UTF8.GetString(body.Error.Body).Trim()}",
                            ("httpStatus", 414));
                    return body.Error;
                }
                return await handler.HandleAsync(body.Bytes!, CallerInfo(context), context.RequestAborted);
            default:
                return ScepReply.Error(400, $"Unknown or missing operation '{operation}'. Supported: GetCACaps, GetCACert, GetNextCACert, PKIOperation.");
        }
    }

    private static async Task<(byte[]? Bytes, ScepReply? Error)> ReadBodyAsync(HttpContext context, int max)
    {
        if (context.Request.ContentLength > max) return (null, TooLarge(max));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max) return (null, TooLarge(max));
            buffer.Write(chunk, 0, read);
        }
        return buffer.Length == 0 ? (null, ScepReply.Error(400, "Empty PKIOperation body.")) : (buffer.ToArray(), null);
    }

    /// <summary>
    /// GET carries the pkiMessage as base64 in <c>message</c>. Clients differ: some leave <c>+</c> and
    /// <c>/</c> unescaped (a query parser turns <c>+</c> into a space), some use base64url, some break lines.
    /// A message longer than the base64 of <paramref name="max"/> bytes is 414 URI Too Long.
    /// </summary>
    public static (byte[]? Bytes, ScepReply? Error) DecodeGetMessage(string message, int max)
    {
        if (message.Length == 0) return (null, ScepReply.Error(400, "PKIOperation by GET needs a 'message' parameter."));
        var text = new string(message.Where(c => c is not ('\r' or '\n')).Select(c => c switch { ' ' => '+', '-' => '+', '_' => '/', _ => c }).ToArray());
        if (text.Length > MaxGetMessageChars(max))
            return (null, ScepReply.Error(StatusCodes.Status414UriTooLong,
                $"The GET message is {text.Length} characters of base64; at most {MaxGetMessageChars(max)} ({max} bytes, MaxBodyBytes) are accepted. Send larger messages by POST."));
        text = text.TrimEnd('=');
        text += new string('=', (4 - text.Length % 4) % 4);
        try
        {
            return (Convert.FromBase64String(text), null);
        }
        catch (FormatException)
        {
            return (null, ScepReply.Error(400, "The 'message' parameter is not base64."));
        }
    }

    private static ScepReply TooLarge(int max) => ScepReply.Error(StatusCodes.Status413PayloadTooLarge, $"PKIOperation bodies are limited to {max} bytes.");

    private static string CallerInfo(HttpContext context) =>
        $"{context.Connection.RemoteIpAddress}; {context.Request.Headers.UserAgent}".TrimEnd(' ', ';');
}
