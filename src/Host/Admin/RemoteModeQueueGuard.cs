using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin;

/// <summary>
/// In remote mode the management service feeds the queues: the standalone admin calls that add work (each feature's
/// <see cref="Features.ConnectorFeature.QueueingRoutes"/>) answer 409 saying so, instead of queueing work nobody reports to
/// the service. Reading requests, results, status and the CA stays available.
/// </summary>
public sealed class RemoteModeQueueGuard(RequestDelegate next, ConnectorOptions options)
{
    private readonly string[] _queueingRoutes = [.. options.Features.SelectMany(f => f.QueueingRoutes)];

    public async Task InvokeAsync(HttpContext context)
    {
        if (options.Service.IsRemote && HttpMethods.IsPost(context.Request.Method)
            && _queueingRoutes.Any(r => context.Request.Path.Equals(r, StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.StatusCode = StatusCodes.Status409Conflict;
            await context.Response.WriteAsJsonAsync(new ApiError(
                "This connector runs in service-connected mode (Connector:Service:Mode = remote): the management service feeds the queue, " +
                "so requests cannot be added through the admin API. Queue the request in the management service, or run the connector in standalone mode."));
            return;
        }
        await next(context);
    }
}
