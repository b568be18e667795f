using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Pkcs;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Host.Admin;

/// <summary>The standalone-mode PKCS operations: queue a request, show it, fetch its result.</summary>
public static class PkcsEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapPkcsEndpoints(this IEndpointRouteBuilder app)
    {
        var pkcs = app.MapGroup("/api/v1/pkcs/requests");

        pkcs.MapPost("", async (NewPkcsRequest body, PkcsRequestValidator validator, StandaloneManagementService queue,
            IRequiredActor<PkcsCoordinatorKey> coordinator, CancellationToken ct) =>
        {
            var (request, error) = validator.Validate(body);
            if (error is not null) return Results.BadRequest(error);
            if (!await queue.EnqueuePkcsRequestAsync(request!, ct))
                return Results.Conflict(new ApiError($"A request with ID '{request!.RequestId}' already exists.", "requestId"));
            coordinator.ActorRef.Tell(PollPkcsNow.Instance); // no need to wait for the next poll
            return Results.Accepted($"/api/v1/pkcs/requests/{request!.RequestId}", new { requestId = request.RequestId, status = "Queued" });
        });

        pkcs.MapGet("/{id}", async (string id, StandaloneManagementService queue, IRequiredActor<PkcsRequestRegion> region, CancellationToken ct) =>
        {
            var record = await queue.GetPkcsRequestAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No PKCS request '{id}'."));
            var view = await region.ActorRef.Ask<PkcsRequestView>(new GetPkcsRequest(id), AskTimeout, ct);
            return Results.Ok(new
            {
                requestId = id,
                queueStatus = record.Status.ToString(),
                state = view.Exists ? view.Status : "NotDownloaded",
                subject = record.Request.SubjectName,
                template = record.Request.TemplateName,
                key = record.Request.KeySpec.ToString(),
                enqueuedAt = record.EnqueuedAt,
                attempts = view.Attempts,
                nextAttemptAt = view.NextAttemptAt,
                failure = view.Failure,
                serialNumber = view.SerialNumber,
                thumbprint = view.Thumbprint,
                resultUploaded = view.ResultUploaded,
                uploadCount = record.Result?.UploadCount ?? 0,
                history = view.History,
            });
        });

        pkcs.MapGet("/{id}/result", async (string id, StandaloneManagementService queue, CancellationToken ct) =>
        {
            var record = await queue.GetPkcsRequestAsync(id, ct);
            if (record is null) return Results.NotFound(new ApiError($"No PKCS request '{id}'."));
            if (record.Result is not { Result: var r })
                return Results.Conflict(new ApiError($"Request '{id}' has no result yet (queue status {record.Status}); see 'pkcs show {id}'."));
            return Results.Ok(new
            {
                requestId = id,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPfx = r.EncryptedPfx,
                encryptedPassword = r.EncryptedPassword,
                certificatePem = r.CertificateDer is { } der ? Pem.Certificates([der]) : null,
                serialNumber = r.SerialNumber,
                thumbprint = r.CertificateThumbprint,
                expirationDateUtc = r.ExpirationDateUtc,
            });
        });

        return app;
    }
}
