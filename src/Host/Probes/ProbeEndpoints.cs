namespace CertConnector.Host.Probes;

/// <summary>
/// <c>/healthz</c> (alive: the process answers) and <c>/readyz</c> (ready to take work, see <see cref="Readiness"/>), on every listener and
/// without a token: a load balancer in front of SCEP asks the device-facing listener, an orchestrator the admin one. Neither says anything
/// a stranger could use: check names, pass or fail, and a fixed phrase for the failure.
/// </summary>
public static class ProbeEndpoints
{
    public const string Alive = "/healthz";
    public const string Ready = "/readyz";

    public static IEndpointRouteBuilder MapProbeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Alive, [HttpMethods.Get, HttpMethods.Head], (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new { status = "alive" });
        });
        app.MapMethods(Ready, [HttpMethods.Get, HttpMethods.Head], async (HttpContext context, Readiness readiness) =>
        {
            var report = await readiness.CheckAsync();
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(report, statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
