using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.PkcsImport;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.PkcsImport;

/// <summary>The standalone-mode PKCS import operations: queue an import, show it, fetch its result.</summary>
public static class PkcsImportEndpoints
{
    public static IEndpointRouteBuilder MapPkcsImportEndpoints(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/v1/pkcs-import/requests");

        imports.MapPost("", async (NewPkcsImportRequest body, StandalonePkcsImportQueue queue, TimeProvider time, PfxLimits limits,
            IRequiredActor<PkcsImportCoordinatorKey> coordinator, CancellationToken ct) =>
        {
            var (request, error) = PkcsImportFields.Validate(body, time.GetUtcNow(), limits); // the limits the connector-key cipher applies too
            if (error is not null) return Results.BadRequest(error);
            if (!await queue.EnqueueAsync(request!, ct))
                return Results.Conflict(new ApiError($"An import with ID '{request!.RequestId}' already exists.", "requestId"));
            coordinator.ActorRef.Tell(PollNow.Instance);
            return Results.Accepted($"/api/v1/pkcs-import/requests/{request!.RequestId}", new RequestAccepted(request.RequestId, "Queued"));
        });

        // As for PKCS: an import no queue holds (every one in remote mode) is shown as its actor knows it.
        imports.MapGet("/{id}", async (string id, StandalonePkcsImportQueue queue, IRequiredActor<PkcsImportRequestRegion> region, ConnectorOptions options,
            ActorSystem system, CancellationToken ct) =>
            await RequestViews.ShowAsync(system, PkcsImportHosting.Role, region.ActorRef, PkcsImportRequestActor.PersistenceIdOf(id), "import request",
                id, await queue.GetAsync(id, ct), options.Service.IsRemote, PkcsImportRequestDetails.Of, ct));

        imports.MapGet("/{id}/result", async (string id, StandalonePkcsImportQueue queue, CancellationToken ct) =>
        {
            var record = await queue.GetAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No import request '{id}'."));
            if (record.Result is not { } r)
                return Results.Conflict(new ApiError($"Import '{id}' has no result yet (queue status {record.Status}); see 'pkcs-import show {id}'."));
            return Results.Ok(new PkcsImportResultBody(id, r.Succeeded, r.ErrorCode, r.ErrorMessage, r.EncryptedPassword));
        });

        return app;
    }
}
