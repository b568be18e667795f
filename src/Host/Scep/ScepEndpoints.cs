using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Scep;
using CertConnector.Actors.Scep;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Scep;

/// <summary>
/// The SCEP listener's routes: <c>/scep</c> and the NDES-compatible <c>/certsrv/mscep/mscep.dll</c>, with
/// <c>operation=</c> GetCACaps, GetCACert, GetNextCACert and PKIOperation (POST, or GET with a base64
/// <c>message</c>). Nothing a device sends yields a 500.
/// </summary>
public static class ScepEndpoints
{
    public static readonly string[] Paths = ["/scep", "/certsrv/mscep/mscep.dll"];

    public static IEndpointRouteBuilder MapScepEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var path in Paths)
        {
            app.MapGet(path, Handle).RequireListener(Listeners.Scep);
            app.MapPost(path, Handle).RequireListener(Listeners.Scep);
        }
        return app;
    }

    private static async Task Handle(HttpContext context, BuiltInCa ca, ScepOperationHandler handler, ScepOptions options, ILoggerFactory loggers)
    {
        ScepReply reply;
        try
        {
            reply = await ReplyAsync(context, ca, handler, options);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Our failure, not the device's: say so without a stack trace, and keep serving.
            loggers.CreateLogger("Scep").LogError(e, "SCEP request failed inside the connector");
            reply = ScepReply.Error(StatusCodes.Status503ServiceUnavailable, "The SCEP service could not process the request; try again later.");
        }
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        context.Response.ContentLength = reply.Body.Length;
        await context.Response.Body.WriteAsync(reply.Body, context.RequestAborted);
    }

    private static async Task<ScepReply> ReplyAsync(HttpContext context, BuiltInCa ca, ScepOperationHandler handler, ScepOptions options)
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
                // No CA rollover is scheduled: the next CA is the current one, signed by the current CA key (RFC 8894 4.7).
                var next = ScepCaCertResponse.GetNextCaCert([ca.CaCertificate, ca.RaCertificate], ca.CaCertificate, ca.CaPrivateKey);
                return new ScepReply(200, next.Body, next.ContentType);
            case "pkioperation":
                var body = HttpMethods.IsPost(context.Request.Method)
                    ? await ReadBodyAsync(context, options.MaxBodyBytes)
                    : DecodeGetMessage(context.Request.Query["message"].ToString(), options.MaxBodyBytes);
                if (body.Error is not null) return body.Error;
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
    /// <c>/</c> unescaped (a query parser turns <c>+</c> into a space), some use base64url.
    /// </summary>
    public static (byte[]? Bytes, ScepReply? Error) DecodeGetMessage(string message, int max)
    {
        if (message.Length == 0) return (null, ScepReply.Error(400, "PKIOperation by GET needs a 'message' parameter."));
        if (message.Length > max * 4 / 3 + 4) return (null, TooLarge(max));
        var text = new string(message.Where(c => c is not ('\r' or '\n')).Select(c => c switch { ' ' => '+', '-' => '+', '_' => '/', _ => c }).ToArray());
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
