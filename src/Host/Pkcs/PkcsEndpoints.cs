using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Pkcs;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;

namespace CertConnector.Host.Pkcs;

/// <summary>The standalone-mode PKCS operations: queue a request, show it, fetch its result.</summary>
public static class PkcsEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

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

        pkcs.MapGet("/{id}", async (string id, IPkcsQueue queue, IRequiredActor<PkcsRequestRegion> region, CancellationToken ct) =>
        {
            var record = await queue.GetPkcsRequestAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No PKCS request '{id}'."));
            var view = await region.ActorRef.Ask<PkcsRequestView>(new GetPkcsRequest(id), AskTimeout, ct);
            return Results.Ok(new PkcsRequestDetails(id, record.Status.ToString(), view.Exists ? view.Status : "NotDownloaded",
                record.Request.SubjectName, record.Request.TemplateName, record.Request.KeySpec.ToString(), record.EnqueuedAt,
                view.Attempts, view.NextAttemptAt, view.Failure, view.SerialNumber, view.Thumbprint, view.ResultUploaded,
                record.Result?.UploadCount ?? 0, view.History));
        });

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
