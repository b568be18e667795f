using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Recrypt;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Recrypt;

/// <summary>The standalone-mode recrypt operations: queue a payload, show it, fetch its result.</summary>
public static class RecryptEndpoints
{
    public static IEndpointRouteBuilder MapRecryptEndpoints(this IEndpointRouteBuilder app)
    {
        var recrypts = app.MapGroup("/api/v1/recrypt/requests");

        recrypts.MapPost("", async (NewRecryptRequest body, StandaloneRecryptQueue queue, TimeProvider time,
            IRequiredActor<RecryptCoordinatorKey> coordinator, CancellationToken ct) =>
        {
            var (request, error) = RecryptFields.Validate(body, time.GetUtcNow());
            if (error is not null) return Results.BadRequest(error);
            if (!await queue.EnqueueAsync(request!, ct))
                return Results.Conflict(new ApiError($"A recrypt request with ID '{request!.RequestId}' already exists.", "requestId"));
            coordinator.ActorRef.Tell(PollNow.Instance);
            return Results.Accepted($"/api/v1/recrypt/requests/{request!.RequestId}", new RequestAccepted(request.RequestId, "Queued"));
        });

        // As for PKCS: a request no queue holds (every one in remote mode) is shown as its actor knows it.
        recrypts.MapGet("/{id}", async (string id, StandaloneRecryptQueue queue, IRequiredActor<RecryptRequestRegion> region, ConnectorOptions options,
            ActorSystem system, CancellationToken ct) =>
            await RequestViews.ShowAsync(system, RecryptHosting.Role, region.ActorRef, RecryptRequestActor.PersistenceIdOf(id), "recrypt request",
                id, await queue.GetAsync(id, ct), options.Service.IsRemote, RecryptRequestDetails.Of, ct));

        recrypts.MapGet("/{id}/result", async (string id, StandaloneRecryptQueue queue, CancellationToken ct) =>
        {
            var record = await queue.GetAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No recrypt request '{id}'."));
            if (record.Result is not { } r)
                return Results.Conflict(new ApiError($"Recrypt request '{id}' has no result yet (queue status {record.Status}); see 'recrypt show {id}'."));
            return Results.Ok(new RecryptResultBody(id, r.Succeeded, r.ErrorCode, r.ErrorMessage, r.EncryptedPayload));
        });

        return app;
    }
}
