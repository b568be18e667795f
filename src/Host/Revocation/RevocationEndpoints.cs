using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Revocation;

/// <summary>The standalone-mode revocation operations: queue a revocation (by serial or by PKCS request), show it.</summary>
public static class RevocationEndpoints
{
    public static IEndpointRouteBuilder MapRevocationEndpoints(this IEndpointRouteBuilder app)
    {
        var revocations = app.MapGroup("/api/v1/revocation/requests");

        revocations.MapPost("", async (NewRevocationRequest body, IRevocationQueue queue, IPkcsQueue pkcs, CertificateAuthorities cas,
            IRequiredActor<RevocationCoordinatorKey> coordinator, CancellationToken ct) =>
        {
            string? ca = null;
            if (!string.IsNullOrWhiteSpace(body.Ca))
            {
                if (cas.Find(body.Ca) is not { } named)
                    return Results.BadRequest(new ApiError($"Unknown CA '{body.Ca}'. Configured: {string.Join(", ", cas.All.Select(c => c.Name))}.", "ca"));
                ca = named.Name;
            }
            if (RevocationFields.CheckReason(body.Reason, out var reason) is { } reasonError) return Results.BadRequest(reasonError);
            if (body.RequestId is { } id && !RequestIdRule.IsValid(id)) return Results.BadRequest(new ApiError(RequestIdRule.Description, "requestId"));
            string serial;
            if (body.PkcsRequestId is { Length: > 0 } pkcsId)
            {
                if (body.Serial is { Length: > 0 }) return Results.BadRequest(new ApiError("Give serial or pkcsRequestId, not both.", "serial"));
                var record = await pkcs.GetAsync(pkcsId, ct);
                if (record is null) return Results.NotFound(new ApiError($"No PKCS request '{pkcsId}'.", "pkcsRequestId"));
                if (record.Result is not { Succeeded: true, SerialNumber: { } produced })
                    return Results.Conflict(new ApiError($"PKCS request '{pkcsId}' has produced no certificate (queue status {record.Status}).", "pkcsRequestId"));
                serial = produced;
                ca ??= record.Request.Ca; // the CA that issued it; null for a request queued before CAs had names (the issued store knows)
            }
            else if (RevocationFields.CheckSerial(body.Serial, out serial) is { } serialError) return Results.BadRequest(serialError);

            var request = new RevocationRequest(body.RequestId ?? Guid.NewGuid().ToString(), serial, reason, Ca: ca);
            if (!await queue.EnqueueAsync(request, body.PkcsRequestId, ct))
                return Results.Conflict(new ApiError($"A revocation with ID '{request.RequestId}' already exists.", "requestId"));
            coordinator.ActorRef.Tell(PollNow.Instance); // no need to wait for the next poll
            return Results.Accepted($"/api/v1/revocation/requests/{request.RequestId}", new RequestAccepted(request.RequestId, "Queued"));
        });

        // As for PKCS: a revocation no queue holds (every one in remote mode) is shown as its actor knows it.
        revocations.MapGet("/{id}", async (string id, IRevocationQueue queue, IRequiredActor<RevocationRequestRegion> region, ConnectorOptions options,
            ActorSystem system, CancellationToken ct) =>
            await RequestViews.ShowAsync(system, RevocationHosting.Role, region.ActorRef, RevocationRequestActor.PersistenceIdOf(id), "revocation request",
                id, await queue.GetAsync(id, ct), options.Service.IsRemote, RevocationRequestDetails.Of, ct));

        return app;
    }
}
