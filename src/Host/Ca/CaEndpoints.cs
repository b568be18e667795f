using System.Globalization;
using CertConnector.Actors.Common;
using CertConnector.Actors.Metrics;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Revocation;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;
using Microsoft.AspNetCore.Http.Features;

namespace CertConnector.Host.Ca;

/// <summary>What <c>POST /api/v1/ca/revoke</c> takes: a serial in hex and an RFC 5280 reason name (default unspecified).</summary>
public sealed record CaRevokeRequest(string? Serial, string? Reason);

/// <summary>What it answers: the normalized serial and <c>Revoked</c> or <c>AlreadyRevoked</c>.</summary>
public sealed record CaRevokeResult(string SerialNumber, string Result, string Reason);

/// <summary>
/// Revocation status for relying parties on the device-facing listener (<c>/crl/&lt;ca&gt;.crl</c>, <c>/crl/ca.crl</c>,
/// <c>/ocsp</c> by GET and POST), and for the operator on the admin API (<c>GET /api/v1/ca/crl</c>, and
/// <c>POST /api/v1/ca/revoke</c>: a direct revocation at the CA, without a tracked request).
/// </summary>
public static class CaEndpoints
{
    public const string CrlContentType = "application/pkix-crl";
    public const string OcspResponseContentType = "application/ocsp-response";

    public static IEndpointRouteBuilder MapCaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/crl/{name}", ["GET", "HEAD"], (string name, HttpContext context, ICrlSource ca) => ServeCrl(name, context, ca))
            .RequireListener(Listeners.Device);
        app.MapPost("/ocsp", async (HttpContext context, OcspResponder responder) =>
        {
            var body = await ReadBodyAsync(context.Request, OcspResponder.MaxRequestBytes + 1);
            if (body.Length > OcspResponder.MaxRequestBytes)
            {
                CountOcsp(context, "too_large");
                return Results.Text($"OCSP requests are limited to {OcspResponder.MaxRequestBytes} bytes.\n", statusCode: 413);
            }
            return Ocsp(context, responder.Respond(body), cacheable: false);
        }).RequireListener(Listeners.Device);
        // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}. The raw target is read
        // because routing decodes %2F to '/' inconsistently, and base64 holds '/'.
        app.MapGet("/ocsp/{**request}", (HttpContext context, OcspResponder responder) =>
            Ocsp(context, responder.Respond(DecodeGetRequest(context)), cacheable: true)).RequireListener(Listeners.Device);

        app.MapGet("/api/v1/ca/crl", (ICrlSource ca) => Results.Text(ca.CurrentCrl().Pem, "application/x-pem-file"));
        app.MapPost("/api/v1/ca/revoke", async (CaRevokeRequest body, ICertificateRevoker revoker, IIssuingCaLookup issuers, CertificateAuthorities cas,
            CancellationToken ct) =>
        {
            if (CertificateIds.NormalizeSerial(body.Serial) is not { } serial)
                return Results.BadRequest(new ApiError($"'{body.Serial}' is not a certificate serial number: hex, e.g. 1A2B3C.", "serial"));
            var reason = RevocationReason.Unspecified;
            if (body.Reason is { Length: > 0 } && !RevocationReasons.TryParse(body.Reason, out reason))
                return Results.BadRequest(new ApiError($"Unknown reason '{body.Reason}'. Known: {string.Join(", ", RevocationReasons.Names)}.", "reason"));
            try
            {
                var result = await revoker.RevokeAsync(serial, reason, ct);
                return Results.Ok(new CaRevokeResult(serial, result.ToString(), RevocationReasons.Name(reason)));
            }
            catch (ConnectorFailureException e) when (e.Code == ICertificateRevoker.NotFoundCode)
            {
                // The built-in CA's own command; a certificate another configured CA issued is revoked by a revocation request, routed there.
                return await issuers.IssuingCaOfAsync(serial, ct) is { } ca && cas.Find(ca) is { IsBuiltIn: false } other
                    ? Results.Conflict(new ApiError($"Certificate {serial} was issued by the CA '{other.Name}' (type {other.Type}), not the built-in CA. " +
                        $"Use 'certconnector revocation request --serial {serial}', which goes to that CA " +
                        "(an upstream SCEP CA cannot revoke through SCEP: revoke it at that CA, docs/CAS.md).", "serial"))
                    : Results.NotFound(new ApiError(e.Message, "serial"));
            }
        });
        return app;
    }

    private static IResult ServeCrl(string name, HttpContext context, ICrlSource ca)
    {
        if (!name.Equals(ca.CrlFileName + ".crl", StringComparison.OrdinalIgnoreCase) && !name.Equals("ca.crl", StringComparison.OrdinalIgnoreCase))
            return Results.Text($"No CRL named '{name}'. This CA publishes /crl/{ca.CrlFileName}.crl (also /crl/ca.crl).\n", statusCode: 404);
        var crl = ca.CurrentCrl();
        var etag = $"\"crl-{crl.Number}\"";
        var headers = context.Response.Headers;
        headers.ETag = etag;
        headers.LastModified = crl.ThisUpdate.ToString("R", CultureInfo.InvariantCulture);
        headers.Expires = crl.NextUpdate.ToString("R", CultureInfo.InvariantCulture);
        // Caches keep it until we would re-issue it anyway (half its life); a revocation in between is seen at the next fetch after that.
        headers.CacheControl = $"public, no-transform, max-age={MaxAge(crl.RefreshAt)}";
        if (context.Request.Headers.IfNoneMatch.Contains(etag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(crl.Der, CrlContentType);
    }

    private static void CountOcsp(HttpContext context, string result) =>
        ConnectorMetrics.OcspRequests.Add(1, new("method", HttpMethods.IsPost(context.Request.Method) ? "post" : "get"), new("result", result));

    private static IResult Ocsp(HttpContext context, OcspAnswer answer, bool cacheable)
    {
        var headers = context.Response.Headers;
        if (cacheable && answer.Cacheable)
        {
            // RFC 5019 6.2: max-age not beyond nextUpdate; we re-sign at half the validity, so caches refetch then.
            headers.CacheControl = $"public, no-transform, must-revalidate, max-age={MaxAge(answer.ThisUpdate + (answer.NextUpdate - answer.ThisUpdate) / 2)}";
            headers.LastModified = answer.ThisUpdate.ToString("R", CultureInfo.InvariantCulture);
            headers.Expires = answer.NextUpdate.ToString("R", CultureInfo.InvariantCulture);
            headers.ETag = answer.ETag;
            if (context.Request.Headers.IfNoneMatch.Contains(answer.ETag))
            {
                CountOcsp(context, "not_modified");
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }
        }
        else headers.CacheControl = "no-store";
        CountOcsp(context, answer.Successful ? "successful" : "unsuccessful");
        return Results.Bytes(answer.Body, OcspResponseContentType);
    }

    /// <summary>The DER request from the path after /ocsp/: percent-decoded, base64 or base64url, '+' turned to ' ' by some clients tolerated.</summary>
    public static byte[] DecodeGetRequest(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = raw.IndexOf('?');
        if (query >= 0) raw = raw[..query];
        var start = raw.IndexOf("/ocsp/", StringComparison.OrdinalIgnoreCase);
        if (start < 0) return [];
        // Base64 of the largest request accepted, with room for padding and whitespace; percent-encoding at most triples it.
        var maxBase64 = (OcspResponder.MaxRequestBytes + 2) / 3 * 4 + 8;
        if (raw.Length - start > 3 * maxBase64 + "/ocsp/".Length) return [];
        var text = Uri.UnescapeDataString(raw[(start + "/ocsp/".Length)..]);
        if (text.Length > maxBase64) return [];
        text = new string(text.Where(c => !char.IsWhiteSpace(c) || c == ' ').Select(c => c switch { ' ' => '+', '-' => '+', '_' => '/', _ => c }).ToArray()).TrimEnd('=');
        text += new string('=', (4 - text.Length % 4) % 4);
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static long MaxAge(DateTimeOffset until) => Math.Max(0, (long)(until - DateTimeOffset.UtcNow).TotalSeconds);

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < limit && (read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0) buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }
}
