using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>A stored result with when it first arrived and how many uploads of it were received.</summary>
public sealed record StoredPkcsResult(PkcsResult Result, DateTimeOffset UploadedAt, int UploadCount);

/// <summary>One queued PKCS request with its queue state and its result, if any (the admin API's read side).</summary>
public sealed record PkcsRequestRecord(
    PkcsRequest Request,
    QueueStatus Status,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? LeaseExpiresAt,
    int DeliveryCount,
    StoredPkcsResult? Result);

/// <summary>What one batch upload did, per result: stored, already stored (kept the first), or unknown request ID.</summary>
public sealed record UploadSummary(int Stored, int Duplicates, int Unknown);

/// <summary>The standalone PKCS queue as the admin API uses it (the actors use <see cref="IPkcsService"/>).</summary>
public interface IPkcsQueue
{
    /// <summary>False if the request ID is already known.</summary>
    Task<bool> EnqueuePkcsRequestAsync(PkcsRequest request, CancellationToken cancellationToken = default);

    /// <summary>One request with its queue status and result, or null if the ID is unknown.</summary>
    Task<PkcsRequestRecord?> GetPkcsRequestAsync(string requestId, CancellationToken cancellationToken = default);
}
