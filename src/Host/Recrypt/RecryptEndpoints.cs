using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Recrypt;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;

namespace CertConnector.Host.Recrypt;

/// <summary>The standalone-mode recrypt operations: queue a payload, show it, fetch its result.</summary>
public static class RecryptEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

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

        recrypts.MapGet("/{id}", async (string id, StandaloneRecryptQueue queue, IRequiredActor<RecryptRequestRegion> region, CancellationToken ct) =>
        {
            var record = await queue.GetAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No recrypt request '{id}'."));
            var view = await region.ActorRef.Ask<RecryptRequestView>(new GetRecryptRequest(id), AskTimeout, ct);
            return Results.Ok(new RecryptRequestDetails(id, record.Status.ToString(), view.Exists ? view.Status : "NotDownloaded", record.EnqueuedAt,
                view.Attempts, view.NextAttemptAt, view.Failure, view.FailedStage, record.Result?.ErrorCode ?? view.Failure?.Code, view.ResultUploaded,
                record.UploadCount, view.History));
        });

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
