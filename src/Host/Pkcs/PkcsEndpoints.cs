using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Pkcs;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Pkcs;

/// <summary>The standalone-mode PKCS operations: queue a request, show it, fetch its result.</summary>
public static class PkcsEndpoints
{
    public static IEndpointRouteBuilder MapPkcsEndpoints(this IEndpointRouteBuilder app)
    {
        var pkcs = app.MapGroup("/api/v1/pkcs/requests");

        pkcs.MapPost("", async (NewPkcsRequest body, PkcsRequestValidator validator, IPkcsQueue queue,
            IRequiredActor<PkcsCoordinatorKey> coordinator, CancellationToken ct) =>
        {
            var (request, error) = validator.Validate(body);
            if (error is not null) return Results.BadRequest(error);
            if (!await queue.EnqueuePkcsRequestAsync(request!, ct))
                return Results.Conflict(new ApiError($"A request with ID '{request!.RequestId}' already exists.", "requestId"));
            coordinator.ActorRef.Tell(PollNow.Instance); // no need to wait for the next poll
            return Results.Accepted($"/api/v1/pkcs/requests/{request!.RequestId}", new RequestAccepted(request.RequestId, "Queued"));
        });

        // The queue knows every standalone request; one it does not hold (every request in remote mode) is shown as its actor knows it.
        pkcs.MapGet("/{id}", async (string id, IPkcsQueue queue, IRequiredActor<PkcsRequestRegion> region, ConnectorOptions options, ActorSystem system,
            CancellationToken ct) =>
            await RequestViews.ShowAsync(system, PkcsHosting.Role, region.ActorRef, PkcsRequestActor.PersistenceIdOf(id), "PKCS request", id,
                await queue.GetPkcsRequestAsync(id, ct), options.Service.IsRemote, PkcsRequestDetails.Of, ct));

        pkcs.MapGet("/{id}/result", async (string id, IPkcsQueue queue, CancellationToken ct) =>
        {
            var record = await queue.GetPkcsRequestAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No PKCS request '{id}'."));
            if (record.Result is not { Result: var r })
                return Results.Conflict(new ApiError($"Request '{id}' has no result yet (queue status {record.Status}); see 'pkcs show {id}'."));
            return Results.Ok(new PkcsResultBody(id, r.Succeeded, r.ErrorCode, r.ErrorMessage, r.EncryptedPfx, r.EncryptedPassword,
                r.CertificateDer is { } der ? Pem.Certificates([der]) : null, r.SerialNumber, r.CertificateThumbprint, r.ExpirationDateUtc));
        });

        return app;
    }
}
