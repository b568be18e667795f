using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>Where a queued PKCS request stands, as the admin API reports it.</summary>
public enum PkcsQueueStatus
{
    /// <summary>Waiting to be downloaded (never leased, or its lease ran out without a result).</summary>
    Queued,
    /// <summary>Handed to an instance whose lease has not run out yet.</summary>
    Leased,
    /// <summary>A successful result was uploaded.</summary>
    Completed,
    /// <summary>A failure result was uploaded.</summary>
    Failed,
}

/// <summary>A stored result with when it first arrived and how many uploads of it were received.</summary>
public sealed record StoredPkcsResult(PkcsResult Result, DateTimeOffset UploadedAt, int UploadCount);

/// <summary>One queued PKCS request with its queue state and its result, if any (the admin API's read side).</summary>
public sealed record PkcsRequestRecord(
    PkcsRequest Request,
    PkcsQueueStatus Status,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? LeaseExpiresAt,
    int DeliveryCount,
    StoredPkcsResult? Result);

/// <summary>What one batch upload did, per result: stored, already stored (kept the first), or unknown request ID.</summary>
public sealed record UploadSummary(int Stored, int Duplicates, int Unknown);
