using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Admin;

/// <summary>The admin API's shared routes: CA certificate, request listing, status.</summary>
public static class AdminEndpoints
{
    public static string Version { get; } =
        typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/ca/certificate", (ICertificateAuthority ca) =>
            Results.Text(Pem.Certificates(ca.CaChainDer), "application/x-pem-file"));

        app.MapGet("/api/v1/requests", async (string? feature, string? state, int? limit, StandaloneManagementService queue, CancellationToken ct) =>
        {
            if (feature is { Length: > 0 } && !feature.Equals("pkcs", StringComparison.OrdinalIgnoreCase))
                return Results.BadRequest(new ApiError($"Unknown feature '{feature}'. Known: pkcs.", "feature"));
            if (!StandaloneManagementService.TryParseStatus(state, out var status, out var stateError))
                return Results.BadRequest(new ApiError(stateError, "state"));
            var rows = await queue.ListPkcsRequestsAsync(status, Math.Clamp(limit ?? 100, 1, 1000), ct);
            return Results.Ok(rows.Select(r => new
            {
                feature = "pkcs",
                requestId = r.Request.RequestId,
                state = r.Status.ToString(),
                subject = r.Request.SubjectName,
                enqueuedAt = r.EnqueuedAt,
                errorCode = r.Result?.Result.ErrorCode,
            }));
        });

        app.MapGet("/api/v1/status", (ActorSystem system, ConnectorOptions options) =>
        {
            var cluster = Cluster.Get(system);
            return Results.Ok(new
            {
                instance = options.Instance,
                version = Version,
                self = cluster.SelfAddress.ToString(),
                roles = cluster.SelfRoles,
                members = cluster.State.Members.Select(m => new { address = m.Address.ToString(), status = m.Status.ToString(), roles = m.Roles }),
                unreachable = cluster.State.Unreachable.Select(m => m.Address.ToString()),
            });
        });

        return app;
    }
}
